"""CJK text primitives: character classes, numbering, page footers, joining lines, de-spacing.

Each is stated once here. A module that needs a variant builds it from these named
pieces where it uses it, so the difference shows (and a comment there says why).
Character classes are regex class bodies (to go inside [...]) with predicates beside them.
"""

from __future__ import annotations

import re

# ------------------------------------------------------------------ character classes

# Ideographs: Extension A and the unified block (U+3400–9FFF), and the compatibility block.
IDEOGRAPHS = "\u3400-\u9fff\uf900-\ufaff"
# What Chinese print sets with no space between: radicals, CJK punctuation (、。「」 and the
# ideographic space), kana, ideographs, full-width forms, and the curly quotes Chinese type
# sets full-width (“中文”).
CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef“”‘’"

_IDEOGRAPH = re.compile(f"[{IDEOGRAPHS}]")
_CJK = re.compile(f"[{CJK}]")


def is_cjk(ch: str) -> bool:
    """Whether `ch` is one of the characters written with no space between them."""
    return _CJK.match(ch) is not None


def ideographs(text: str) -> list[str]:
    """The ideographs in `text`, in order."""
    return _IDEOGRAPH.findall(text)


def has_ideograph(text: str) -> bool:
    return _IDEOGRAPH.search(text) is not None


# ------------------------------------------------------------------ numbering
# How reports number their parts, items and sub-items: 一、 （一） 1. 1、 1．

NUMERALS = "一二三四五六七八九十"  # as numbering prints them (十一 for 11)
LIST_MARK = "[、.．]"  # after a number: 一、 1. 1．
OPEN, CLOSE = "[(（]", "[)）]"
CHINESE_NUMBER = f"[{NUMERALS}]+{LIST_MARK}"  # 一、 二. : a report's parts
BRACKETED_NUMBER = f"{OPEN}[{NUMERALS}]+{CLOSE}"  # （一）
# 1. 1、 but not the decimal 1.5; it starts only at a run's first digit, or a long run of
# digits is searched again from every position (quadratic: 10,000 digits took 25 s).
ARABIC_NUMBER = rf"(?<!\d)\d+{LIST_MARK}(?!\d)"
NUMBERING = f"{CHINESE_NUMBER}|{BRACKETED_NUMBER}|{ARABIC_NUMBER}"


# ------------------------------------------------------------------ page footers

_DASHES = "-—–－~─"


def page_footer(number: str = r"\d+") -> str:
    """A page footer, as a regex without anchors: "— 5 —", "-3-", "第 3 页", "第3页 共5页".

    `number` is the page number's pattern (a caller may bound its length).
    """
    return (
        rf"[{_DASHES}]+\s*{number}\s*[{_DASHES}]+"
        rf"|第\s*{number}\s*页(?:\s*[,，/]?\s*共\s*{number}\s*页)?"
    )


# ------------------------------------------------------------------ joining and de-spacing

_SPACE_BETWEEN = re.compile(rf"(?<=[{CJK}])\s+(?=[{CJK}])")


def despace(text: str) -> str:
    """Drop the white space printed between CJK characters ("索 引 号", justified lines)."""
    return _SPACE_BETWEEN.sub("", text)


def join_lines(lines: list[str]) -> str:
    """Lines of one cell or paragraph as one string: "" between CJK characters, else a space."""
    out = ""
    for line in lines:
        if not line:
            continue
        if out and not (is_cjk(out[-1]) and is_cjk(line[0])):
            out += " "
        out += line
    return out
