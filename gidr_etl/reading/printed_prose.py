"""Prose as printed: the lines of a paragraph joined, everything else kept as printed.

A PDF breaks lines wherever the page ends them, often inside a phrase (畅通 | 依申请公开),
so the stored prose joins the lines of a paragraph and keeps the rest as printed
(full-width brackets, Traditional characters); search folds it (database/search.py).
"""

from __future__ import annotations

import re

from gidr_etl.reading.tokens import Token
from gidr_etl.text.cjk import NUMBERING

_NUMBERING = re.compile(NUMBERING)
# A printed line ending in one of these ends its paragraph; any other line runs on.
_PARAGRAPH_END = tuple("。！？；：!?;:")


def printed_text(toks: list[Token]) -> str:
    """The tokens' printed text: tokens of one line spaced, lines of a paragraph run together."""
    out: list[str] = []
    last_line = None
    for tok in toks:
        text = tok.text.strip()
        if not text:
            continue
        line = tok.printed_line
        if out:
            if line is not None and line == last_line:
                out.append(" ")
            elif out[-1].endswith(_PARAGRAPH_END) or _NUMBERING.match(text):
                out.append("\n")
        out.append(text)
        last_line = line
    return "".join(out)
