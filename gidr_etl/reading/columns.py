"""A row's values placed in their columns by where they are printed.

Converters that lay a table out on a character grid keep each value under its column:
pdftotext -layout (poppler: one character a column, a CJK character too), and the dumps of a
borderless table by w3m and lynx (a CJK character two columns wide: east_asian_width). They
print nothing for a blank cell, so a row may print fewer values than columns ("5        5").
Where the table's full rows (as many values as columns) show each column's place under one
of the two measures, and consistently (the columns in order, apart), a short row's value
stands in the one column its place overlaps. A value under no column or under two (between
columns) places nothing: the row is then left to row_alignment.py, which keeps such a cell
ambiguous unless the row's arithmetic settles it.
"""

from __future__ import annotations

import unicodedata

from gidr_etl.reading.tokens import Token

Span = tuple[int, int]  # [start, end) on the line


def _width(text: str, wide: bool) -> int:
    return sum(2 if wide and unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def span(tok: Token, wide: bool) -> Span | None:
    """Where the token is printed on its line: characters (wide=False, pdftotext -layout) or
    display columns (wide=True, w3m and lynx)."""
    if tok.at is None:
        return None
    line, start = tok.at
    left = _width(line[:start], wide)
    return left, left + _width(tok.text, wide)


def columns(full_rows: list[list[Token]], n: int, wide: bool) -> list[Span] | None:
    """Each column's extent over the full rows, if the rows agree: in order, no two overlapping."""
    if not full_rows:
        return None
    out: list[Span] = []
    for c in range(n):
        spans = [span(row[c], wide) for row in full_rows]
        if any(s is None for s in spans):
            return None
        out.append((min(s[0] for s in spans if s), max(s[1] for s in spans if s)))
    if any(a[1] > b[0] for a, b in zip(out, out[1:])):
        return None
    return out


def place(row: list[Token], full_rows: list[list[Token]], n: int) -> list[Token | None] | None:
    """The row's values in their columns (None: nothing printed there), where every measure the
    full rows bear out places each value in exactly one column, the same one; else None."""
    placements = []
    for wide in (False, True):
        cols = columns(full_rows, n, wide)
        if cols is None:
            continue
        slots: list[Token | None] = [None] * n
        last = -1
        for tok in row:
            s = span(tok, wide)
            under = [c for c, (a, b) in enumerate(cols) if s is not None and s[0] < b and a < s[1]]
            if len(under) != 1 or under[0] <= last:
                return None
            slots[under[0]] = tok
            last = under[0]
        placements.append(slots)
    if not placements or any(p != placements[0] for p in placements):
        return None
    return placements[0]


def place_by_lines(
    label: Token,
    row: list[Token],
    following: Token | None,
    full_rows: list[tuple[Token, list[Token], Token | None]],
    n: int,
) -> list[Token | None] | None:
    """The row's values in their columns where the converter prints a table a cell a line and
    a blank cell as empty lines: LibreOffice's txt export (a cell a line, a blank cell an empty
    one), docx2txt (each cell followed by an empty line) and lynx (a cell with text followed by
    an empty line, a blank cell one empty line). The full rows (label, values, the token after
    them) show how many lines a cell with text takes and how many lines part one row from the
    next (cells merged from the rows above print empty lines too); a blank cell takes at least
    one line and no more than a cell with text. Every count a blank may take that fits the
    row's lines, up to the next token, with a parting the full rows show, must place each
    value in the same column. A converter that drops blank cells (pdfminer.six, pdftotext's
    default mode) prints a short row shorter than that, and is never read this way; nor is a
    row followed by a line dropped as page furniture, whose lines are then no count of cells."""
    step = _step([(lab, toks) for lab, toks, _ in full_rows])
    partings = {p for lab, toks, after in full_rows if (p := _parting(toks[-1], after, step)) is not None}
    lines = [_line(t) for t in (label, *row)]
    trailing = _parting(row[-1], following, step)
    if step is None or trailing is None or not partings or None in lines or len(set(lines)) != len(lines):
        return None
    placements = []
    for blank in range(1, step + 1):
        slots: list[Token | None] = [None] * n
        col, prev, fits = 0, lines[0], True
        for tok, line in zip(row, lines[1:]):
            skipped, rest = divmod(line - prev - step, blank)  # type: ignore[operator]
            if rest or skipped < 0 or col + skipped >= n:
                fits = False
                break
            col += skipped
            slots[col], col, prev = tok, col + 1, line
        # The cells after the last value are blank, then the rows part as full rows do.
        if fits and trailing - (n - col) * blank in partings:
            placements.append(slots)
    if not placements or any(p != placements[0] for p in placements):
        return None
    # Values on consecutive lines from the label on, blank cells only at the end, are also
    # what a text that lost a value prints (the lines close up): only empty lines between
    # values show cells left blank.
    if None not in placements[0][: placements[0].index(row[-1])]:
        return None
    return placements[0]


def _parting(last: Token, following: Token | None, step: int | None) -> int | None:
    """The empty lines between a row's last cell (taking `step` lines) and the next token."""
    if step is None or following is None or following.after_dropped:
        return None
    a, b = _line(last), _line(following)
    return None if a is None or b is None else b - a - step


def _line(tok: Token) -> int | None:
    return tok.prov.line if tok.prov is not None else None


def _step(full_rows: list[tuple[Token, list[Token]]]) -> int | None:
    """The lines one cell with text takes, where every full row prints each cell that many lines
    after the one before it (its label first)."""
    gaps = set()
    for label, row in full_rows:
        lines = [_line(t) for t in (label, *row)]
        if None in lines:
            return None
        gaps |= {b - a for a, b in zip(lines, lines[1:])}  # type: ignore[operator]
    return gaps.pop() if len(gaps) == 1 and min(gaps) > 0 else None
