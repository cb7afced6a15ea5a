"""Statements over many ids in pieces: SQLite bounds the parameters of one statement."""

from __future__ import annotations

CHUNK = 500  # values per `in (...)`


def chunks(values) -> list[list]:
    values = list(values)
    return [values[i : i + CHUNK] for i in range(0, len(values), CHUNK)]


def marks(chunk) -> str:
    """The placeholders of an `in (...)` taking `chunk`."""
    return ",".join("?" * len(chunk))


def select_in(conn, sql: str, values, params=()) -> list[tuple]:
    """Rows of `sql` (after `params`, its one `in ({})` takes `values`, in chunks)."""
    return [row for chunk in chunks(values) for row in conn.execute(sql.format(marks(chunk)), [*params, *chunk])]
