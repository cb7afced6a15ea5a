"""Files rows an earlier gidr-etl stored with relative paths, made absolute by the ingest that
finds their files.

Before paths were made absolute, a folder named relatively (`gidr-etl ingest in`) was stored
relatively to the folder the ingest ran from, which the database never recorded: from any
other folder such a row named nothing, so --prune missed it and the file got a second row.
A relative row is taken for the file of this ingest whose absolute path ends with it and
whose content is the row's (the same SHA-256): that names the folder the earlier ingest ran
from. A row no such file confirms (its file deleted or changed since) is placed under the
folder its confirmed rows were found in, when they agree on one and the place lies under a
folder this ingest reads. A row neither places stays as it was.
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

import sqlite_utils

from gidr_etl.database.load import rename_file
from gidr_etl.ingest.discover import discover, display_path, sha256_of

_UP = ".." + os.sep


def adopt(db: sqlite_utils.Database, roots: list[Path]) -> int:
    """Rename the relative rows this ingest's files (under the absolute `roots`) place; returns how many."""
    rows: dict[tuple[int, str], tuple[str, str | None]] = {}  # (levels up, the rest) → (path, sha256)
    # Absolute rows all start with '/': two ranges of the primary key's index hold the rest,
    # so a database without relative rows costs two index probes, not a scan.
    relative = "select path, path_bytes, sha256 from files where path < '/' or path >= '0'"
    for path, raw, sha in db.conn.execute(relative):
        exact = os.fsdecode(bytes(raw) if raw is not None else os.fsencode(path))
        if not os.path.isabs(exact):
            rows[_key(exact)] = (path, sha)
    if not rows:
        return 0
    by_rest: dict[str, list[int]] = defaultdict(list)
    for up, rest in rows:
        by_rest[rest].append(up)
    placed: dict[tuple[int, str], str] = {}
    bases: dict[int, set[str]] = defaultdict(set)  # levels up → the folder the rows started from
    for item in discover(roots):
        if isinstance(item, tuple):
            continue
        found, sha = str(item), None
        for cut in (i for i, ch in enumerate(found) if ch == os.sep):
            rest = found[cut + 1 :]
            for up in by_rest.get(rest, ()):
                if (up, rest) in placed or rows[(up, rest)][1] is None:
                    continue
                sha = sha or _sha(item)
                if sha == rows[(up, rest)][1]:
                    placed[(up, rest)] = found
                    bases[up].add(found[:cut] or os.sep)
    under = [str(r).rstrip(os.sep) + os.sep for r in roots]
    for up, rest in rows:
        if (up, rest) in placed or len(bases[up]) != 1:
            continue
        guess = os.path.join(next(iter(bases[up])), rest)
        if any(guess.startswith(r) for r in under):
            placed[(up, rest)] = guess
    for key, absolute in placed.items():
        rename_file(db, rows[key][0], display_path(absolute), os.fsencode(absolute))
    return len(placed)


def _key(relative: str) -> tuple[int, str]:
    """A relative path as (how many folders up it starts, the normalised rest): 'in/./a' and
    'in//a' are one path; '../x/in/a' is x/in/a from one folder up."""
    normal = os.path.normpath(relative)
    up = 0
    while normal.startswith(_UP):
        normal, up = normal[len(_UP) :], up + 1
    return up, normal


def _sha(path: Path) -> str | None:
    try:
        return sha256_of(path)
    except OSError:
        return None
