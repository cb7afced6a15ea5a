"""Tables drawn with box-drawing characters, as `w3m -dump` prints an HTML table with borders:

    ┌──────────┬──────┐
    │ 信息内容 │ 件数 │
    ├──────────┼──────┤      a cell's text may wrap over several lines between two rules;
    │ 规章     │ 0    │      a merged cell is a region no line or rule crosses.
    └──────────┴──────┘

The drawing states every cell: the vertical strokes bound the columns, the horizontal ones the
rows, and a region no stroke divides is one cell, its spans what it covers. Positions are display
columns (a CJK character is two wide, a box character one, as w3m lays them out).
"""

from __future__ import annotations

import unicodedata

from gidr_etl.model import Provenance, Table, TableCell
from gidr_etl.text.cjk import join_lines

VERTICAL = set("│┃║├┤┼┬┴┌┐└┘┣┫╋┳┻┏┓┗┛╠╣╬╦╩╔╗╚╝╟╢╫╤╧╞╡╪")
HORIZONTAL = set("─━═")
BOX = VERTICAL | HORIZONTAL


def is_box_line(line: str) -> bool:
    """A line of a drawn table: it starts, after indentation, with a box character."""
    stripped = line.lstrip()
    return bool(stripped) and stripped[0] in VERTICAL


def _columns(line: str) -> list[str]:
    """The line by display column: a wide character fills two, its second "" (no character)."""
    out: list[str] = []
    for ch in line.rstrip():
        out.append(ch)
        if unicodedata.east_asian_width(ch) in "WF":
            out.append("")
    return out


def box_table(lines: list[str], source: str, first_line: int) -> Table | None:
    """The Table a run of drawn lines shows (first_line: the first one's line number), or None
    when the drawing has no cell."""
    grid = [_columns(line) for line in lines]
    width = max(map(len, grid), default=0)
    grid = [row + [" "] * (width - len(row)) for row in grid]
    xs = sorted({x for row in grid for x, ch in enumerate(row) if ch in VERTICAL})
    rules = [y for y, row in enumerate(grid) if any(ch in HORIZONTAL for ch in row)]
    bands = [(a + 1, b) for a, b in zip(rules, rules[1:]) if b > a + 1]  # text lines between two rules
    segments = list(zip(xs, xs[1:]))
    if not bands or not segments:
        return None

    def open_right(band: tuple[int, int], x: int) -> bool:  # no stroke at x on the band's lines
        return all(grid[y][x] not in VERTICAL for y in range(*band))

    def open_below(b: int, seg: tuple[int, int]) -> bool:  # no rule under band b across the segment
        y = bands[b][1]
        return all(grid[y][x] not in HORIZONTAL for x in range(seg[0] + 1, seg[1]))

    # Union the units (band, segment) no stroke divides; each class is one cell.
    parent = {(b, s): (b, s) for b in range(len(bands)) for s in range(len(segments))}

    def find(u):
        while parent[u] != u:
            parent[u] = parent[parent[u]]
            u = parent[u]
        return u

    for b, band in enumerate(bands):
        for s, seg in enumerate(segments):
            if s + 1 < len(segments) and open_right(band, seg[1]):
                parent[find((b, s + 1))] = find((b, s))
            if b + 1 < len(bands) and open_below(b, seg):
                parent[find((b + 1, s))] = find((b, s))
    regions: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for unit in parent:
        regions.setdefault(find(unit), []).append(unit)
    cells = []
    for units in regions.values():
        b0, b1 = min(b for b, _ in units), max(b for b, _ in units)
        s0, s1 = min(s for _, s in units), max(s for _, s in units)
        left, right = segments[s0][0] + 1, segments[s1][1]
        # A cell over several bands holds the lines between them too: w3m prints a merged cell's
        # text on whichever line is its middle, a rule line of the cells beside it.
        text_lines = ["".join(grid[y][left:right]).strip() for y in range(bands[b0][0], bands[b1][1])]
        text = join_lines([t for t in text_lines if t and not set(t) <= BOX])
        prov = Provenance(source, line=first_line + bands[b0][0])
        cells.append(TableCell(text, b0, s0, row_span=b1 - b0 + 1, col_span=s1 - s0 + 1, prov=prov))
    return Table(sorted(cells, key=lambda c: (c.row, c.col)), Provenance(source, line=first_line))
