"""Page geometry shared by the readers of laid-out pages (the PDF text layer, OCR of a scan):
grid lines from ruling positions, a line's text, page footers, the title on page 1."""

from __future__ import annotations

import re

from gidr_etl.text.cjk import despace, join_lines, page_footer

# Points within which two ruling positions are the same grid line (also across pages).
GRID_TOL = 4.0
# Outside the tables a line "3/10" can only be a page count; inside a table it could be a value.
FOOTER = re.compile(page_footer() + r"|\d+\s*/\s*\d+")
# A bare page number counts as a footer only in the top or bottom margin.
_BARE_NUMBER = re.compile(r"\d{1,4}")
_MARGIN_SHARE = 0.1


def grid_lines(values: list[float]) -> list[float]:
    """Distinct grid lines: positions within GRID_TOL of each other are one line."""
    lines: list[list[float]] = []
    for v in sorted(values):
        if lines and v - lines[-1][-1] <= GRID_TOL:
            lines[-1].append(v)
        else:
            lines.append([v])
    return [sum(group) / len(group) for group in lines]


def grid_index(grid: list[float], value: float) -> int:
    return min(range(len(grid)), key=lambda i: abs(grid[i] - value))


def join_pieces(a: str, b: str) -> str:
    """Two wrapped pieces of one text: no space between CJK characters."""
    return join_lines([a, b])


def squeeze(text: str) -> str:
    """One line's text, without the spaces justified CJK printing puts between characters."""
    return despace(" ".join(text.split()))


def is_footer(text: str, top: float, bottom: float, height: float) -> bool:
    if FOOTER.fullmatch(text):
        return True
    in_margin = bottom < height * _MARGIN_SHARE or top > height * (1 - _MARGIN_SHARE)
    return in_margin and bool(_BARE_NUMBER.fullmatch(text))


def page_title(lines: list[dict]) -> str | None:
    """The first run of largest-type lines on page 1, when it names the 年度报告."""
    head = lines[:6]
    if not head:
        return None
    size = max(line["size"] for line in head)
    title = ""
    for line in head:
        if line["size"] >= size - 0.5:
            title = join_pieces(title, line["text"])
        elif title:
            break
    return title if "年度报告" in title else None
