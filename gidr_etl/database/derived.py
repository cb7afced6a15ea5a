"""Keeping what is derived from the loaded reports up to date after a batch, at the cost
of what the batch changed: agency keys and year chains (validation/year_chains.py),
copies (copies.py), the materialised pivots and the search index (views.py).

Loading (load.py) notes every report it adds, replaces or drops in `changed_reports`,
in the transaction that changes it, with the agency, key and year it had; `refresh`
brings the derived tables up to date for those reports and clears the notes in one
transaction. So a batch killed at any point leaves notes the next ingest acts on, and
an ingest that loaded nothing touches nothing derived.

The whole database is derived again (views.prepare and the full recomputes) only when
what is derived was made by another version (its digest in `derived_state` differs),
or the batch changed most of the database anyway.
"""

from __future__ import annotations

import hashlib
import math

from gidr_etl.database import copies, page_indexes, scorecard, views
from gidr_etl.database.chunks import count_up_to
from gidr_etl.validation import year_chains, year_gaps
from gidr_etl.version import EXTRACTOR_VERSION

# The reports a batch changed, as they were before it (dropped, replaced) or as loaded.
CHANGES_DDL = """create table if not exists changed_reports (
    report_id integer not null, agency text, agency_key text, year integer)"""
STATE_DDL = "create table if not exists derived_state (name text primary key, value text)"
_IDS = "temp.derived_report_ids"
_ONLY = f"in (select id from {_IDS})"
# A batch changing more than this share of the reports: deriving everything is cheaper.
FULL_SHARE = 0.5


def note_change(conn, report_id: int) -> None:
    """Note report `report_id` as it is now: it is about to go, or has just been loaded."""
    conn.execute(
        "insert into changed_reports (report_id, agency, agency_key, year)"
        " select id, agency, agency_key, year from reports where id = ?",
        [report_id],
    )


def digest() -> str:
    """What the derived tables' making depends on, besides the data: a new one derives all again."""
    made_of = (
        views.view_sql(),
        views.FTS_DDL,
        views.labels(),
        views.MATERIALISED,
        page_indexes.INDEXES,
        EXTRACTOR_VERSION,
        year_chains.DDL,
        year_chains.RULES,
        copies.RULE,
        copies.MIN_AGREEMENT,
        year_gaps.RULE,  # evaluators (issue 25)
        scorecard.rule_checks(),  # evaluators: a plugin's scored rule rebuilds the scorecard's table
    )
    return hashlib.sha256(repr(made_of).encode()).hexdigest()


def refresh(db) -> str:
    """Bring every derived table up to date with what was loaded; returns what it did:
    "nothing", "changed" (just the noted reports) or "all"."""
    conn = db.conn
    conn.execute(CHANGES_DDL)
    conn.execute(STATE_DDL)
    made = conn.execute("select value from derived_state where name = 'digest'").fetchone()
    last, pending = conn.execute("select max(rowid), count(*) from changed_reports").fetchone()
    if made and made[0] == digest():
        if not pending:
            return "nothing"
        enough = math.ceil(pending / FULL_SHARE)
        if count_up_to(conn, "reports", enough) >= enough:
            _changed(conn)
            return "changed"
    # Everything: notes added meanwhile (another ingest) stay for the next refresh.
    year_chains.recompute(db)
    year_gaps.recompute(conn)  # evaluators (issue 25): after the agency keys are set
    copies.recompute(db)
    views.prepare(db)
    conn.execute("begin immediate")
    try:
        conn.execute("delete from changed_reports where rowid <= ?", [last or 0])
        conn.execute("insert or replace into derived_state (name, value) values ('digest', ?)", [digest()])
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
    conn.execute("pragma wal_checkpoint(truncate)")  # the file stays whole to copy or ship
    return "all"


def _changed(conn) -> None:
    conn.execute("begin immediate")
    try:
        changes = conn.execute("select report_id, agency, agency_key, year from changed_reports").fetchall()
        groups, rechained = year_chains.update(conn, changes)
        rechained |= year_gaps.update(conn, {k for k, _ in groups})  # evaluators (issue 25)
        recounted = copies.update(conn, groups)
        conn.execute(f"create temp table if not exists {_IDS.split('.')[1]} (id integer primary key)")
        conn.execute(f"delete from {_IDS}")
        conn.executemany(
            f"insert or ignore into {_IDS} (id) values (?)",
            [(i,) for i in {c[0] for c in changes} | rechained | recounted],
        )
        views.refresh_pivots(conn, _ONLY)
        # The search rows of replaced and dropped reports went with their sections (load.py);
        # any of a noted report's (a concurrent full refresh indexed it) go before it is indexed.
        conn.execute(f"delete from {_IDS} where id not in (select report_id from changed_reports)")
        views.forget_search_rows(conn, _ONLY)
        views.index_search_rows(conn, _ONLY)
        conn.execute("delete from changed_reports")
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
    conn.execute("pragma wal_checkpoint(truncate)")
