"""Text normalisation: Traditional → Simplified, widths, injected pinyin, label keys."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from gidr_etl.text.cjk import CLOSE, IDEOGRAPHS, NUMBERING, OPEN

# Some sites inject pinyin after characters: 網(wǎng)站. Only groups with a tone mark
# are taken for pinyin, so an ordinary "(app)" survives.
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_SYLLABLE = f"[a-zü{_TONED}]*[{_TONED}][a-zü{_TONED}]*"
_PINYIN = re.compile(f"(?<=[{IDEOGRAPHS}]){OPEN}{_SYLLABLE}{CLOSE}")

# Numbering in front of (or inside) a label: 一、 （一） 1. 1、 1．
_NUMBERING = re.compile(NUMBERING)
# What a label key keeps: CJK ideographs, letters and digits.
_NOT_KEY = re.compile(rf"[^\w{IDEOGRAPHS}]|_")


@lru_cache(maxsize=1)
def _radicals() -> dict[int, str]:
    from importlib import resources

    table = {}
    for line in resources.files("gidr_etl").joinpath("data/radicals.txt").read_text("utf-8").splitlines():
        if line and not line.startswith("#"):
            code, ideograph = line.split("\t")[:2]
            table[int(code, 16)] = ideograph
    return table


def fold_radicals(text: str) -> str:
    """CJK radicals as the ideographs they draw: PDF fonts map 民 to ⺠ (U+2EA0) or 人 to ⼈ (U+2F08).

    NFKC folds the Kangxi Radicals (U+2F00–U+2FDF); the Supplement (U+2E80–U+2EFF) needs the
    table in data/radicals.txt."""
    return unicodedata.normalize("NFKC", text.translate(_radicals()))


@lru_cache(maxsize=2)
def _opencc(config: str):
    import opencc

    return opencc.OpenCC(config)


def strip_pinyin(text: str) -> str:
    return _PINYIN.sub("", text)


def to_simplified(text: str) -> str:
    return _opencc("t2s").convert(text)


def to_traditional(text: str) -> str:
    return _opencc("s2t").convert(text)


# Labels, numbers and placeholders repeat across every report: each is normalised once
# per process. Bounded, so a worker's memory stays flat over thousands of files.
_CACHE = 1 << 13


@lru_cache(maxsize=_CACHE)
def normalize_text(text: str) -> str:
    """Half-width forms, Simplified characters, no injected pinyin, one space at most."""
    text = fold_radicals(strip_pinyin(text))
    text = to_simplified(text).replace("\u00a0", " ").replace("\u3000", " ")
    return re.sub(r"[ \t]+", " ", text)


@lru_cache(maxsize=_CACHE)
def compact(text: str) -> str:
    """normalize_text without any white space: for captions and metadata keys."""
    return re.sub(r"\s+", "", normalize_text(text))


@lru_cache(maxsize=_CACHE)
def label_key(text: str) -> str:
    """A printed label reduced to what identifies it: no numbering, spaces or punctuation."""
    text = _NUMBERING.sub("", compact(text))
    return _NOT_KEY.sub("", text)
