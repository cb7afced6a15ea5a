"""Prose as printed, and the normalised copy of it that search indexes and queries use.

A PDF breaks lines wherever the page ends them, often inside a phrase (畅通 | 依申请公开),
so the stored prose joins the lines of a paragraph and keeps everything else as printed
(full-width brackets, Traditional characters). Search folds both the indexed copy and
the query the same way (`search_text`), registered in SQLite as `gidr_search_text`.
"""
from __future__ import annotations

import re
import sqlite3

from .normalize import _NUMBERING as NUMBERING, normalize_text
from .stream import Token

# A printed line ending in one of these ends its paragraph; any other line runs on.
_PARAGRAPH_END = tuple("。！？；：!?;:")
# White space next to a CJK character or full-width form is layout, not a word break.
_LAYOUT_SPACE = re.compile(r"\s+(?=[^\x00-\x7f])|(?<=[^\x00-\x7f])\s+")
SQL_FUNCTION = "gidr_search_text"


def _line_of(tok: Token):
    return (tok.prov.page, tok.prov.line) if tok.prov and tok.prov.line is not None else None


def join_lines(toks: list[Token]) -> str:
    """The tokens' printed text: tokens of one line spaced, lines of a paragraph run together."""
    out: list[str] = []
    last_line = None
    for tok in toks:
        text = tok.text.strip()
        if not text:
            continue
        line = _line_of(tok)
        if out:
            if line is not None and line == last_line:
                out.append(" ")
            elif out[-1].endswith(_PARAGRAPH_END) or NUMBERING.match(text):
                out.append("\n")
        out.append(text)
        last_line = line
    return "".join(out)


def search_text(text: str | None) -> str:
    """What search compares: Simplified, half-width, no layout spaces or line breaks."""
    if not text:
        return ""
    return _LAYOUT_SPACE.sub("", normalize_text.__wrapped__(text)).strip()


def register(conn: sqlite3.Connection) -> None:
    """Make `gidr_search_text(q)` callable from SQL on this connection."""
    conn.create_function(SQL_FUNCTION, 1, search_text, deterministic=True)
