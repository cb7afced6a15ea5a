"""Which of the report's numbered parts the document has, and what each says: for the
compliance checks (validation/compliance.py), which ask only whether a part is there and
what words it uses.

This reads the document's whole text, not the located prose (reading/locate.py), because
a part the locator passes over is still there: a TXT table dump's reader keeps the lines
after the appeals table inside the table (003's 五、存在的主要问题及改进情况), and a crawler's
dump runs a heading into its text and into the line before it (平潭's
"…0591-23165370。一、总体情况2021年，我区…"). So a part begins at a numbered heading
(一、 … 十、) at a line's start, after a sentence's end or a table's digits, and runs to
the next heading of its rank.
"""

from __future__ import annotations

import re

from gidr_etl.reading.locate import PROSE_PARTS
from gidr_etl.text.cjk import CHINESE_NUMBER, NUMERALS

# A numbered heading at a line's start, or run on after 。；| or a table's last digits (a
# crawler's dump: "…1200000五、存在的主要问题…"; a table row's cells joined by " | ").
_NUMBERED = re.compile(rf"(?<![^\s\d。；;|]){CHINESE_NUMBER}")
# The heading's own words end at its first 情况/事项/措施 ("五、存在的主要问题及改进情况(一)…"),
# else at its line's end; a heading is short, so the search stops after a few characters.
# Neither: the heading runs on into its text, which is then read with the heading's words.
_HEADING_END = re.compile(r"^[^\n。；;|]{0,24}?(?:情况|事项|措施|概述)|^[^\n]{0,40}(?=\n|$)")


def _value(numeral: str) -> int:
    """一 → 1, 十 → 10, 十二 → 12, 二十 → 20."""
    digits = {c: n for n, c in enumerate(NUMERALS[:9], 1)}
    tens, _, ones = numeral.partition("十")
    if not _:
        return digits.get(numeral, 0)
    return 10 * (digits.get(tens, 0) or 1) + digits.get(ones, 0)


def _part_of(heading: str) -> str | None:
    return next((p for p, words in PROSE_PARTS if any(w in heading for w in words)), None)


def part_texts(text: str) -> dict[str, str]:
    """part ("overall", "problems", "other") → what follows its heading up to the next
    heading of the same rank. A part printed more than once (a contents line, then the
    part) keeps its first printing that says anything.

    A numbered line inside a part ("六、其他需要报告的事项" then "一、本年度未收取信息处理费")
    is the part's own list, not the next part: a heading ends a part only when it numbers
    past it, or names a part itself (the real 一、总体情况 after a contents line ending 六、)."""
    bounds = []  # (start of the heading, where its text starts, its part)
    rank = 0
    for mark in _NUMBERED.finditer(text):
        segment = text[mark.start() :]
        head = _HEADING_END.match(segment)
        heading = head.group(0) if head else segment[:40]
        part, value = _part_of(heading), _value(mark.group(0)[:-1])
        if value > rank or part is not None:
            bounds.append((mark.start(), mark.start() + len(heading) if head else mark.end(), part))
            rank = value
    found: dict[str, str] = {}
    for n, (_, start, part) in enumerate(bounds):
        end = bounds[n + 1][0] if n + 1 < len(bounds) else len(text)
        if part is not None and not found.get(part):
            found[part] = text[start:end].strip()
    return found
