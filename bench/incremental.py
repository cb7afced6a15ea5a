"""What an ingest costs as the database grows: +10 new files, and a re-run with nothing new,
at N reports against the same on an empty database (the ratios), with peak memory.

    PYTHONPATH=. nice -n 10 python bench/incremental.py [--sizes 3000,100000] [--rounds 5] [--keep DIR]

The N-report databases are a shortcut, said here because it matters: building 100,000
reports by ingesting files takes hours, so sample_inputs/ are ingested by the real
pipeline, then their rows (reports, files, cells, findings, sections) are cloned in SQL
under new sha256, paths, agency names (a new agency each round) and years until there
are N, and every derived table (agency keys, year chains and gaps, copies, pivots,
scorecard, search index) is made from them by the product's own derived.refresh, as an
ingest leaves it. The grown database is checked before it is used: PRAGMA integrity_check
and foreign_key_check, and every report with its file row, pivot rows and search rows.

Each round times, as whole processes (interpreter start, imports and exit included, as a
user waits for `gidr-etl ingest`), 10 new files ingested into an empty database and into
the N-report one, in turns so both see the same load (the machine is shared), then the
same again (nothing new). Each round brings 10 files not seen before, so the N-report
database takes them in place (it grows by 10 a round) rather than being copied. A round's
ratio is N-report over empty; the p50 of each is printed. Peak memory is the ingesting
process's own (VmHWM). Then one more batch's SQLite instructions are counted, on both
(testing/work.py): the work itself, which the machine's load does not change. The targets (issues #14, #22): +10 and no-op each at most 1.5x the
empty database's at 3,000 and 100,000 reports; under 2 s and 300 MB at 100,000.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import statistics
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
from gidr_etl.testing.work import counted as counting  # noqa: E402

NEW_FILES = 10
TARGET_RATIO, TARGET_AT = 1.5, 3_000
TARGET_S, TARGET_MB, TARGET_BIG = 2.0, 300, 100_000
# What an ingest stores per report; each clone round renumbers these columns (by `step`).
CLONED = {"reports": "id", "files": "report_id", "cells": "report_id", "findings": "report_id", "sections": "report_id"}


def base(work: Path) -> Path:
    """sample_inputs/ ingested: the real reports every big database is cloned from."""
    db = work / "base.db"
    ingest([ROOT / "sample_inputs"], db, workers=1)
    return db


def _cloned(table: str, column: str, key: str, step: int) -> str:
    """The SQL of `column` in clone round k.n: ids moved past the source's, and a new
    sha256, path, agency and year, so each round is other reports of other agencies."""
    if column in (key, "duplicate_of") or (table == "reports" and column == "id"):
        return f"{column} + k.n * {step}"
    return {
        "agency": "agency || '（' || k.n || '）'",
        "agency_key": "null",  # derived again, by the name rule (validation/year_chains.py)
        "year": "year - k.n % 3",
        "source_sha256": "source_sha256 || '-' || k.n",
        "sha256": "sha256 || '-' || k.n",
        "source_path": "source_path || '.' || k.n",
        "path": "path || '.' || k.n",
        "path_bytes": "null",
    }.get(column, column)


def grow(source: Path, db: Path, n: int) -> None:
    """`source` cloned in SQL until it holds about n reports (whole rounds of its reports),
    then derived as an ingest leaves it, by the product's own derived.refresh, and checked."""
    shutil.copy(source, db)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("pragma journal_mode=wal")
    have, step = conn.execute("select count(*), max(id) from reports").fetchone()
    rounds = -(-(n - have) // have)
    conn.execute("begin")
    for table, key in CLONED.items():
        names = [
            r[1] for r in conn.execute(f"pragma table_info([{table}])") if not (table == "findings" and r[1] == "id")
        ]
        conn.execute(
            f"with recursive k(n) as (select 1 union all select n + 1 from k where n < {rounds})"
            f" insert into [{table}] ({', '.join(names)})"
            f" select {', '.join(_cloned(table, c, key, step) for c in names)}"
            f" from [{table}], k where {key} <= {step}"
        )
    conn.execute("delete from changed_reports")
    conn.execute("commit")
    conn.close()
    db_ = open_db(db)
    db_.execute("delete from derived_state")
    assert refresh(db_) == "all"
    db_.conn.close()
    check(db)


# What every report an ingest leaves has: its file, its pivot rows and its search rows.
CONSISTENT = {
    "reports without a file": "select count(*) from reports r where not exists"
    " (select 1 from files f where f.report_id = r.id)",
    "counted reports without a summary row": "select count(*) from reports r where not r.is_template"
    " and r.duplicate_of is null and not exists (select 1 from report_summary s where s.report_id = r.id)",
    "sections not searchable": "select (select count(*) from sections) - (select count(*) from sections_fts)",
    "change notes left": "select count(*) from changed_reports",
}


def check(db: Path) -> None:
    """SQLite's own checks and the product's: a database the bench can trust to be what an ingest leaves."""
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("pragma integrity_check").fetchall() == [("ok",)]
        assert conn.execute("pragma foreign_key_check").fetchall() == []
        for what, sql in CONSISTENT.items():
            assert conn.execute(sql).fetchone()[0] == 0, what
    finally:
        conn.close()


def timed(folder: Path, db: Path) -> dict:
    """`gidr-etl ingest FOLDER --db DB --workers 1` in a fresh process, timed whole
    (interpreter start, imports, exit): seconds, the ingest's peak MB, reports loaded."""
    # A database just written leaves the disk cache dirty: the first commit's sync would
    # pay for flushing it, which a database at rest never does.
    os.sync()
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, __file__, "--one", str(folder), str(db)], check=True, cwd=ROOT, capture_output=True, text=True
    ).stdout
    seconds = time.perf_counter() - started
    return {**json.loads(out.strip().splitlines()[-1]), "seconds": seconds}


