"""Decoding the bytes of short Chinese text: BOM, strict UTF-8, then a plausibility vote.

chardet alone is unreliable on a few kilobytes of Chinese, and GBK bytes often decode
"successfully" as Big5 (and the reverse) into nonsense. So every Chinese candidate
that decodes strictly is scored by how much of it is common Chinese text.
"""

from __future__ import annotations

import codecs
from functools import lru_cache

import chardet

from gidr_etl.text.cjk import ideographs
from gidr_etl.text.normalize import to_traditional

BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Encodings of Chinese text on the web, each named by its widest superset.
CHINESE = ("gb18030", "big5hkscs")
ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "cp936": "gb18030", "big5": "big5hkscs", "cp950": "big5hkscs"}


# Random bytes decode to rare characters (about a quarter common); real reports are
# almost all common characters.
MIN_PLAUSIBILITY = 0.6


class UndecodableError(ValueError):
    """Bytes that no candidate encoding reads as text."""


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    """The 3,755 common characters of GB 2312 (its level 1, 一级汉字) and their Traditional forms.

    A national standard's list, not one drawn from our own samples: real reports score
    about 0.99 on it, random bytes about 0.25, GBK read as Big5 about 0.35.
    """
    level1 = bytes(b for row in range(0xB0, 0xD8) for col in range(0xA1, 0xFF) for b in (row, col))
    simplified = level1.decode("gb2312", errors="ignore")
    return frozenset(simplified) | frozenset(to_traditional(simplified))


def plausibility(text: str) -> float:
    """Share of the CJK characters in `text` that are common ones (0 when there are none)."""
    cjk = ideographs(text)
    if not cjk:
        return 0.0
    common = _common()
    return sum(ch in common for ch in cjk) / len(cjk)


def canonical(name: str | None) -> str | None:
    """An encoding name as Python knows it, widened to its Chinese superset."""
    if not name:
        return None
    name = name.strip().lower().replace("_", "-")
    return ALIASES.get(name, ALIASES.get(name.replace("-", ""), name))


def _utf16_without_bom(data: bytes) -> str | None:
    # ASCII-heavy UTF-16 has NULs on one side; CJK-heavy UTF-16 has few NULs but
    # then the strict decode plus plausibility below decides.
    sample = data[:4000]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd > len(sample) // 8 and even == 0:
        return "utf-16-le"
    if even > len(sample) // 8 and odd == 0:
        return "utf-16-be"
    return None


def _strict(data: bytes, name: str) -> str:
    # Strict, but a file cut off inside its last character still reads.
    return codecs.getincrementaldecoder(name)("strict").decode(data, final=False)


def decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """(text, encoding) for bytes of Chinese text; `declared` is tried first (HTML meta)."""
    for bom, name in BOMS:
        if data.startswith(bom):
            return _strict(data, name), name
    if declared and (known := canonical(declared)):
        try:
            return _strict(data, known), known
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return _strict(data, "utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    utf16 = _utf16_without_bom(data)
    if utf16:
        try:
            return _strict(data, utf16), utf16
        except UnicodeDecodeError:
            pass
    guess = canonical(chardet.detect(data[:20000]).get("encoding"))
    candidates = [c for c in dict.fromkeys([*CHINESE, guess, "utf-16-le", "utf-16-be"]) if c]
    best: tuple[float, str, str] | None = None
    for name in candidates:
        try:
            text = _strict(data, name)
        except (UnicodeDecodeError, LookupError):
            continue
        score = plausibility(text) + (0.01 if name == guess else 0.0)
        if "\x00" in text:
            score -= 1.0
        if best is None or score > best[0]:
            best = (score, text, name)
    if best is None or best[0] < MIN_PLAUSIBILITY:
        raise UndecodableError("not text in any Chinese encoding (binary data?)")
    return best[1], best[2]
