"""Tables drawn with box characters, as `w3m -dump` prints an HTML table with a border.

w3m lays a bordered table out on a character grid: every cell is boxed by │ and ─, a cell
merged over rows or columns has no border inside it, and text too wide for its column wraps
onto the cell's next lines (a CJK character is two columns wide, a box character one). The
borders are the table's own structure, so the cells are read back from them: each cell once,
with its row and column spans, its wrapped lines joined, a blank cell blank.
"""

from __future__ import annotations

import unicodedata

from gidr_etl.model import Provenance, Table, TableCell

# Characters standing on a vertical grid line (corners and junctions too), and horizontal rules.
VERTICAL = frozenset("│┃║├┤┼┬┴┌┐└┘┝┥┠┨╂┿╋┣┫┳┻┏┓┗┛╞╡╪╤╧╟╢╫╔╗╚╝╠╣╬╦╩")
HORIZONTAL = frozenset("─━═")
_CORNER = frozenset("┌┏╔")


def starts_box_table(line: str) -> bool:
    """A table's top border: "┌───┬───┐"."""
    s = line.strip()
    return len(s) >= 3 and s[0] in _CORNER and all(ch in VERTICAL or ch in HORIZONTAL for ch in s)


def box_table_end(lines: list[str], start: int) -> int:
    """The index after the table whose top border is lines[start]: every line of a table starts
    with a box character."""
    i = start + 1
    while i < len(lines) and (s := lines[i].strip()) and s[0] in VERTICAL:
        i += 1
    return i


def _width(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _columns(line: str) -> dict[int, str]:
    """The line's characters by display column (a wide character at its first column)."""
    out, x = {}, 0
    for ch in line:
        out[x] = ch
        x += _width(ch)
    return out


def box_table(lines: list[str], start: int, end: int, source: str) -> Table:
    """The table drawn in lines[start:end] as cells anchored on its grid."""
    grid = [_columns(line) for line in lines[start:end]]
    bars = sorted({x for row in grid for x, ch in row.items() if ch in VERTICAL})
    spans = list(zip(bars, bars[1:]))

    def text(y: int, j: int) -> str | None:
        """The characters of line y between bars j and j+1; None where that stretch is a border."""
        left, right = spans[j]
        chars = [grid[y][x] for x in range(left + 1, right) if x in grid[y]]
        if chars and all(ch in HORIZONTAL for ch in chars):
            return None
        return "".join(chars)

    # Stretches of lines between bars that no border separates are one cell.
    parent: dict[tuple[int, int], tuple[int, int]] = {}

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    content = {(y, j): t for y in range(len(grid)) for j in range(len(spans)) if (t := text(y, j)) is not None}
    for key in content:
        parent[key] = key
    for y, j in content:
        if (y, j + 1) in content and grid[y].get(spans[j][1]) not in VERTICAL:
            parent[find((y, j))] = find((y, j + 1))
        if (y + 1, j) in content:
            parent[find((y, j))] = find((y + 1, j))
    members: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for key in content:
        members.setdefault(find(key), []).append(key)
    tops = sorted({min(y for y, _ in keys) for keys in members.values()})
    cells = []
    for keys in members.values():
        ys = sorted({y for y, _ in keys})
        js = sorted({j for _, j in keys})
        left, right = spans[js[0]][0], spans[js[-1]][1]
        pieces = ["".join(grid[y][x] for x in range(left + 1, right) if x in grid[y]).strip() for y in ys]
        row = tops.index(ys[0])
        row_span = sum(ys[0] <= t <= ys[-1] for t in tops)
        prov = Provenance(source, line=start + ys[0] + 1)
        cells.append(TableCell(_join(pieces), row, js[0], row_span, len(js), prov=prov))
    cells.sort(key=lambda c: (c.row, c.col))
    return Table(cells, Provenance(source, line=start + 1), rows_known=True)


def _join(pieces: list[str]) -> str:
    """A cell's lines as one text: a line wrapped inside CJK text joins without a space."""
    out = ""
    for piece in filter(None, pieces):
        if out and not (_width(out[-1]) == 2 or _width(piece[0]) == 2):
            out += " "
        out += piece
    return out
