"""Loading reports into SQLite with sqlite-utils: the public schema and one writer."""

from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
import time
from contextlib import contextmanager

import sqlite_utils

from gidr_etl.database.chunks import count_up_to
from gidr_etl.database.derived import CHANGES_DDL, current, keep_up, note_change
from gidr_etl.database.views import forget_search_rows
from gidr_etl.plugins import prepare_connection
from gidr_etl.reading.places import COLUMNS as PLACE_COLUMNS
from gidr_etl.report import Report
from gidr_etl.version import EXTRACTOR_VERSION

# The public schema (spec/TEMPLATE.md): reports, cells, findings are the stable
# interface; files and sections are ours. NUMERIC keeps counts integers, amounts real.
SCHEMA = """
create table if not exists files (
    path text primary key, path_bytes blob, sha256 text, size integer, plugin text, status text,
    error text, seconds real, report_id integer, ingested_at text
);
create table if not exists reports (
    id integer primary key, source_path text, source_sha256 text unique, format text,
    agency text, year integer, template text, title text, publish_date text, index_no text,
    encoding text, pages integer, extractor_version text, cells_read integer,
    errors integer, warnings integer, ingested_at text, agency_key text
);
create table if not exists cells (
    report_id integer not null references reports(id), section text not null,
    row text not null, col text not null, value numeric, raw text, status text,
    inferred integer, note text, page integer, line integer, confidence real, bbox text,
    primary key (report_id, section, row, col)
);
create table if not exists findings (
    id integer primary key, report_id integer references reports(id), rule text,
    severity text, section text, row text, col text, message text
);
create table if not exists sections (
    report_id integer not null references reports(id), part text not null,
    heading text, text text, primary key (report_id, part)
);
create index if not exists cells_address on cells(section, row, col);
create index if not exists findings_report on findings(report_id);
create index if not exists findings_rule on findings(rule);
"""


SQLITE_HEADER = b"SQLite format 3\x00"
# The tables that make a SQLite file a gidr database.
GIDR_TABLES = ("reports", "cells", "findings", "files")


def unusable_db(path, existing: bool = False) -> str | None:
    """Why `path` cannot be a gidr database (None: it can), said before anything touches it.

    `existing`: it must exist and already be one (to serve); otherwise a missing file in
    an existing folder will be created, and an existing one must be SQLite holding either
    nothing yet or gidr's tables, never another program's database.
    """
    if os.path.isdir(path):
        return f"{path} is a folder, not a database file"
    if not os.path.exists(path):
        if existing:
            return f"{path} does not exist"
        folder = os.path.dirname(os.path.abspath(path))
        return None if os.path.isdir(folder) else f"folder {folder} does not exist"
    try:
        with open(path, "rb") as f:
            head = f.read(len(SQLITE_HEADER))
    except OSError as exc:
        return f"cannot read {path}: {exc.strerror or exc}"
    if head != SQLITE_HEADER and (head or existing):
        return f"{path} is not a SQLite database"
    if not head:
        return None  # an empty file: SQLite makes it a new database
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return f"{path} is not a readable SQLite database: {exc}"
    if (tables or existing) and not set(GIDR_TABLES) <= tables:
        return f"{path} is a SQLite database but not a gidr-etl one (no {', '.join(t for t in GIDR_TABLES if t not in tables)} table)"
    return None


# How long a writer waits for another's transaction before it gives up ("database is locked").
BUSY_SECONDS = 60.0


