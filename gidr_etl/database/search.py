"""Search that finds what is printed: the indexed prose and the query folded the same way.

Both go through `search_text` (Traditional→Simplified, half-width forms, no layout spaces
or line breaks), which SQLite and Datasette know as `gidr_search_text`.
"""

from __future__ import annotations

import re
import sqlite3

from gidr_etl.text.normalize import normalize_text

# White space next to a CJK character or full-width form is layout, not a word break.
_LAYOUT_SPACE = re.compile(r"\s+(?=[^\x00-\x7f])|(?<=[^\x00-\x7f])\s+")
SQL_FUNCTION = "gidr_search_text"


def search_text(text: str | None) -> str:
    """What search compares: Simplified, half-width, no layout spaces or line breaks."""
    if not text:
        return ""
    return _LAYOUT_SPACE.sub("", normalize_text.__wrapped__(text)).strip()


def register(conn: sqlite3.Connection) -> None:
    """Make `gidr_search_text(q)` callable from SQL on this connection."""
    conn.create_function(SQL_FUNCTION, 1, search_text, deterministic=True)
