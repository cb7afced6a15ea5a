"""Cells a browser, a text browser or a PDF printer wrapped onto the next lines, joined back.

A page's info block is a borderless table; w3m at its default 80 columns prints it as

    索引号  H042/         发布机构 杭州市萧山区行政审批服务管理 发布日期 2024-01-16
    ：      2024-75954    ：       办公室                       ：

and Chromium, printing it with narrow cells, as "索引 11320703MB/2021- 发布 连云 …" over
"号： 00061 机 区行 …" and two more lines. Each piece of a continuation line starts exactly where
the cell it continues starts (a label wrapped as 索引/号, a value after its "/" or "-"). Chromium centres
a short cell on the block's rows, so a row may hold only some cells. A row belongs to the block
when each of its pieces continues the column it starts in (as `joins` accepts) or starts one,
and one continues a column or is a label (the caller knows labels: "索引号：" is complete, and 一、总体情况 below it is the
body, not more of it). Positions are display columns in text (a CJK character is two wide),
points in a PDF.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

Piece = tuple[float, str]  # (where it starts, its text)
_PIECE = re.compile(r"\S+")


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pieces(line: str) -> list[Piece]:
    """The line's space-separated pieces with the display column each starts at."""
    return [(_width(line[: m.start()]), m.group()) for m in _PIECE.finditer(line)]


class _Block:
    """An info block's columns: where each starts and its text, top to bottom."""

    def __init__(self, row: list[Piece], tolerance: float):
        self.columns: list[list] = [[x, text] for x, text in row]
        self.tolerance = tolerance

    def _column(self, x: float) -> list | None:
        return next((c for c in self.columns if abs(c[0] - x) <= self.tolerance), None)

    def add(
        self, row: list[Piece], below: bool, joins: Callable[[str, str], bool], is_label: Callable[[str], bool]
    ) -> bool:
        """Add the row above or below, or say False and change nothing. Each piece continues the
        column it starts in (as `joins` allows) or starts a column, and one piece at least
        continues a column or is a label: a paragraph's line is neither."""
        grown: list[list] = []  # columns the row changes, as [column, its new text]
        started: list[list] = []  # columns the row starts
        tied = False
        for x, text in row:
            col = self._column(x)
            if col is None:
                tied = tied or is_label(text)
                started.append([x, text])
            elif not (joins(col[1], text) if below else joins(text, col[1])):
                return False
            else:
                tied = True
                grown.append([col, col[1] + text if below else text + col[1]])
        if not tied:
            return False
        for col, text in grown:
            col[1] = text
        self.columns += started
        return True

    def text(self) -> str:
        # Two spaces part the cells, as a text browser prints them.
        return "  ".join(text for _, text in sorted(self.columns, key=lambda c: c[0]))


def unwrap(
    rows: list[list[Piece]],
    starts: Callable[[str], bool],
    joins: Callable[[str, str], bool],
    is_label: Callable[[str], bool],
    tolerance: float = 0,
) -> list[str]:
    """The rows as lines of text, an info block's rows joined into one line: the block grows from
    a row where `starts(its text)`, up and down, while each row's pieces continue its columns."""
    out = [" ".join(t for _, t in row) for row in rows]
    taken: set[int] = set()
    for a, row in enumerate(rows):
        if a in taken or not starts(out[a]):
            continue
        block, lo, hi = _Block(row, tolerance), a, a
        while hi + 1 < len(rows) and hi + 1 not in taken and block.add(rows[hi + 1], True, joins, is_label):
            hi += 1
        while lo - 1 >= 0 and lo - 1 not in taken and block.add(rows[lo - 1], False, joins, is_label):
            lo -= 1
        taken.update(range(lo, hi + 1))
        out[lo : hi + 1] = [block.text()] + [""] * (hi - lo)
    return [line for line in out if line]
