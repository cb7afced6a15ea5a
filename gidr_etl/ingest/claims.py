"""Claims: two ingests of the same files into one database share the work, not double it.

Before reading, an ingest claims the content it will read (by SHA-256) in the `claims`
table, in one short transaction. Content another live ingest has claimed is left to
it: this ingest reads the rest, then waits for the other to load the claimed content
and records those files as the same content, or reads what the other let go.

A claim lives as long as the ingest that made it, not as long as its process id: while
it holds claims an ingest holds a lock the kernel drops when the process ends however
it ends (`kill -9` included), a POSIX lock on the byte at its process id in a file
beside the database (DATABASE-claims). A claim is held while that lock is, and while the
process with that id is the one that claimed (the same start time: ids are reused).
Any other claim is stale: the next ingest removes it, and reads the content itself.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import sqlite3
import time
from collections.abc import Iterable

import sqlite_utils

from gidr_etl.ingest import procinfo

SCHEMA = "create table if not exists claims (sha256 text primary key, pid integer, host text, claimed_at real, started integer)"
# The file beside the database whose byte locks say which ingests are alive.
LOCK_SUFFIX = "-claims"
# How often a waiting ingest looks whether the other one has loaded what it claimed.
POLL_SECONDS = 0.5
# A claim from another machine (whose process and locks cannot be seen) lapses after this long.
STALE_SECONDS = 3600

_HOST = socket.gethostname()
# This process's descriptor of each lock file it opened, kept open while that file is the
# one at its path: closing any descriptor of a file drops every POSIX lock the process holds on it.
_open: dict[str, int] = {}


def claim(db: sqlite_utils.Database, shas: Iterable[str]) -> set[str]:
    """Claim `shas` for this process; returns those another live ingest holds (not claimed).

    Removes every stale claim on the way, whoever made it.
    """
    conn = db.conn
    _schema(db)
    _hold(db)
    me = (os.getpid(), _HOST, procinfo.start_time(os.getpid()))
    conn.execute("begin immediate")
    try:
        live: dict[tuple, bool] = {}
        holder = {}
        for sha, pid, host, claimed_at, started in conn.execute("select * from claims").fetchall():
            owner = (pid, host, started)
            if owner == me:
                continue
            # Asked once per ingest (another host's claims lapse one by one).
            key = owner if host == _HOST else (owner, claimed_at)
            if key not in live:
                live[key] = _alive(db, pid, host, claimed_at, started)
            if live[key]:
                holder[sha] = owner
            else:
                conn.execute("delete from claims where sha256 = ?", [sha])
        held = {sha for sha in set(shas) if sha in holder}
        conn.executemany(
            "insert or replace into claims values (?, ?, ?, ?, ?)",
            [(sha, *me[:2], time.time(), me[2]) for sha in set(shas) - held],
        )
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
    return held


def release(db: sqlite_utils.Database, sha: str | None = None) -> None:
    """Give up this process's claim on `sha` (it failed here: another ingest waiting for it
    need not wait for this whole batch), or every claim it holds (its batch is done)."""
    _schema(db)
    db.conn.execute(
        "delete from claims where pid = ? and host = ? and (? is null or sha256 = ?)", [os.getpid(), _HOST, sha, sha]
    )
    if sha is None:
        fd = _lock_fd(db)
        if fd is not None:
            fcntl.lockf(fd, fcntl.LOCK_UN, 1, os.getpid())


def wait_for(db: sqlite_utils.Database, shas: set[str]) -> dict[str, bool]:
    """Wait until each claimed sha is loaded by its holder or let go; sha → loaded."""
    done: dict[str, bool] = {}
    while len(done) < len(shas):
        for sha in shas - done.keys():
            if db.conn.execute("select 1 from reports where source_sha256 = ?", [sha]).fetchone():
                done[sha] = True
                continue
            row = db.conn.execute(
                "select pid, host, claimed_at, started from claims where sha256 = ?", [sha]
            ).fetchone()
            if row is None or not _alive(db, *row):
                done[sha] = False  # the holder failed it or died: this ingest reads it
        if len(done) < len(shas):
            time.sleep(POLL_SECONDS)
    return done


def _schema(db: sqlite_utils.Database) -> None:
    db.conn.execute(SCHEMA)
    # A database an earlier version made has claims without their start time: added, NULL.
    if "started" not in {row[1] for row in db.conn.execute("pragma table_info(claims)")}:
        try:
            db.conn.execute("alter table claims add column started integer")
        except sqlite3.OperationalError as exc:  # another ingest added it meanwhile
            if "duplicate column" not in str(exc):
                raise


def _alive(db: sqlite_utils.Database, pid: int, host: str, claimed_at: float, started: int | None) -> bool:
    if host != _HOST:  # another machine's ingest on a shared database: trust its claim a while
        return time.time() - claimed_at < STALE_SECONDS
    if started is not None and procinfo.AVAILABLE and procinfo.start_time(pid) != started:
        return False  # gone, or the id now names another process
    if pid == os.getpid():
        return True
    locked = _locked(db, pid)
    if locked is None:  # no lock file to ask (a database in memory): whether the process lives
        return procinfo.start_time(pid) is not None
    return locked


def _hold(db: sqlite_utils.Database) -> None:
    """Hold this process's lock (the byte at its id) for as long as it holds claims."""
    fd = _lock_fd(db)
    if fd is not None:
        # Only a process with this id in another pid namespace (a container sharing the
        # file) could hold it: the start times still tell the two apart.
        with contextlib.suppress(OSError):
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, os.getpid())


def _locked(db: sqlite_utils.Database, pid: int) -> bool | None:
    """Whether a process holds the lock at `pid` (None: no lock file). Tested by taking it a
    moment: a lock this process could take is held by no other."""
    fd = _lock_fd(db)
    if fd is None:
        return None
    try:
        fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB, 1, pid)
    except OSError:  # EAGAIN or EACCES: another process holds it
        return True
    fcntl.lockf(fd, fcntl.LOCK_UN, 1, pid)
    return False


def _lock_fd(db: sqlite_utils.Database) -> int | None:
    """This process's descriptor of the database's lock file; None for a database without a
    file (in memory) or a folder where the file cannot be made."""
    main = next((file for _, name, file in db.conn.execute("pragma database_list") if name == "main"), "")
    if not main:
        return None
    path = main + LOCK_SUFFIX
    fd = _open.get(path)
    if fd is not None and not _same_file(fd, path):  # the folder was removed and made again
        os.close(fd)
        fd = None
    if fd is None:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError:
            return None
        _open[path] = fd
    return fd


def _same_file(fd: int, path: str) -> bool:
    try:
        here, there = os.fstat(fd), os.stat(path)
    except OSError:
        return False
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)
