"""What an ingest costs as the database grows: +10 new files, and a re-run with nothing new,
at N reports against the same on an empty database (the ratios), with peak memory.

    PYTHONPATH=. python bench/incremental.py [--sizes 1000,3000,10000,100000] [--keep DIR]

The N-report databases are sample_inputs/ ingested by the real pipeline, then its reports
cloned in SQL (cells, findings, prose and all) under new sha256, agency and year values
until there are N, and everything derived made once, as an ingest leaves it. Each timed
ingest runs on a fresh copy of the database in a fresh child process (pipeline.ingest, one
worker: interpreter start and imports not counted, plugin loading counted); it reports its
own wall time and peak resident memory (VmHWM of the main process, the one writer), and
the parent times the whole process (interpreter start, imports and exit included). The
empty and the N-report runs take turns, so a ratio compares runs under the same load. The targets (issue #14): +10 and no-op each at most
1.5x the empty database's at 3,000 reports; under 2 s and 300 MB at 100,000.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import corpus  # noqa: E402  (bench/ on the path first)

from gidr_etl.database.derived import refresh  # noqa: E402
from gidr_etl.database.load import open_db  # noqa: E402
from gidr_etl.ingest.pipeline import ingest  # noqa: E402

NEW_FILES = 10
TARGET_RATIO, TARGET_AT = 1.5, 3_000
TARGET_S, TARGET_MB, TARGET_BIG = 2.0, 300, 100_000
CLONED = {"reports": "id", "cells": "report_id", "findings": "report_id", "sections": "report_id"}


def base(work: Path) -> Path:
    """sample_inputs/ ingested: the real reports every big database is cloned from."""
    db = work / "base.db"
    ingest([ROOT / "sample_inputs"], db, workers=1)
    return db


def grow(source: Path, db: Path, n: int) -> None:
    """`source` cloned in SQL until it holds about n reports (whole rounds of its reports),
    then derived as an ingest leaves it."""
    shutil.copy(source, db)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("pragma journal_mode=wal")
    have, step = conn.execute("select count(*), max(id) from reports").fetchone()
    rounds = -(-(n - have) // have)
    cols = {t: [r[1] for r in conn.execute(f"pragma table_info([{t}])")] for t in CLONED}
    conn.execute("begin")
    for table, key in CLONED.items():
        names = [c for c in cols[table] if not (table == "findings" and c == "id")]
        values = [
            f"{c} + k.n * {step}"
            if c in (key, "duplicate_of")
            else "agency || '（' || k.n || '）'"
            if c == "agency"
            else "null"
            if c == "agency_key"
            else "year - k.n % 3"
            if c == "year"
            else "source_sha256 || '-' || k.n"
            if c == "source_sha256"
            else c
            for c in names
        ]
        conn.execute(
            f"with recursive k(n) as (select 1 union all select n + 1 from k where n < {rounds})"
            f" insert into [{table}] ({', '.join(names)}) select {', '.join(values)}"
            f" from [{table}], k where {key} <= {step}"
        )
    conn.execute("delete from changed_reports")
    conn.execute("commit")
    conn.close()
    db_ = open_db(db)
    db_.execute("delete from derived_state")
    refresh(db_)
    db_.conn.close()


def timed(folder: Path, db: Path) -> dict:
    """One ingest of `folder` into `db` in a fresh process: seconds and peak MB."""
    # A database just built leaves the disk cache dirty: the first commit's sync would
    # pay for flushing it, which a database at rest never does.
    os.sync()
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, __file__, "--one", str(folder), str(db)], check=True, cwd=ROOT, capture_output=True, text=True
    ).stdout
    # The whole process too (interpreter start, imports, exit), as a user waits for it.
    return {**json.loads(out.strip().splitlines()[-1]), "process": time.perf_counter() - started}


def _one(folder: Path, db: Path) -> None:
    started = time.perf_counter()
    summary = ingest([folder], db, workers=1)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "mb": peak_mb(), "reports": summary.reports}))


def peak_mb() -> float:
    """This process's own peak resident memory. Not ru_maxrss: Linux carries the parent's
    peak over a fork and exec into it, so every child of this script (which built a large
    database) would report the builder's peak, not its own."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def once(folder: Path, db: Path | None) -> tuple[dict, dict]:
    """+10 files, then the same again (nothing new), on a fresh copy of `db` (None: an empty database)."""
    scratch = folder.parent / "scratch.db"
    for path in folder.parent.glob("scratch.db*"):
        path.unlink()
    if db is not None:
        shutil.copy(db, scratch)
    added = timed(folder, scratch)
    assert added["reports"] == NEW_FILES, added
    again = timed(folder, scratch)
    assert again["reports"] == 0, again
    return added, again


