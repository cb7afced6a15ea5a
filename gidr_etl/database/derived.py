"""Keeping what is derived from the loaded reports up to date after a batch, at the cost
of what the batch changed: agency keys and year chains (validation/year_chains.py),
copies (copies.py), the materialised pivots and the search index (views.py).

Loading (load.py) notes every report it adds, replaces or drops in `changed_reports`,
in the transaction that changes it, with the agency, key and year it had; `refresh`
brings the derived tables up to date for those reports and drops the notes it read in
one write transaction, which is also the one its reads are made in: a second ingest
cannot slip between them. So a batch killed at any point leaves notes the next ingest
acts on, and an ingest that loaded nothing touches nothing derived. A report replaced
or dropped is kept up (`keep_up`) in the very transaction that replaces or drops it, so
a reader never sees it without its search rows or counted twice.

The whole database is derived again (views.prepare and the full recomputes) only when
what is derived was made by another version (its digest in `derived_state` differs),
or the batch changed most of the database anyway.
"""

from __future__ import annotations

import functools
import hashlib
import math

from gidr_etl.database import copies, page_indexes, pause, scorecard, views
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


@functools.cache
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
        copies.DDL,
        copies.MIN_AGREEMENT,
        copies.FORMAT_PREFERENCE,
        year_gaps.RULE,  # evaluators (issue 25)
        scorecard.rule_checks(),  # evaluators: a plugin's scored rule rebuilds the scorecard's table
    )
    return hashlib.sha256(repr(made_of).encode()).hexdigest()


def current(conn) -> bool:
    """Whether the derived tables were made by this version (so they can be kept up per report)."""
    conn.execute(STATE_DDL)
    made = conn.execute("select value from derived_state where name = 'digest'").fetchone()
    return bool(made) and made[0] == digest()


def refresh(db) -> str:
    """Bring every derived table up to date with what was loaded; returns what it did:
    "nothing", "changed" (just the noted reports) or "all".

    One write transaction reads the change notes, derives from them and the reports, and
    drops exactly the notes it read: another ingest can neither load a report between
    this reading and writing (its refresh would be undone) nor have its notes dropped
    unread, and a reader sees every derived table before or after, never in between."""
    conn = db.conn
    conn.execute(CHANGES_DDL)
    # Without the lock first: a no-op ingest waits for no other. Notes added after this
    # look are their own ingest's to act on (or, if it is killed, the next one's).
    if current(conn) and not conn.execute("select 1 from changed_reports limit 1").fetchone():
        return "nothing"
    conn.execute("begin immediate")
    try:
        did = _refresh(conn)
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
    if did != "nothing":
        conn.execute("pragma wal_checkpoint(truncate)")  # the file stays whole to copy or ship
    return did


def _refresh(conn) -> str:
    if current(conn):
        pending = conn.execute("select count(*) from changed_reports").fetchone()[0]
        if not pending:
            return "nothing"
        enough = math.ceil(pending / FULL_SHARE)
        if count_up_to(conn, "reports", enough) >= enough:
            keep_up(conn)
            return "changed"
    last = _notes(conn)[-1:]
    year_chains.recompute(conn)
    year_gaps.recompute(conn)  # evaluators (issue 25): after the agency keys are set
    copies.recompute(conn)
    views.make(conn)
    _consume(conn, last[0][0] if last else None)
    conn.execute("insert or replace into derived_state (name, value) values ('digest', ?)", [digest()])
    return "all"


def _notes(conn) -> list[tuple]:
    """The change notes (rowid, report_id, agency, agency_key, year), read within the
    caller's write transaction: they are this transaction's to act on and drop."""
    notes = conn.execute(
        "select rowid, report_id, agency, agency_key, year from changed_reports order by rowid"
    ).fetchall()
    pause.at("notes")
    return notes


def _consume(conn, last: int | None) -> None:
    """Drop the notes read (up to rowid `last`) in the same write transaction that read
    them: no other can have added, dropped or renumbered any in between."""
    if last is not None:
        conn.execute("delete from changed_reports where rowid <= ?", [last])


def keep_up(conn) -> None:
    """Bring the derived tables up to date for the noted reports and drop their notes,
    within the caller's write transaction: load.py calls it in the transaction that
    replaces or drops a report, so that no reader ever sees the report without its rows."""
    notes = _notes(conn)
    if not notes:
        return
    changes = [n[1:] for n in notes]
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
    # any a noted report has (a full refresh indexed it after it was noted) go before it is indexed.
    conn.execute(f"delete from {_IDS} where id not in (select report_id from changed_reports)")
    views.forget_search_rows(conn, _ONLY)
    views.index_search_rows(conn, _ONLY)
    _consume(conn, notes[-1][0])
