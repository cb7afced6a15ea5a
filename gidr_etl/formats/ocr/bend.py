"""Whether a ruled table's grid, as found, is the grid printed: a photographed page that
bows (a sheet lifting from the desk, a bound report's page curving to its spine) bends
the rulings, and past a bend of about 1% of the page the cells of one printed row fall on
different rows of the grid found, so a label would be paired with the next row's values.

Two cells side by side that share most of their height are on one printed row, so their
rows must overlap in the grid (and two cells one above the other that share most of their
width, their columns). A grid that breaks this is not trusted: its cells are read as
doubtful (reading/ocr_check.py then keeps none of their values that the sums do not
confirm), never paired on a guess.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gidr_etl.formats.ocr.rulings import GridCell

# Two cells are neighbours across one ruling when their facing edges are at most this far
# apart (points): the ruling's width and its dilation.
_ACROSS_RULING = 3.0
# Neighbours sharing more than this share of the smaller one's extent are on one printed
# row (or column).
_SHARED = 0.5


def grid_holds(cells: list[GridCell], scale: float) -> bool:
    """Whether every two neighbouring cells on one printed row (column) share a grid row (column)."""
    gap = _ACROSS_RULING * scale
    for a in cells:
        ax0, ay0, ax1, ay1 = a.box
        for b in cells:
            bx0, by0, bx1, by1 = b.box
            side_by_side = 0 <= bx0 - ax1 <= gap and _share(ay0, ay1, by0, by1)
            if side_by_side and not (a.row < b.row + b.row_span and b.row < a.row + a.row_span):
                return False
            stacked = 0 <= by0 - ay1 <= gap and _share(ax0, ax1, bx0, bx1)
            if stacked and not (a.col < b.col + b.col_span and b.col < a.col + a.col_span):
                return False
    return True


def _share(a0: float, a1: float, b0: float, b1: float) -> bool:
    return min(a1, b1) - max(a0, b0) > _SHARED * min(a1 - a0, b1 - b0)
