"""Which state of the served databases a server process sees, and row counts kept per state.

SQLite's `pragma data_version` answers, on one connection, whether any other connection has
committed since it last asked (about 20 µs, no lock taken). `Versions` turns that into a
number that goes up with each change seen and the times changes were seen, so a page
rendered at time r is known to be current for as long as no change was seen since r.
ETags are the content's hash (cache.py): nothing sent to a browser depends on one process's
count of versions.

`TableCounts` replaces Datasette 0.65's per-request `select count(*)` of every table (25 of
them, two million cells, on the index and database pages) and of the whole table or view on
its page with one count per table per version, taken in one read transaction so the counts
agree with each other.
"""

from __future__ import annotations

import asyncio
import bisect
import sqlite3
import threading
import time
from collections import deque
from pathlib import Path

# While an ingest keeps committing, a page (cache.py) is rendered again at most this often:
# each commit would otherwise set every page to be redone.
MIN_REDO_S = 2.0


# How often a process looks for a commit when no request asks: so that the time a version
# was superseded is known within this, even after an hour without requests.
POLL_S = 0.1


class Versions:
    """A number that goes up whenever another connection commits to any of `paths`, and when.

    Times are time.monotonic(), one clock for every process of the machine (Linux's
    CLOCK_MONOTONIC), so a page rendered in one process at time r is known current in
    another as long as that one has seen no commit since r. The time a commit is seen is
    never before it was made, so a page rendered before a commit is never taken for newer.
    """

    def __init__(self, paths: list[str | Path], poll_s: float | None = POLL_S):
        self._conns = [
            sqlite3.connect(f"file:{Path(p).resolve()}?mode=ro", uri=True, check_same_thread=False) for p in paths
        ]
        self._lock = threading.Lock()
        self._seen: tuple = ()
        self.number = 0
        # When changes were seen, oldest first. Watching starts as a change: what another
        # process rendered before this one looked may predate a commit this one never saw.
        self._changes: deque[float] = deque([time.monotonic()], maxlen=1000)
        self.current()
        self._closed = threading.Event()
        if poll_s:
            threading.Thread(target=self._poll, args=(poll_s,), name="gidr-versions", daemon=True).start()

    def current(self) -> int:
        with self._lock:
            seen = tuple(conn.execute("pragma data_version").fetchone()[0] for conn in self._conns)
            if seen != self._seen:
                if self._seen:
                    self._changes.append(time.monotonic())
                self._seen = seen
                self.number += 1
            return self.number

    def superseded_at(self, rendered_at: float) -> float | None:
        """When what was rendered at `rendered_at` stopped being current; None while it is."""
        self.current()
        with self._lock:
            changes = self._changes
            if rendered_at < changes[0]:
                # before the oldest change remembered: since then at least, or forgotten when
                return changes[0] if len(changes) < (changes.maxlen or 0) else float("-inf")
            i = bisect.bisect_right(changes, rendered_at)
            return changes[i] if i < len(changes) else None

    def _poll(self, every: float) -> None:
        while not self._closed.wait(every):
            try:
                self.current()
            except sqlite3.Error:  # the file is being replaced: ask again at the next turn
                continue

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            for conn in self._conns:
                conn.close()


class TableCounts:
    """Every table's and view's row count in a database, counted once per version.

    Only counts taken at the version current now are used: a page rendered with them is
    current for as long as they are (cache.py keeps it on that understanding).
    """

    def __init__(self, path: str | Path, versions: Versions, prepare=None):
        self.path = Path(path).resolve()
        self.versions = versions
        self.prepare = prepare  # what a connection needs for the views' SQL functions
        self.tables: list[str] = []
        self._counts: dict[str, int | None] = {}
        self._version = -1
        self._lock: asyncio.Lock | None = None

    def _count(self) -> tuple[list[str], dict[str, int | None]]:
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        try:
            if self.prepare:
                self.prepare(conn)
            conn.execute("begin")  # one snapshot: the counts agree with each other
            kinds = conn.execute("select name, type from sqlite_master where type in ('table', 'view')").fetchall()
            counts: dict[str, int | None] = {}
            for name, _ in kinds:
                try:
                    counts[name] = conn.execute(f"select count(*) from [{name}]").fetchone()[0]
                except sqlite3.DatabaseError:  # as Datasette: what it cannot count has no count
                    counts[name] = None
            return [name for name, kind in kinds if kind == "table"], counts
        finally:
            conn.close()

    async def get(self) -> dict[str, int | None]:
        """Name → rows, of every table and view, at the version current now."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:  # one count at a time; the others wait for it and share it
            version = self.versions.current()
            if version != self._version:
                self.tables, self._counts = await asyncio.get_running_loop().run_in_executor(None, self._count)
                self._version = version
            return self._counts

    async def table_counts(self) -> dict[str, int | None]:
        """Datasette's `Database.table_counts()`: the tables only, in sqlite_master's order."""
        counts = await self.get()
        return {name: counts[name] for name in self.tables}
