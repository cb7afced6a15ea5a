"""A report's tables as an OCR converter writes them (issue #12, point 6): each table cut into
many small Markdown tables under generic headers (| 数据1 | 数据2 | … |), a piece every few rows,
each piece padded to its own width; the column-header rows landing mid-table; and rows cut
at a piece's end, their remaining values opening the next piece with no label.

Written from a gold (tests/gold/...) through testing/layout.py, so a test knows which printed
value is which cell and can check every cell of the reading.
"""

from __future__ import annotations

from gidr_etl.testing import layout
from gidr_etl.testing.layout import CLOSING, PARTS, metadata_lines, title
from gidr_etl.testing.variants import NEUTRAL_PROSE

Line = list[str]


def _cells(row: list[layout.PrintedCell]) -> Line:
    out: Line = []
    for cell in row:
        out += [cell.text] + [""] * (cell.colspan - 1)
    return out


def _landed_mid_table(rows: list[Line], headers: int, after: int) -> list[Line]:
    """The first `headers` rows (column headers) printed after the `after`-th row below them."""
    head, body = rows[:headers], rows[headers:]
    return body[:after] + head + body[after:]


def _pieces(rows: list[Line], per_piece: int, cut: dict[int, int]) -> list[list[Line]]:
    """Rows in pieces of `per_piece`; the row at index i in `cut` is cut after cut[i] cells, its
    rest opening the next piece (which then starts there)."""
    pieces: list[list[Line]] = [[]]
    for i, row in enumerate(rows):
        if i in cut:
            pieces[-1].append(row[: cut[i]])
            pieces.append([row[cut[i] :]])
            continue
        if len(pieces[-1]) >= per_piece:
            pieces.append([])
        pieces[-1].append(row)
    return [p for p in pieces if p]


def _markdown(piece: list[Line]) -> list[str]:
    width = max(len(r) for r in piece)
    lines = ["| " + " | ".join(f"数据{i + 1}" for i in range(width)) + " |", "|" + "---|" * width]
    return lines + ["| " + " | ".join(r + [""] * (width - len(r))) + " |" for r in piece] + [""]


# Where each table's rows are cut and its headers land: (header rows, land after, cut rows).
SHAPES = {
    "active": (0, 0, {}),
    "requests": (3, 4, {9: 5}),  # 3 header rows land after the 4th row; a 不予公开 row cut after its 4th value
    "appeals": (3, 0, {3: 9}),  # the row of 15 values cut after 9
}


def mini_table_text(g: dict, per_piece: int = 4) -> str:
    lines = [title(g)] + [f"{k}：{v}" for k, v in metadata_lines(g)] + ["一、总体情况", NEUTRAL_PROSE]
    for table, heading in PARTS.items():
        rows = [_cells(r) for r in layout.TABLES[table](g)]
        headers, after, cut = SHAPES[table]
        if headers:
            rows = _landed_mid_table(rows, headers, after)
        lines.append(heading)
        for piece in _pieces(rows, per_piece, cut):
            lines += _markdown(piece)
    for heading, paragraph in CLOSING:
        lines += [heading, paragraph]
    return "\n".join(lines) + "\n"
