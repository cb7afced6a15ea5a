"""A search hit's snippet as the report printed it: full-width punctuation, Traditional characters and all.

The index and the query are folded alike (database/search.py: Simplified, half-width, no
layout breaks), so the words are found in the folded text; the snippet is cut from the
printed text around the same characters. Folding a character at a time keeps the map from
each folded character back to the printed one it came from.
"""

from __future__ import annotations

import re
import sqlite3
from functools import lru_cache

from gidr_etl.database.search import search_text

SQL_FUNCTION = "gidr_snippet"
# Printed characters shown on each side of the words.
CONTEXT = 24
# White space next to a CJK character or full-width form: layout, which folding drops.
_LAYOUT_SPACE = re.compile(r"\s+(?=[^\x00-\x7f])|(?<=[^\x00-\x7f])\s+")


@lru_cache(maxsize=1 << 16)
def _fold_char(ch: str) -> str:
    # search_text strips a lone space; a space inside Latin text stays one space
    return " " if ch.isspace() else search_text(ch)


def _folded(printed: str, enough: int | None = None) -> tuple[str, list[int]]:
    """The printed text folded a character at a time (up to `enough` folded characters), and
    each folded character's printed index."""
    layout = {i for m in _LAYOUT_SPACE.finditer(printed) for i in range(m.start(), m.end())}
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(printed):
        if enough is not None and len(origin) >= enough:
            break
        if i in layout:
            continue
        folded = _fold_char(ch)
        chars.append(folded)
        origin += [i] * len(folded)
    return "".join(chars), origin


def _line(text: str) -> str:
    """A piece of printed text as one line: layout breaks dropped, other white space one space."""
    return " ".join(_LAYOUT_SPACE.sub("", text).split())


def snippet(printed: str | None, query: str | None, folded: str | None = None) -> str | None:
    """The printed text around the first place the folded query is found, the words in 【】.

    `folded` is the printed text as the index holds it (search_text(printed)), when the
    caller has it. Where a character folds only in context (so that no printed span
    matches), the snippet is cut from the folded text instead.
    """
    words = search_text(query)
    if not printed or not words:
        return None
    whole = folded if folded is not None else search_text(printed)
    at = whole.find(words)
    if at < 0:
        return None
    # fold only as far as the words (a search page cuts up to 500 snippets from long prose)
    text, origin = _folded(printed, at + len(words) + CONTEXT)
    at = text.find(words)
    if at < 0:
        text, origin = _folded(printed)
        at = text.find(words)
    if at < 0:
        printed, origin, at = whole, list(range(len(whole))), whole.find(words)
    start, end = origin[at], origin[at + len(words) - 1] + 1
    before, after = printed[max(0, start - CONTEXT) : start], printed[end : end + CONTEXT]
    return f"…{_line(before)}【{_line(printed[start:end])}】{_line(after)}…"


def register(conn: sqlite3.Connection) -> None:
    """Make gidr_snippet(printed_text, q[, folded_text]) callable from SQL on this connection (the search page)."""
    conn.create_function(SQL_FUNCTION, 2, snippet, deterministic=True)
    conn.create_function(SQL_FUNCTION, 3, snippet, deterministic=True)
