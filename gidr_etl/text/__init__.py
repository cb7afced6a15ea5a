"""Chinese text primitives: character classes and patterns, normalisation, decoding bytes."""
