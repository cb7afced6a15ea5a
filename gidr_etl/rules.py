"""Built-in validation rules (being written)."""
