"""A cell of a scanned grid that holds several numbers: cells whose parting ruling was lost.

In a report's tables a cell prints one value. Where a scan loses a ruling (a fax's dotted
line with a gap too long to close, a seal's ring over it), the cells it parted are found
as one, and their values come out as one text ("95 0"). The reader places a row's values
by their order, so two values in one cell, or one lost among them, would shift every
value after them into the wrong column. Such a cell is unreadable: it stands as one
unreadable cell ("?", no confidence) in each grid cell it covers, which keeps every other
value of the row in its column and makes these NULL with a finding.
"""

from __future__ import annotations

import re

from gidr_etl.model import TableCell

# A piece of a number as OCR reads one: digits, separators, a sign, or a ruling's dot read
# as "/", "!" or "|".
_NUMBER_PIECE = re.compile(r"[-+]?[\d,.，。]*\d[\d,.，。]*|[/|!·.，。:：;]+")


def several_numbers(text: str) -> bool:
    """Whether a cell's text is numbers apart (and specks), more than one of them."""
    parts = text.split()
    return len([p for p in parts if re.search(r"\d", p)]) > 1 and all(_NUMBER_PIECE.fullmatch(p) for p in parts)


def unreadable_cells(cell: TableCell) -> list[TableCell]:
    """One unreadable cell for each grid cell `cell` covers."""
    return [
        TableCell("?", r, c, 1, 1, cell.prov, 0.0)
        for r in range(cell.row, cell.row + cell.row_span)
        for c in range(cell.col, cell.col + cell.col_span)
    ]
