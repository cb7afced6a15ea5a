"""Crash safety: SIGKILL mid-batch leaves a consistent database; two writers at once both finish."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import SEEDS, run_cli

pytestmark = [pytest.mark.slow]


def varied_copies(folder: Path, copies: int, start: int = 0) -> list[Path]:
    """`copies` × the five seeds, each with its own closing line: distinct content, distinct reports."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for n in range(start, start + copies):
        for seed in SEEDS:
            path = folder / f"{seed.stem}_{n:03d}.txt"
            path.write_text(seed.read_text("utf-8") + f"\n（第{n}份）\n", "utf-8")
            out.append(path)
    return out


def start_ingest(*args) -> subprocess.Popen:
    # its own process group, so a kill reaches the worker processes too, as `kill -9` of a job does
    return subprocess.Popen(
        [sys.executable, "-m", "gidr_etl.cli", "ingest", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def count(db: Path, sql: str) -> int:
    con = sqlite3.connect(db, timeout=60)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def assert_consistent(db: Path) -> None:
    """No half report: every report whole, and the files table agreeing with the reports."""
    con = sqlite3.connect(db, timeout=60)
    try:
        assert con.execute("pragma integrity_check").fetchall() == [("ok",)]
        assert con.execute("pragma foreign_key_check").fetchall() == []
        per_report = con.execute("""
            select r.id, r.cells_read, r.errors + r.warnings,
                   (select count(*) from cells c where c.report_id = r.id),
                   (select count(*) from cells c where c.report_id = r.id and c.value is not null),
                   (select count(*) from findings f where f.report_id = r.id),
                   (select count(*) from sections s where s.report_id = r.id)
            from reports r""").fetchall()
        for rid, cells_read, n_findings, cells, values, findings, sections in per_report:
            assert cells in (198, 200) and values == cells_read and findings == n_findings and sections, rid
        # every report is held by a file whose row names it and its content, and only such rows are ok
        assert (
            con.execute("""select count(*) from reports r where not exists (select 1 from files f
                              where f.report_id = r.id and f.sha256 = r.source_sha256 and f.status = 'ok')""").fetchone()
            == (0,)
        )
        assert con.execute("""select count(*) from files f where f.status = 'ok' and not exists
                              (select 1 from reports r where r.id = f.report_id)""").fetchone() == (0,)
        assert con.execute("select count(*) from files where status != 'ok'").fetchone() == (0,)
    finally:
        con.close()


def test_sigkill_mid_batch_then_rerun_finishes(tmp_path):
    files = varied_copies(tmp_path / "batch", 50)
    db = tmp_path / "g.db"
    proc = start_ingest(tmp_path / "batch", "--db", db, "--workers", "2", "-q")
    loaded = 0
    while proc.poll() is None and loaded < 40:
        time.sleep(0.05)
        if db.exists():
            with contextlib.suppress(sqlite3.OperationalError):  # the schema is still being made
                loaded = count(db, "select count(*) from reports")
    assert proc.poll() is None, "the batch finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    proc.stderr.close()

    done = count(db, "select count(*) from reports")
    assert 40 <= done < len(files)
    assert_consistent(db)

    rerun = run_cli("ingest", tmp_path / "batch", "--db", db, check=0)
    # the varied copies are one report printed again: the summary says how many are distinct
    loaded = (
        rf"{len(files)} files: {len(files) - done} reports loaded( \(\d+ distinct: \d+ copies of another report\))?"
    )
    assert re.search(rf"{loaded}, {done} unchanged, 0 failed", rerun.stdout), rerun.stdout
    assert count(db, "select count(*) from reports") == len(files)
    assert count(db, "select count(distinct source_sha256) from reports") == len(files)
    assert_consistent(db)
    assert count(db, "select count(*) from reports_fts") == len(files)  # search covers them all


def test_two_ingests_on_one_database_both_finish(tmp_path):
    a = varied_copies(tmp_path / "a", 10)
    b = varied_copies(tmp_path / "b", 10, start=10)
    shared = varied_copies(tmp_path / "shared", 10, start=20)
    db = tmp_path / "g.db"  # new: both also create the schema at once
    # both read the shared folder first, so both load the same files at the same time
    first = start_ingest(tmp_path / "shared", tmp_path / "a", "--db", db, "--workers", "2")
    second = start_ingest(tmp_path / "shared", tmp_path / "b", "--db", db)
    for proc in (first, second):
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, out + err
    total = len(a) + len(b) + len(shared)
    assert count(db, "select count(*) from reports") == total
    assert count(db, "select count(*) from files") == total
    assert_consistent(db)
    # the research step after each load (views, full-text indexes) is whole too
    # the seeds' copies count once (copies.py), so the summary holds the counted ones
    assert (
        count(db, "select count(*) from report_summary")
        == count(db, "select count(*) from reports where duplicate_of is null")
        < total
    )
    assert count(db, "select count(*) from sections_fts") == count(db, "select count(*) from sections")
    assert count(db, "select count(*) from reports_fts") == total


def test_killing_only_the_main_process_leaves_no_workers(tmp_path):
    # `kill -9 PID` of the command alone (not its process group): its workers must not
    # live on, orphaned, reading files for nobody.
    import psutil

    varied_copies(tmp_path / "batch", 50)
    proc = start_ingest(tmp_path / "batch", "--db", tmp_path / "g.db", "--workers", "2", "-q")
    main = psutil.Process(proc.pid)
    deadline = time.monotonic() + 60
    while len(main.children()) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    workers = main.children(recursive=True)
    assert len(workers) >= 2, "no worker processes started"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    gone, alive = psutil.wait_procs(workers, timeout=10)
    assert alive == []


def _open(path: str) -> str:
    from gidr_etl.database.load import open_db

    try:
        open_db(Path(path)).conn.close()
        return "ok"
    except Exception as exc:
        return repr(exc)


def test_processes_opening_a_new_database_together_all_get_it(tmp_path):
    # Switching a fresh database to WAL from several processes at once used to fail
    # ("database is locked", at once) in about one trial in four.
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(4) as pool:
        for trial in range(30):
            outcomes = pool.map(_open, [str(tmp_path / f"new{trial}.db")] * 4)
            assert outcomes == ["ok"] * 4, outcomes