def open_db(path) -> sqlite_utils.Database:
    """The database at `path`, created with the public schema if new, safe for two writers."""
    conn = sqlite3.connect(str(path), timeout=BUSY_SECONDS, isolation_level=None)
    _set_wal(conn, BUSY_SECONDS)
    # WAL with synchronous=normal: a crash never corrupts the database or splits a
    # file's transaction; a power cut may lose the last commits, which a re-run reloads.
    # Syncing every commit (full) made the single writer the bottleneck of a batch.
    conn.execute("pragma synchronous=normal")
    conn.execute(f"pragma busy_timeout={int(BUSY_SECONDS * 1000)}")
    conn.execute("pragma foreign_keys=on")
    prepare_connection(conn)
    conn.executescript(SCHEMA)
    conn.execute(CHANGES_DDL)
    db = sqlite_utils.Database(conn)
    _add_new_columns(db)
    return db


def _set_wal(conn: sqlite3.Connection, seconds: float = 60) -> None:
    # Switching a new database to WAL needs it to itself for a moment, and SQLite may
    # answer "locked" at once rather than wait when a second ingest opens it too.
    deadline = time.monotonic() + seconds
    while True:
        try:
            conn.execute("pragma journal_mode=wal")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


# Columns added since a database may have been created: table → column → type.
NEW_COLUMNS: dict[str, dict[str, type]] = {
    "reports": {"agency_key": str, "duplicate_of": int, "is_template": int, **{c: str for c in PLACE_COLUMNS}},
    "files": {"path_bytes": bytes},
    "cells": {"confidence": float, "bbox": str},
}
# A new column's value for the rows already there, where NULL would mean something else.
NEW_COLUMN_DEFAULTS = {("reports", "is_template"): 0}


def _add_new_columns(db: sqlite_utils.Database) -> None:
    for table, columns in NEW_COLUMNS.items():
        for column, type_ in columns.items():
            if column not in db.table(table).columns_dict:
                try:
                    db.table(table).add_column(column, type_, not_null_default=NEW_COLUMN_DEFAULTS.get((table, column)))
                except sqlite3.OperationalError as exc:  # another ingest added it first
                    if "duplicate column" not in str(exc):
                        raise


# Indexes whose upkeep is spread over the whole table, so that each file's commit
# rewrites more pages as the database grows (2 ms a report at first, 6 ms by 2,000): a
# batch larger than the database loads without them and builds them once at the end.
DEFERRED_INDEXES = ("cells_address",)
_BULK_MIN_FILES = 100


@contextmanager
def bulk(db: sqlite_utils.Database, n_files: int):
    """Around the loading of n_files: the deferred indexes dropped if that pays, then rebuilt.

    A run killed in between leaves them missing until the next open_db creates them again."""
    saved = []
    if n_files >= _BULK_MIN_FILES and count_up_to(db.conn, "reports", n_files + 1) <= n_files:
        marks = ", ".join("?" * len(DEFERRED_INDEXES))
        saved = db.execute(
            f"select name, sql from sqlite_master where type = 'index' and name in ({marks})", DEFERRED_INDEXES
        ).fetchall()
        for name, _ in saved:
            db.execute(f"drop index if exists [{name}]")  # another ingest may have dropped it
    try:
        yield
    finally:
        # Another ingest on the same database may have recreated them meanwhile (open_db does).
        for _, sql in saved:
            db.execute(re.sub(r"(?i)^\s*create\s+index\s+", "create index if not exists ", sql))


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def store(db: sqlite_utils.Database, file_row: dict, report: Report | None) -> int | None:
    """Write one file's outcome (and its report) in one transaction; returns the report id.

    The files row says what the path holds now. Reports are keyed by content, so when
    the path held other content before, that content's report goes too, unless another
    path still holds it. `file_row["report_id"]` names an already loaded report (the
    file's content was read before, from this path or another).

    A report replaced (re-read) or dropped here has its derived rows redone in this same
    transaction (derived.keep_up), so that a reader sees it before or after, never without
    its search rows or counted twice. A new report's derived rows wait for the batch's refresh.
    """
    conn = db.conn
    conn.execute("begin immediate")
    try:
        path, sha = file_row["path"], file_row["sha256"]
        previous = next(db.query("select sha256, report_id from files where path = ?", [path]), None)
        removed = False
        if report is not None:
            report_id, removed = _replace_report(db, file_row, report)
        elif file_row.get("report_id") is not None:
            report_id = file_row["report_id"]
        elif previous and sha in (None, previous["sha256"]):
            # Unreadable now, or the same content failing this time: what was read before
            # still stands (a failure loses no data).
            report_id = previous["report_id"]
        else:
            report_id = None
        if previous and previous["report_id"] not in (None, report_id):
            removed |= _release(db, previous["report_id"], path)
        _insert_row(db, "files", {**file_row, "report_id": report_id, "ingested_at": now()}, upsert_on="path")
        if removed:
            _keep_derived_up(conn)
        conn.execute("commit")
        return report_id
    except BaseException:
        conn.execute("rollback")
        raise


