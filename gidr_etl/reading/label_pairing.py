"""Labels printed in a block, then their values in a block: which value row is whose.

Degraded conversions print a run of row labels with no values, then the value rows, in an
order that need not match the labels'. Pairing a value row with the label printed just before
it is a guess. A pairing (one value row per label) is admissible when the stated equations
lying wholly in the block's cells (template/arithmetic.py) hold; a cell keeps a value only
when every admissible pairing gives it the same one; any other cell is ambiguous.

The value block itself may be printed row by row or column by column: pdfminer.six puts each
column of a small table in a text box of its own and prints the boxes one after another
(规章, 行政规范性文件, then 0 0 | 0 5 | 0 5). Nothing in the block says which, so both orders
are readings, and a cell both give the same value stands.
"""

from __future__ import annotations

from itertools import permutations

from gidr_etl.reading.row_alignment import Aligned, row_equations, value_of
from gidr_etl.reading.tokens import Token
from gidr_etl.template.arithmetic import Equation, Key

# Beyond this many labels pairings are not enumerated: only columns alike in every value row stand.
MAX_LABELS = 7


def pair(rows: list[list[Key]], block: list[Token], equations: list[Equation]) -> list[Aligned]:
    """Per label (its row's cells, in printed order) what every admissible pairing with the value
    rows gives its cells. `block` holds as many values as the rows have cells."""
    k, n = len(rows), len(rows[0])
    if len(block) != k * n or any(len(row) != n for row in rows):
        return [Aligned([None] * n, set(range(n)), 0) for _ in rows]
    by_row = [block[r * n : (r + 1) * n] for r in range(k)]
    by_column = [[block[c * k + r] for c in range(n)] for r in range(k)]
    readings = [by_row, by_column]
    own = row_equations(equations, [key for row in rows for key in row])
    options = list(permutations(range(k))) if k <= MAX_LABELS and own else []
    admissible = []
    for values in readings:
        for perm in options:
            cells = {key: value_of(values[p][c]) for row, p in zip(rows, perm) for c, key in enumerate(row)}
            if all(
                None not in (cells[x] for x in (*eq.left, *eq.right))
                and sum(cells[x] for x in eq.left) == sum(cells[x] for x in eq.right) + eq.constant  # type: ignore[misc]
                for eq in own
            ):
                admissible.append([values[p] for p in perm])
    out = []
    for r in range(k):
        tokens: list[Token | None] = []
        ambiguous = set()
        for c in range(n):
            # A column printed alike in every value row of either order is that value whatever the pairing.
            pool = [a[r][c] for a in admissible] if admissible else [v[c] for values in readings for v in values]
            printed = {t.norm for t in pool}
            tokens.append(pool[0] if len(printed) == 1 else None)
            if len(printed) > 1:
                ambiguous.add(c)
        out.append(Aligned(tokens, ambiguous, len(admissible)))
    return out
