"""Cells a text browser or `pdftotext -layout` wrapped onto the next line, joined back.

A page's info block is a borderless table; w3m at its default 80 columns prints it as

    索引号  H042/         发布机构 杭州市萧山区行政审批服务管理 发布日期 2024-01-16
    ：      2024-75954    ：       办公室                       ：

where each piece of the second line stands exactly under the start of the cell it continues (a
label wrapped as 索引号/：, a value after its "/"). A line is such a continuation only when every
one of its pieces starts where a piece of the line above starts; then each is appended to that
piece. Positions are display columns (a CJK character is two wide).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

_PIECE = re.compile(r"\S+")


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pieces(line: str) -> list[tuple[int, str]]:
    """The line's space-separated pieces with the display column each starts at."""
    return [(_width(line[: m.start()]), m.group()) for m in _PIECE.finditer(line)]


def join_continuation(line: str, below: str, cell: Callable[[str], bool] = bool) -> str | None:
    """`line` with `below`'s pieces appended to the pieces they stand under, or None when `below`
    is not a continuation of `line`: a piece of it starts where none of `line`'s does, or under a
    piece that is not one cell's text (`cell` says which are: "索引号：H042/…" holds two)."""
    above, under = pieces(line), pieces(below)
    starts = {col: i for i, (col, text) in enumerate(above) if cell(text)}
    if not under or len(under) > len(above) or any(col not in starts for col, _ in under):
        return None
    texts = [text for _, text in above]
    for col, text in under:
        texts[starts[col]] += text
    return " ".join(texts)


def unwrap(lines: list[str], starts: Callable[[str], bool], cell: Callable[[str], bool] = bool) -> list[str]:
    """`lines` with each continuation joined to the line above it, where `starts(line above)` (an
    info block's labels: a body paragraph's lines also start in one column, and stay apart)."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        while i + 1 < len(lines) and starts(line) and (joined := join_continuation(line, lines[i + 1], cell)):
            line = joined
            i += 1
        out.append(line)
        i += 1
    return out