def prune(db: sqlite_utils.Database, roots: list[str]) -> tuple[int, int]:
    """Forget the files under `roots` that no longer exist, and the reports no other file
    holds, in one transaction; returns (files, reports) removed."""
    prefixes = [os.fsencode(os.path.abspath(r)).rstrip(b"/") + b"/" for r in roots]
    conn = db.conn
    conn.execute("begin immediate")
    try:
        gone = []
        for path, raw, report_id in conn.execute("select path, path_bytes, report_id from files"):  # streamed
            exact = bytes(raw) if raw is not None else os.fsencode(path)
            absolute = os.fsencode(os.path.abspath(os.fsdecode(exact)))
            if any(absolute.startswith(p) for p in prefixes) and not os.path.lexists(absolute):
                gone.append((path, report_id))
        before = conn.execute("select count(*) from reports").fetchone()[0]
        for path, report_id in gone:
            conn.execute("delete from files where path = ?", [path])
            if report_id is not None:
                _release(db, report_id, path)
        reports = before - conn.execute("select count(*) from reports").fetchone()[0]
        if reports:
            _keep_derived_up(conn)
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
    return len(gone), reports


def rename_file(db: sqlite_utils.Database, old: str, new: str, new_bytes: bytes) -> None:
    """The files row of `old` names the file at `new` (an earlier version stored it relatively,
    ingest/relative_rows.py): renamed, with its report's source path, or dropped when `new`
    has a row of its own. One transaction."""
    conn = db.conn
    conn.execute("begin immediate")
    try:
        row = conn.execute("select report_id from files where path = ?", [old]).fetchone()
        if row is not None and conn.execute("select 1 from files where path = ?", [new]).fetchone():
            conn.execute("delete from files where path = ?", [old])
            if row[0] is not None and _release(db, row[0], old):
                _keep_derived_up(conn)
        elif row is not None:
            conn.execute("update files set path = ?, path_bytes = ? where path = ?", [new, new_bytes, old])
            if row[0] is not None:
                conn.execute("update reports set source_path = ? where id = ? and source_path = ?", [new, row[0], old])
                note_change(conn, row[0])
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise


def _release(db: sqlite_utils.Database, report_id: int, path: str) -> bool:
    """`path` no longer holds this report's content: drop the report unless another file
    does; returns whether it was dropped."""
    holder = next(
        db.query("select path from files where report_id = ? and path != ? order by path", [report_id, path]), None
    )
    if holder is None:
        _delete_report(db, report_id)
        return True
    db.execute("update reports set source_path = ? where id = ? and source_path = ?", [holder["path"], report_id, path])
    return False


def _keep_derived_up(conn) -> None:
    """Within the caller's transaction, which replaced or dropped reports: their derived
    rows redone, when the derived tables are this version's (otherwise the batch's
    refresh derives everything anyway)."""
    if current(conn):
        keep_up(conn)


def _delete_report(db: sqlite_utils.Database, report_id: int) -> None:
    note_change(db.conn, report_id)
    forget_search_rows(db.conn, "= ?", [report_id])
    for child in ("cells", "findings", "sections"):
        db.execute(f"delete from [{child}] where report_id = ?", [report_id])
    db.execute("delete from reports where id = ?", [report_id])


