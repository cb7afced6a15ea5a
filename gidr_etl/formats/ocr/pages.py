"""A scanned table cut by a page break, joined back into one table.

Word and WPS let a table run on over a page break; scanned, its heading is on one page
and its rows on the next, and neither piece alone says which table the values are in.
As for a text-layer PDF (formats/pdf.py), the table that ends one page and the table that
opens the next are one table when their outer edges and their column borders line up:
the continuation's rows go under the table's, all on the common column grid.
"""

from __future__ import annotations

from dataclasses import replace

from gidr_etl.formats.page_layout import grid_index, grid_lines
from gidr_etl.model import Block, Table

# Edges and column borders of two pieces this close (points) are the same line: a page
# scanned tilted by 1° moves a border 3 points over a table 200 points high.
_EDGE_TOL = 8.0


def join_continued(blocks: list[Block]) -> list[Block]:
    """`blocks` (every page's, in order) with each table that opens a page joined to the
    table that ended the page before, where their columns line up."""
    out: list[Block] = []
    for block in blocks:
        last = out[-1] if out else None
        if isinstance(block, Table) and isinstance(last, Table) and _continues(last, block):
            out[-1] = _joined(last, block)
        else:
            out.append(block)
    return out


def _borders(table: Table) -> list[float]:
    """The x of the table's column borders (points), from its cells' boxes."""
    return grid_lines([x for c in table.cells if c.prov and c.prov.bbox for x in (c.prov.bbox[0], c.prov.bbox[2])])


def _continues(head: Table, piece: Table) -> bool:
    if not all(c.prov and c.prov.bbox and c.prov.page for c in head.cells + piece.cells):
        return False  # not a scan's table: no boxes to line up
    if piece.prov.page != max(c.prov.page or 0 for c in head.cells if c.prov) + 1:
        return False
    a, b = _borders(head), _borders(piece)
    if len(a) < 3 or len(b) < 3 or abs(a[0] - b[0]) > _EDGE_TOL or abs(a[-1] - b[-1]) > _EDGE_TOL:
        return False
    # Every border of one is a border of the other: the piece's columns, or a heading's
    # columns over the finer columns of its value rows.
    return _within(a, b) or _within(b, a)


def _within(xs: list[float], grid: list[float]) -> bool:
    return all(any(abs(x - g) <= _EDGE_TOL for g in grid) for x in xs)


def _joined(head: Table, piece: Table) -> Table:
    """The piece's rows under the head's, every cell on the columns of both."""
    xs = grid_lines(_borders(head) + _borders(piece))
    below = head.n_rows
    cells = []
    for table, offset in ((head, 0), (piece, below)):
        for c in table.cells:
            assert c.prov is not None and c.prov.bbox is not None  # _borders found them
            col = grid_index(xs, c.prov.bbox[0])
            span = max(grid_index(xs, c.prov.bbox[2]) - col, 1)
            cells.append(replace(c, row=c.row + offset, col=col, col_span=span))
    return replace(head, cells=cells)
