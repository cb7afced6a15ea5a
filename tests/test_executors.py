"""Where extraction runs: the register_executors hook, the local pool, Dask in local mode."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import pytest
from helpers import SAMPLES, SEEDS, cells_of, gold_cells, run_cli

from gidr_etl.formats.base import WORKER_CORES, all_cores
from gidr_etl.hookspecs import hookimpl
from gidr_etl.ingest.executors import CONNECT_TIMEOUT_VARIABLE, DaskExecutor, Executor, LocalPool
from gidr_etl.ingest.pipeline import ingest, process_file
from gidr_etl.ingest.watch import Limited, Limits
from gidr_etl.plugins import load_plugins


def _all_rows(db: Path) -> dict[str, list]:
    """What a database holds, less the columns that record when and how long."""
    con = sqlite3.connect(db)
    out = {
        "reports": con.execute(
            "select id, source_path, agency, year, template, cells_read, errors, warnings from reports order by id"
        ).fetchall(),
        "cells": con.execute("select * from cells order by report_id, section, row, col").fetchall(),
        "findings": con.execute(
            "select report_id, rule, severity, section, row, col, message from findings order by id"
        ).fetchall(),
        "files": con.execute(
            "select path, sha256, plugin, status, error, report_id from files order by path"
        ).fetchall(),
    }
    con.close()
    return out


@pytest.mark.slow
def test_all_cores_load_the_samples_as_one_worker_does(samples_db, tmp_path):
    # samples_db is ingested with the default --workers 0: every core.
    one = tmp_path / "one.db"
    run_cli("ingest", SAMPLES, "--db", one, "--workers", "1", check=0)
    assert _all_rows(samples_db) == _all_rows(one)
    assert len(_all_rows(one)["reports"]) == len(list(SAMPLES.iterdir()))


class Inline(Executor):
    """Runs each task here, in order, and remembers what it ran."""

    name = "inline"

    def __init__(self):
        self.ran: list[str] = []

    def map(self, fn, items, workers, address=None):
        for item in items:
            self.ran.append(item)
            yield item, fn(item)


def test_a_registered_executor_runs_the_extraction(seed_dir, tmp_path):
    inline = Inline()

    class Plugin:
        @hookimpl
        def register_executors(self, register):
            register(inline)

    pm = load_plugins()
    pm.register(Plugin(), "test-inline-executor")
    try:
        summary = ingest([seed_dir], tmp_path / "gidr.db", workers=1, executor="inline")
    finally:
        pm.unregister(name="test-inline-executor")
    assert sorted(Path(p).name for p in inline.ran) == [s.name for s in SEEDS]
    assert summary.reports == len(SEEDS) and not summary.failed
    for seed in SEEDS:
        assert cells_of(tmp_path / "gidr.db", seed.name) == gold_cells(seed.name)


@pytest.mark.slow
def test_dask_in_local_mode_reads_what_the_local_pool_reads(seed_dir, tmp_path):
    if DaskExecutor().missing():
        pytest.skip(DaskExecutor().missing())
    dask_db, local_db = tmp_path / "dask.db", tmp_path / "local.db"
    dask = run_cli("ingest", seed_dir, "--db", dask_db, "--workers", "2", "--executor", "dask", check=0)
    assert f"{len(SEEDS)} reports loaded" in dask.stdout
    run_cli("ingest", seed_dir, "--db", local_db, "--workers", "2", check=0)
    assert _all_rows(dask_db) == _all_rows(local_db)
    for seed in SEEDS:
        assert cells_of(dask_db, seed.name) == gold_cells(seed.name)


def test_an_unknown_executor_is_bad_usage(seed_dir, tmp_path):
    proc = run_cli("ingest", seed_dir, "--db", tmp_path / "gidr.db", "--executor", "nowhere", check=2)
    assert "unknown executor 'nowhere'" in proc.stderr and "local" in proc.stderr
    assert not (tmp_path / "gidr.db").exists()


def _die_on_boom(item: str) -> str:
    if item == "boom":
        os._exit(3)  # what a segfault or the OOM killer does to a worker
    if item == "raise":
        raise ValueError(item)
    return item.upper()


def test_a_worker_that_dies_fails_only_its_own_item():
    items = ["a", "raise", "b", "boom", "c", "d", "e", "f", "g", "h", "i", "j"]
    results = list(LocalPool().map(_die_on_boom, items, workers=2))
    assert [item for item, _ in results] == items  # every item once, in order
    for item, result in results:
        if item == "boom":
            assert isinstance(result, Exception)
        elif item == "raise":
            assert isinstance(result, ValueError)
        else:
            assert result == item.upper()


def _where_read(path: str) -> tuple[int, str | None]:
    """(the worker's pid, the cores it may spread one file over)."""
    time.sleep(0.3)  # as long as a page of a scan takes, so that both workers get to work
    return os.getpid(), os.environ.get(WORKER_CORES)


def test_files_that_take_long_are_spread_over_the_workers_each_with_its_share_of_the_cores(tmp_path):
    # Three files the size of scanned PDFs: four to a task, one worker would have read all
    # three while the other waited, its pages in two threads on cores the other had too.
    scans = []
    for n in range(3):
        scans.append(str(tmp_path / f"scan{n}.pdf"))
        Path(scans[-1]).write_bytes(b"%PDF-1.4 " + b"\0" * 600_000)
    small = [str(seed) for seed in SEEDS[:3]]  # text reports of a few KB
    results = list(LocalPool().map(_where_read, scans + small, workers=2))
    workers = {pid for _, (pid, _) in results[:3]}
    assert len(workers) == 2
    assert {cores for _, (_, cores) in results} == {str(max(1, all_cores() // 2))}
    assert len({pid for _, (pid, _) in results[3:]}) == 1  # small files still go four to a task


@pytest.mark.parametrize("limited", [False, True], ids=["in the dask worker", "in its watched child"])
def test_dask_workers_read_each_on_its_share_of_the_cores(limited):
    # Dask's local cluster puts its workers on this machine: a reader that spread a file over
    # every core (a scan's page threads) in each of them would run workers x cores threads.
    if DaskExecutor().missing():
        pytest.skip(DaskExecutor().missing())
    fn = Limited(_where_read, Limits(seconds=60)) if limited else _where_read
    results = list(DaskExecutor().map(fn, ["a", "b", "c"], workers=2))
    assert {cores for _, (_, cores) in results} == {str(max(1, all_cores() // 2))}


def test_a_worker_that_dies_under_a_file_is_that_files_error(seed_dir, tmp_path):
    """End to end: a format whose reader kills its process on one file."""
    from gidr_etl import InputFormat

    class Fatal(InputFormat):
        name = "fatal"
        extensions = (".fatal",)

        def extract(self, path):
            os._exit(3)

    class Plugin:
        @hookimpl
        def register_formats(self, register):
            register(Fatal())

    (seed_dir / "killer.fatal").write_text("anything", "utf-8")
    pm = load_plugins()
    pm.register(Plugin(), "test-fatal-format")
    try:
        summary = ingest([seed_dir], tmp_path / "gidr.db", workers=2)
    finally:
        pm.unregister(name="test-fatal-format")
    assert summary.reports == len(SEEDS)
    assert [(Path(p).name, e.split(" (")[0]) for p, e in summary.failed] == [("killer.fatal", "worker died")]
    con = sqlite3.connect(tmp_path / "gidr.db")
    assert con.execute("select status, error from files where path like '%killer.fatal'").fetchone()[0] == "failed"
    con.close()


def test_process_file_results_cross_process_boundaries(tmp_path):
    """Any executor ships Outcomes between processes: they must survive pickling whole."""
    import pickle

    outcome = process_file(str(SEEDS[0]))
    again = pickle.loads(pickle.dumps(outcome))
    assert again.report.cells == outcome.report.cells and again.status == outcome.status == "ok"


@pytest.mark.slow
def test_a_scheduler_out_of_reach_is_one_line_not_a_traceback(seed_dir, tmp_path):
    if DaskExecutor().missing():
        pytest.skip(DaskExecutor().missing())
    # Nothing listens on port 9 of the loopback address; wait 1 s for it, not the default 10.
    env = {**os.environ, CONNECT_TIMEOUT_VARIABLE: "1"}
    proc = run_cli(
        "ingest", seed_dir, "--db", tmp_path / "gidr.db", "--executor", "dask:tcp://127.0.0.1:9", check=1, env=env
    )
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
@pytest.mark.parametrize("setting", ["soon", "0", "-5"])
def test_a_connect_timeout_that_is_no_number_of_seconds_is_one_line(seed_dir, tmp_path, setting):
    if DaskExecutor().missing():
        pytest.skip(DaskExecutor().missing())
    env = {**os.environ, CONNECT_TIMEOUT_VARIABLE: setting}
    proc = run_cli(
        "ingest", seed_dir, "--db", tmp_path / "gidr.db", "--executor", "dask:tcp://127.0.0.1:9", check=1, env=env
    )
    assert f"{CONNECT_TIMEOUT_VARIABLE}={setting!r}" in proc.stderr
    assert "Traceback" not in proc.stderr
