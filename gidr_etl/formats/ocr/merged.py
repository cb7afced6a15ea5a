"""Cells of a scanned grid whose parting ruling was lost: a cell over several columns of
numbers, and a label cell holding one numbered item beside each of several rows.

In a report's tables a cell prints one value. Where a scan loses a ruling (a fax's dotted
line with a gap too long to close, a seal's ring over it), the cells it parted are found
as one, and their values come out as one text ("95 0"), or one of them not at all. The
reader places a row's values by their order, so two values in one cell, or one lost among
them, would shift every value after them into the wrong column. The grid's other rows show
where the columns are: where a cell over columns of numbers holds print of its own in more
than one of them and none across a border (`by_column`), each column's print is read as
that column's cell (a column with none is unreadable: blank, or print the scan lost). A cell
read as several numbers otherwise is unreadable: one unreadable cell ("?", no confidence)
in each grid cell it covers, which keeps every other value of the row in its column and
makes these NULL with a finding.

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

import cv2
import numpy as np

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

Box = tuple[int, int, int, int]  # x0, y0, x1, y1
# Pixels a ruling's remnant may reach into a column beside it (a line drawn a little off true).
_EDGE = 2


def by_column(ink: np.ndarray, box: Box, columns: list[tuple[int, int]], min_mark: float) -> list[Box] | None:
    """The part of a cell (`box`, in a binary ink image) under each of `columns` (each
    column's x0, x1 where its own cells stand), where no mark of print in the cell crosses
    from one column into the next; None where one does. Marks shorter than `min_mark` pixels
    both ways are specks; marks between two columns are what the scan left of their ruling
    (a fax's dots): neither is print."""
    x0, y0, x1, y1 = box
    m = 3  # clear of the rulings above and below
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink[y0 + m : y1 - m, x0:x1], connectivity=8)
    for left, _top, width, height, _area in stats[1:]:
        if max(width, height) < min_mark:
            continue
        start, end = x0 + int(left), x0 + int(left + width)
        if sum(min(end, c1) - max(start, c0) > _EDGE for c0, c1 in columns) > 1:
            return None
    return [(c0, y0, c1, y1) for c0, c1 in columns]


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
