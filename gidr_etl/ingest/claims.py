"""Claims: two ingests of the same files into one database share the work, not double it.

Before reading, an ingest claims the content it will read (by SHA-256) in the `claims`
table, in one short transaction. Content another live ingest has claimed is left to
it: this ingest reads the rest, then waits for the other to load the claimed content
and records those files as the same content, or reads what the other let go. A claim
by a process that is gone (killed, crashed) is stale and taken over.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterable

import sqlite_utils

SCHEMA = "create table if not exists claims (sha256 text primary key, pid integer, host text, claimed_at real)"
# How often a waiting ingest looks whether the other one has loaded what it claimed.
POLL_SECONDS = 0.5
# A claim from another machine (whose process cannot be asked) lapses after this long.
STALE_SECONDS = 3600

_HOST = socket.gethostname()


def claim(db: sqlite_utils.Database, shas: Iterable[str]) -> set[str]:
    """Claim `shas` for this process; returns those another live ingest holds (not claimed)."""
    conn = db.conn
    conn.execute(SCHEMA)
    conn.execute("begin immediate")
    try:
        held = {}
        for sha in set(shas):
            row = conn.execute("select pid, host, claimed_at from claims where sha256 = ?", [sha]).fetchone()
            if row and row[0] != os.getpid() and _alive(*row):
                held[sha] = row
                continue
            conn.execute("insert or replace into claims values (?, ?, ?, ?)", [sha, os.getpid(), _HOST, time.time()])
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
    return set(held)


def release(db: sqlite_utils.Database, sha: str | None = None) -> None:
    """Give up this process's claim on `sha` (it failed here: another ingest waiting for it
    need not wait for this whole batch), or every claim it holds (its batch is done)."""
    db.conn.execute(SCHEMA)
    db.conn.execute(
        "delete from claims where pid = ? and host = ? and (? is null or sha256 = ?)", [os.getpid(), _HOST, sha, sha]
    )


def wait_for(db: sqlite_utils.Database, shas: set[str]) -> dict[str, bool]:
    """Wait until each claimed sha is loaded by its holder or let go; sha → loaded."""
    done: dict[str, bool] = {}
    while len(done) < len(shas):
        for sha in shas - done.keys():
            if db.conn.execute("select 1 from reports where source_sha256 = ?", [sha]).fetchone():
                done[sha] = True
                continue
            row = db.conn.execute("select pid, host, claimed_at from claims where sha256 = ?", [sha]).fetchone()
            if row is None or not _alive(*row):
                done[sha] = False  # the holder failed it or died: this ingest reads it
        if len(done) < len(shas):
            time.sleep(POLL_SECONDS)
    return done


def _alive(pid: int, host: str, claimed_at: float) -> bool:
    if host != _HOST:  # another machine's ingest on a shared database: trust its claim a while
        return time.time() - claimed_at < STALE_SECONDS
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