def _one(folder: Path, db: Path) -> None:
    """The command line's own entry point (what the `gidr-etl` script runs), then this
    process's peak memory and the reports loaded, as one JSON line."""
    from gidr_etl.cli import cli

    try:
        cli(["ingest", str(folder), "--db", str(db), "--workers", "1", "--quiet"], standalone_mode=False)
    finally:
        print(json.dumps({"mb": peak_mb(), "reports": reports(db)}))


def reports(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("select count(*) from reports").fetchone()[0]
    finally:
        conn.close()


def peak_mb() -> float:
    """This process's own peak resident memory. Not ru_maxrss: Linux carries the parent's
    peak over a fork and exec into it, so every child of this script (which built a large
    database) would report the builder's peak, not its own."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def batches(work: Path, rounds: int) -> list[Path]:
    """`rounds` folders of NEW_FILES TXT reports each, no two files alike (bench/corpus.py)."""
    made = corpus.build(work / "new", NEW_FILES * rounds, ("txt",))["txt"]
    out = []
    for r in range(rounds):
        folder = work / "batches" / str(r)
        folder.mkdir(parents=True, exist_ok=True)
        for path in sorted(made.iterdir())[r * NEW_FILES : (r + 1) * NEW_FILES]:
            shutil.copy(path, folder / path.name)
        out.append(folder)
    return out


def measure(folders: list[Path], db: Path, scratch: Path) -> list[dict]:
    """Per round: +10 files then nothing new, on an empty database and on `db`, in turns."""
    runs = []
    for folder in folders:
        got = {}
        for name in ("empty", "full"):
            target = db if name == "full" else scratch
            if name == "empty":
                for path in scratch.parent.glob(f"{scratch.name}*"):
                    path.unlink()
            before = reports(target) if target.exists() else 0
            added = timed(folder, target)
            assert added["reports"] == before + NEW_FILES, (added, before)
            again = timed(folder, target)
            assert again["reports"] == before + NEW_FILES, again
            got[name] = (added, again)
        runs.append(got)
    return runs


def instructions(folder: Path, db: Path) -> list[int]:
    """SQLite's instructions (testing/work.py) for +10 files into `db`, then the same again
    (nothing new), in this process: the work, without the machine's load in it."""
    out = []
    for _ in range(2):
        with counting() as steps:
            ingest([folder], db, workers=1)
        out.append(steps["ingest"])
    return out


def p50(runs: list[dict], name: str, i: int, what: str) -> float:
    return statistics.median(r[name][i][what] for r in runs)


def report(runs: list[dict], have: int, built: float) -> None:
    for i, label in enumerate((f"+{NEW_FILES} files", "no-op")):
        rounds = ", ".join(f"{r['full'][i]['seconds']:.2f}/{r['empty'][i]['seconds']:.2f}" for r in runs)
        ratios = [r["full"][i]["seconds"] / r["empty"][i]["seconds"] for r in runs]
        print(
            f"{have:>7} reports (built in {built:.0f} s), {label}: p50 {p50(runs, 'full', i, 'seconds'):.2f} s"
            f" against {p50(runs, 'empty', i, 'seconds'):.2f} s empty ="
            f" {p50(runs, 'full', i, 'seconds') / p50(runs, 'empty', i, 'seconds'):.2f}x"
            f" (per round {statistics.median(ratios):.2f}x p50, {min(ratios):.2f}-{max(ratios):.2f});"
            f" peak {max(r['full'][i]['mb'] for r in runs):.0f} MB against"
            f" {max(r['empty'][i]['mb'] for r in runs):.0f} MB"
        )
        print(f"    rounds (full/empty s): {rounds}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="3000,100000")
    ap.add_argument("--rounds", type=int, default=5, help="rounds of each measurement; the p50 is reported")
    ap.add_argument("--keep", type=Path, help="keep the grown databases here, and reuse those already there")
    ap.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        return _one(Path(args.one[0]), Path(args.one[1]))
    work = Path(tempfile.mkdtemp(prefix="gidr-bench-incremental-"))
    try:
        source = base(work)
        for n in (int(s) for s in args.sizes.split(",")):
            kept = (args.keep or work) / f"n{n}.db"
            started = time.perf_counter()
            if not (args.keep and kept.exists()):
                kept.parent.mkdir(parents=True, exist_ok=True)
                grow(source, kept, n)
            built = time.perf_counter() - started
            # The rounds add to it: a kept database is copied first, to stay as built.
            db = work / f"run{n}.db" if args.keep else kept
            if args.keep:
                shutil.copy(kept, db)
            have = reports(db)
            *folders, counted = batches(work / f"new{n}", args.rounds + 1)
            runs = measure(folders, db, work / "empty.db")
            report(runs, have, built)
            full, empty = instructions(counted, db), instructions(counted, work / f"counted-empty{n}.db")
            print(
                f"    SQLite instructions: +{NEW_FILES} files {full[0]:,} against {empty[0]:,} empty"
                f" ({full[0] / empty[0]:.3f}x); no-op {full[1]:,} against {empty[1]:,} ({full[1] / empty[1]:.3f}x)"
            )
            check(db)  # and still what an ingest leaves after the rounds
            for path in work.glob(f"*{n}.db*"):
                path.unlink()  # 100,000 reports take some GB
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"targets: at most {TARGET_RATIO}x empty at {TARGET_AT:,} and {TARGET_BIG:,} reports;"
        f" under {TARGET_S:.0f} s and {TARGET_MB} MB at {TARGET_BIG:,}"
    )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
