"""Cells of a scanned grid whose parting ruling was lost: a cell holding several numbers,
and a label cell holding one numbered item beside each of several rows.

In a report's tables a cell prints one value. Where a scan loses a ruling (a fax's dotted
line with a gap too long to close, a seal's ring over it), the cells it parted are found
as one, and their values come out as one text ("95 0"). The reader places a row's values
by their order, so two values in one cell, or one lost among them, would shift every
value after them into the wrong column. Such a cell is unreadable: it stands as one
unreadable cell ("?", no confidence) in each grid cell it covers, which keeps every other
value of the row in its column and makes these NULL with a finding.

A row label's cell is parted from the next by a ruling as thin as any, which a 150 dpi scan
or a phone photo loses where the value columns keep theirs: the label cell then spans the
rows, its numbered items ("1.属于国家秘密", "2.其他法律行政法规禁止公开", …) each printed
beside its own row's values. Read as one cell, every row but the first loses its label.
Where each item begins with its number and stands in a row of its own, the items are the
rows' labels (`items_by_row`); a group's heading spanning rows ("（三）不予公开", wrapped
or not) is not numbered item by item, and stays one cell.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from gidr_etl.model import TableCell
from gidr_etl.text.cjk import NUMBERING

# A numbered item; or one whose numeral the scan lost ("、上年结转…": a line of Chinese never
# begins with the enumeration comma).
_ITEM = re.compile(rf"\s*(?:{NUMBERING}|、)")

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


Read = tuple[str, float, str | None]  # a recognised line: text, confidence, its digits


def items_by_row(
    rows: range, lines: list[tuple[float, Read]], bands: Mapping[int, tuple[float, float]]
) -> list[tuple[int, list[Read]]] | None:
    """(row, its item's lines) for a cell spanning `rows` whose recognised `lines` (each with
    its middle's height) are numbered items, one within each row's band of heights (an item
    wrapped over lines goes on within its band unnumbered); else None."""
    if len(rows) < 2 or any(r not in bands for r in rows):
        return None
    items: list[tuple[int, list[Read]]] = []
    for middle, line in sorted(lines, key=lambda item: item[0]):
        row = next((r for r in rows if bands[r][0] <= middle < bands[r][1]), None)
        if row is None:
            return None
        if _ITEM.match(line[0]):
            items.append((row, [line]))
        elif items and items[-1][0] == row:
            items[-1][1].append(line)
        else:
            return None
    return items if [row for row, _ in items] == list(rows) else None