def _replace_report(db: sqlite_utils.Database, file_row: dict, report: Report) -> tuple[int, bool]:
    """Load `report`, in place of the one read before from the same content if any;
    returns its id and whether it replaced one."""
    sha = file_row["sha256"]
    old = list(db.query("select id from reports where source_sha256 = ?", [sha]))
    if old:
        report_id = old[0]["id"]  # re-read: the same id, so other files rows still point at it
        _delete_report(db, report_id)
    else:
        report_id = None
    meta = report.metadata
    errors = sum(1 for f in report.findings if f.severity == "error")
    row = {
        "source_path": file_row["path"],
        "source_sha256": sha,
        "format": report.format,
        "agency": meta.agency,
        "year": meta.year,
        "template": report.template,
        "title": meta.title,
        "publish_date": meta.publish_date,
        "index_no": meta.index_no,
        "encoding": report.encoding,
        "pages": report.pages,
        "extractor_version": EXTRACTOR_VERSION,
        "cells_read": sum(1 for c in report.cells.values() if c.value is not None),
        "errors": errors,
        "warnings": len(report.findings) - errors,
        "ingested_at": now(),
        "is_template": int(file_row.get("status") == "template"),
        "agency_key": report.place.key if report.place else None,
        **(report.place.columns() if report.place else dict.fromkeys(PLACE_COLUMNS)),
    }
    if report_id is not None:
        row["id"] = report_id
    report_id = _insert_row(db, "reports", row)
    note_change(db.conn, report_id)
    _insert(
        db,
        "cells",
        (
            "report_id",
            "section",
            "row",
            "col",
            "value",
            "raw",
            "status",
            "inferred",
            "note",
            "page",
            "line",
            "confidence",
            "bbox",
        ),
        (
            (
                report_id,
                c.section,
                c.row,
                c.col,
                c.value,
                c.raw,
                c.status,
                int(c.inferred),
                c.note,
                c.prov.page if c.prov else None,
                c.prov.line if c.prov else None,
                c.confidence,
                # The cell's box on the page image (points), to check a value read by OCR against it.
                ",".join(map(str, c.prov.bbox)) if c.prov and c.prov.bbox else None,
            )
            for c in report.cells.values()
        ),
    )
    _insert(
        db,
        "findings",
        ("report_id", "rule", "severity", "section", "row", "col", "message"),
        ((report_id, f.rule, f.severity, f.section, f.row, f.col, f.message) for f in report.findings),
    )
    _insert(
        db,
        "sections",
        ("report_id", "part", "heading", "text"),
        ((report_id, p.part, p.heading, p.text) for p in (report.prose_printed or report.prose)),
    )
    return report_id, bool(old)


def _insert_sql(table: str, columns, upsert_on: str | None = None) -> str:
    """Plain SQL for the fixed schema: sqlite-utils' per-call introspection and per-value
    checks were most of the single writer's time on a large batch."""
    sql = f"insert into [{table}] ({', '.join(f'[{c}]' for c in columns)}) values ({', '.join('?' * len(columns))})"
    if upsert_on:  # update only the columns given, as sqlite-utils' upsert does
        sql += f" on conflict([{upsert_on}]) do update set " + ", ".join(f"[{c}] = excluded.[{c}]" for c in columns)
    return sql


def _insert(db: sqlite_utils.Database, table: str, columns: tuple[str, ...], rows) -> None:
    db.conn.executemany(_insert_sql(table, columns), rows)


def _insert_row(db: sqlite_utils.Database, table: str, row: dict, upsert_on: str | None = None) -> int:
    """One row; returns its rowid."""
    rowid = db.conn.execute(_insert_sql(table, row, upsert_on), tuple(row.values())).lastrowid
    assert rowid is not None  # execute() sets it after every statement
    return rowid
