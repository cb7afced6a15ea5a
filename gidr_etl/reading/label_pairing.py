"""Labels printed in a block, then their values in a block: which value row is whose.

Degraded conversions print a run of row labels with no values, then the value rows, in an
order that need not match the labels'. Pairing a value row with the label printed just before
it is a guess. A pairing (one value row per label) is admissible when the stated equations
lying wholly in the block's cells (template/arithmetic.py) hold; a cell keeps a value only
when every admissible pairing gives it the same one; any other cell is ambiguous.
"""

from __future__ import annotations

from itertools import permutations

from gidr_etl.reading.row_alignment import Aligned, row_equations, value_of
from gidr_etl.reading.tokens import Token
from gidr_etl.template.arithmetic import Equation, Key

# Beyond this many labels pairings are not enumerated: only columns alike in every value row stand.
MAX_LABELS = 7


def pair(rows: list[list[Key]], values: list[list[Token]], equations: list[Equation]) -> list[Aligned]:
    """Per label (its row's cells, in printed order) what every admissible pairing with the value
    rows gives its cells. As many value rows as labels, each as long as its row."""
    k, n = len(rows), len(rows[0])
    if len(values) != k or any(len(v) != n for v in values):
        return [Aligned([None] * n, set(range(n)), 0) for _ in rows]
    own = row_equations(equations, [key for row in rows for key in row])
    options = permutations(range(k)) if k <= MAX_LABELS and own else None
    admissible = []
    if options is not None:
        for perm in options:
            cells = {key: value_of(values[p][c]) for row, p in zip(rows, perm) for c, key in enumerate(row)}
            if all(
                None not in (cells[x] for x in (*eq.left, *eq.right))
                and sum(cells[x] for x in eq.left) == sum(cells[x] for x in eq.right) + eq.constant  # type: ignore[misc]
                for eq in own
            ):
                admissible.append(perm)
    out = []
    for r in range(k):
        tokens: list[Token | None] = []
        ambiguous = set()
        for c in range(n):
            # A column printed alike in every value row is that value whatever the pairing.
            pool = [values[p[r]][c] for p in admissible] if admissible else [v[c] for v in values]
            printed = {t.norm for t in pool}
            tokens.append(pool[0] if len(printed) == 1 else None)
            if len(printed) > 1:
                ambiguous.add(c)
        out.append(Aligned(tokens, ambiguous, len(admissible)))
    return out
