"""Matching a garbled printed label (OCR slips, lost characters) to a template term.

Exact matching (vocabulary.Term.matches) is tried first everywhere; this is the
fallback, used only where the table's row order leaves a gap for the term. A match
needs a high similarity to the term's official label and a clear lead over every
other term of the section, and is always reported (rule label_fuzzy).
"""

from __future__ import annotations

from difflib import SequenceMatcher

from gidr_etl.template.vocabulary import Term

# Similarity (difflib ratio) a label needs to its term, and the lead it needs over the
# runner-up: "属于国家秘蜜" → 0.83, "其他法律行政止公开" → 0.86, "规草" → 0.5.
MIN_SIMILARITY = 0.75
MIN_LEAD = 0.15
# Where a scanned grid's row order alone places a label (template_cells._scanned_row_labels),
# the label need only resemble its term this much: "（·）产以公计" for 予以公开 is 0.5.
MIN_RESEMBLANCE = 0.4


def similarity(key: str, term: Term) -> float:
    """How alike a printed label key is to the term's official label or a variant (0–1)."""
    candidates = [term.key, *term.exact, *(m for m in term.match if len(m) >= 4)]
    return max(SequenceMatcher(None, key, c, autojunk=False).ratio() for c in candidates)


def best_match(key: str, terms: list[Term]) -> tuple[Term, float] | None:
    """The term `key` most likely garbles, with its similarity, if the choice is clear."""
    if len(key) < 3:
        return None
    scored = sorted(((similarity(key, t), n) for n, t in enumerate(terms)), reverse=True)
    best, n = scored[0]
    runner_up = scored[1][0] if len(scored) > 1 else 0.0
    if best >= MIN_SIMILARITY and best - runner_up >= MIN_LEAD:
        return terms[n], best
    return None
