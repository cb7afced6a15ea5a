"""Crawler dumps print a whole report on one line, cells run together with no separators.

Such a line is cut back into tokens: prose at its part headings (一、…六、), the table
span at its labels and digit runs ("行政规范性文件693665" → label, "693665"). A digit
run may hold several cells; the solver (digits.py) splits it later by arithmetic.
"""

from __future__ import annotations

import re

from gidr_etl.reading.tokens import Token, _token
from gidr_etl.text.cjk import IDEOGRAPHS, LIST_MARK, NUMERALS, page_footer

# Only very long lines that hold the tables are cut.
_MIN_LENGTH = 300
_TABLE_START = "第二十条第"
# A report's parts: 一、…七、 at most.
_PART = re.compile(f"(?=[{NUMERALS[:7]}]、)")
# After a digit, a mark and a character make it numbering ("2.其他"), not part of a number.
_NUMBERING_TAIL = rf"{LIST_MARK}[{IDEOGRAPHS}]"
# A numbering digit glued to the value before it: "00000002.其他…" → "0000000", "2.其他…".
_GLUED_NUMBERING = re.compile(rf"(?<=\d)(?=\d{_NUMBERING_TAIL})")
# A printed number or run of digits (spaces inside a run are kept: they fix a boundary);
# a digit followed by "." and a character is numbering, not a number.
# A sign right before digits starts a signed cell (本年增/减 "+15", "-1"), a unit right after
# them ends one ("政府集中采购1个246900元": 1 project, 246,900 元): both are cell boundaries.
_NUMBER = re.compile(r"([+-]?\d+(?: +\d+)*(?:\.\d+)?(?:万元|元|个|项|件)?)" + f"(?!{_NUMBERING_TAIL})")
_TABLE_END = re.compile(r"[五六]、")
# What the page's text ran into the dump besides the tables: a web address (a link, a footer)
# or a page footer standing apart ("- 12 -", "第 3 页"). Their digits are no cells: dropped, as
# tokens.FURNITURE drops such lines.
_FOOTER = page_footer(r"\d{1,3}")
_FURNITURE = re.compile(rf"(?:https?://|www\.)[!-~]+|(?<!\S)(?:{_FOOTER})(?!\S)")


def explode(toks: list[Token]) -> list[Token]:
    """`toks` with every run-on line holding the tables cut into label and number tokens."""
    out: list[Token] = []
    for tok in toks:
        start = tok.norm.find(_TABLE_START)
        if tok.in_table or len(tok.norm) < _MIN_LENGTH or start < 0:
            out.append(tok)
            continue
        text = tok.norm
        # The table span runs from the first caption to the prose part after the appeals.
        appeals = text.find("复议", start)
        end_match = _TABLE_END.search(text, appeals if appeals >= 0 else start)
        end = end_match.start() if end_match else len(text)
        out += [_token(p, tok.prov, None, False) for p in _parts(text[:start])]
        for part in _parts(_GLUED_NUMBERING.sub("\x00", text[start:end])):
            pieces = _NUMBER.split(_FURNITURE.sub(" ", part))
            for k, piece in enumerate(pieces):
                for bit in piece.split("\x00"):
                    if bit.strip():
                        out.append(_token(bit, tok.prov, None, True, glued=True))
                        # pieces alternate text and numbers (the split's group): a number ends
                        # standing apart when a space precedes its last piece and follows it.
                        out[-1].apart = bool(
                            k % 2
                            and k + 1 < len(pieces)
                            and pieces[k + 1][:1].isspace()
                            and (" " in bit.strip() or pieces[k - 1][-1:].isspace())
                        )
        out += [_token(p, tok.prov, None, False) for p in _parts(text[end:])]
    return out


def _parts(text: str) -> list[str]:
    return [p for p in _PART.split(text) if p.strip()]
