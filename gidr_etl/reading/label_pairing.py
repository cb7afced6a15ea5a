"""Labels printed in a block, then their values in a block: which value row is whose.

Degraded conversions print a run of row labels with no values, then the value rows, in an
order that need not match the labels'. Pairing a value row with the label printed just before
it is a guess. Every pairing (one value row per label) is a `label_order` reading of the
block's cells (reading/placements.py); reading/chooser.py keeps those with which the stated
equations lying wholly in the block's cells (template/arithmetic.py) hold, and a cell keeps a
value only when they all give it the same one.

The value block itself may be printed row by row or column by column: pdfminer.six puts each
column of a small table in a text box of its own and prints the boxes one after another
(规章, 行政规范性文件, then 0 0 | 0 5 | 0 5). Nothing in the block says which, so both orders
are readings, and a cell both give the same value stands.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import permutations

from gidr_etl.reading.placements import Reading
from gidr_etl.reading.tokens import Token

# Beyond this many labels pairings are not enumerated: each label is given every value row, and
# only columns alike in every value row stand (the arithmetic cannot choose among a sample).
MAX_LABELS = 7

PRODUCER = "label_pairing"


def exhaustive(labels: int) -> bool:
    """Whether pairings() gives every pairing of this many labels (else only a sample)."""
    return labels <= MAX_LABELS


def pairings(labels: int, block: list[Token]) -> Iterator[list[Reading]]:
    """The block's cells (label by label, each label's row in printed order) as every pairing of
    the labels with the value rows, the block read row by row and column by column. `block`
    holds as many values as the labels' rows have cells."""
    k = labels
    n = len(block) // k
    by_row = [block[r * n : (r + 1) * n] for r in range(k)]
    by_column = [[block[c * k + r] for c in range(n)] for r in range(k)]
    orders = permutations(range(k)) if exhaustive(k) else ([(s + r) % k for r in range(k)] for s in range(k))
    perms = list(orders)
    yield [
        Reading(tuple(tok for p in perm for tok in values[p]), "label_order", PRODUCER)
        for values in (by_row, by_column)
        for perm in perms
    ]
