"""Statements over many ids in pieces (SQLite bounds the parameters of one statement), and
counts that stop early, so that a batch's bookkeeping costs what the batch does."""

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


def drop_findings(conn, rules, report_ids) -> None:
    """Delete the findings of `rules` on the reports `report_ids`, found by report
    (findings_report): SQLite would otherwise take findings_rule and read every finding
    of those rules in the database, so a batch would cost what the database holds."""
    rules = list(rules)
    for chunk in chunks(sorted(report_ids)):
        conn.execute(
            f"delete from findings where +rule in ({marks(rules)}) and report_id in ({marks(chunk)})", [*rules, *chunk]
        )


def count_up_to(conn, table: str, limit: int) -> int:
    """The rows of `table`, counted no further than `limit`: enough to compare with a
    batch's size without reading a large table's whole index."""
    return conn.execute(f"select count(*) from (select 1 from [{table}] limit ?)", [max(0, limit)]).fetchone()[0]