def measure(folder: Path, db: Path, repeat: int) -> dict[str, tuple[dict, dict]]:
    """`once` on an empty database and on `db`, taken in turns so that both see the same
    load (the machine is shared): the fastest of `repeat` runs of each, the peak memory."""
    runs: dict[str, list] = {"empty": [], "full": []}
    for _ in range(repeat):
        runs["empty"].append(once(folder, None))
        runs["full"].append(once(folder, db))
    return {
        name: tuple(
            {
                "seconds": min(r[i]["seconds"] for r in got),
                "process": min(r[i]["process"] for r in got),
                "mb": max(r[i]["mb"] for r in got),
            }
            for i in (0, 1)
        )
        for name, got in runs.items()
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,3000,10000,100000")
    ap.add_argument("--repeat", type=int, default=5, help="runs of each measurement; the fastest is reported")
    ap.add_argument("--keep", type=Path, help="keep the grown databases here, and reuse those already there")
    ap.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        return _one(Path(args.one[0]), Path(args.one[1]))
    work = Path(tempfile.mkdtemp(prefix="gidr-bench-incremental-"))
    try:
        new = corpus.build(work / "new", NEW_FILES, ("txt",))["txt"]
        source = base(work)
        for n in (int(s) for s in args.sizes.split(",")):
            db = (args.keep or work) / f"n{n}.db"
            started = time.perf_counter()
            if not (args.keep and db.exists()):
                db.parent.mkdir(parents=True, exist_ok=True)
                grow(source, db, n)
            else:  # derived again only if what derives it changed since it was kept
                kept = open_db(db)
                refresh(kept)
                kept.conn.close()
            built = time.perf_counter() - started
            have = sqlite3.connect(db).execute("select count(*) from reports").fetchone()[0]
            got = measure(new, db, args.repeat)
            (added, again), empty = got["full"], got["empty"]
            ratios = [m["seconds"] / e["seconds"] for m, e in zip((added, again), empty)]
            whole = [m["process"] / e["process"] for m, e in zip((added, again), empty)]
            print(
                f"  empty database: +{NEW_FILES} files {empty[0]['seconds']:.2f} s {empty[0]['mb']:.0f} MB,"
                f" no-op {empty[1]['seconds']:.2f} s {empty[1]['mb']:.0f} MB"
            )
            print(
                f"{have:>7} reports (built in {built:.0f} s): +{NEW_FILES} files {added['seconds']:.2f} s"
                f" ({ratios[0]:.2f}x empty) {added['mb']:.0f} MB; no-op {again['seconds']:.2f} s"
                f" ({ratios[1]:.2f}x empty) {again['mb']:.0f} MB"
            )
            print(
                f"  as whole processes: +{NEW_FILES} files {added['process']:.2f} s against"
                f" {empty[0]['process']:.2f} s ({whole[0]:.2f}x empty); no-op {again['process']:.2f} s against"
                f" {empty[1]['process']:.2f} s ({whole[1]:.2f}x empty)"
            )
            for path in work.glob(f"n{n}.db*"):
                path.unlink()  # 100,000 reports take some GB
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"targets: at most {TARGET_RATIO}x empty at {TARGET_AT:,} reports;"
        f" under {TARGET_S:.0f} s and {TARGET_MB} MB at {TARGET_BIG:,}"
    )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
