"""The per-file limits enforced from outside the worker (issue #22, defect 7): the process that
hands out the files watches each worker's resident memory and CPU time, kills the worker at
the limit, and the file's one-line error says which limit it hit, or how the worker died."""

from __future__ import annotations

import faulthandler
import os
import re
import shutil
import signal
import sqlite3
from pathlib import Path

import pytest
from helpers import SEEDS, cells_of, gold_cells, run_cli
from test_hostile_batch import pdf_bomb

from gidr_etl import InputFormat
from gidr_etl.hookspecs import hookimpl
from gidr_etl.ingest.pipeline import ingest
from gidr_etl.plugins import load_plugins

LIMIT_MB = 300


def _errors(db: Path) -> dict[str, str]:
    con = sqlite3.connect(db)
    try:
        return {Path(p).name: e for p, e in con.execute("select path, error from files where status = 'failed'")}
    finally:
        con.close()


# Dask: each file is read in a child of the Dask worker, watched by it (executors._watched).
@pytest.mark.slow
@pytest.mark.parametrize("executor", ["local", "dask"])
def test_a_decompression_bomb_is_killed_at_the_memory_limit_and_the_batch_goes_on(tmp_path, executor):
    batch = tmp_path / "batch"
    batch.mkdir()
    for seed in SEEDS[:3]:
        shutil.copy(seed, batch)
    # pdfium inflates the content stream and parses its operators in C (the GIL let go, never
    # back in Python until the page is done): only a watch from outside stops it in time.
    pdf_bomb(batch / "bomb.pdf", inflated_mb=256)
    db = tmp_path / "g.db"
    # A guard, not a speed target: a batch that hangs must fail the test, not CI.
    proc = run_cli(
        "ingest", batch, "--db", db, "--workers", "2", "--max-memory", LIMIT_MB, "--executor", executor, timeout=600
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    (error,) = _errors(db).values()
    assert list(_errors(db)) == ["bomb.pdf"]
    found = re.fullmatch(rf"worker killed: resident memory ([\d,]+) MB over the {LIMIT_MB} MB limit \(.*\)", error)
    assert found, error
    # Killed at the limit: the size it was killed at is past the limit, and not twice it.
    assert LIMIT_MB < int(found[1].replace(",", "")) < 2 * LIMIT_MB, error
    assert f"bomb.pdf: {error}" in proc.stderr
    for seed in SEEDS[:3]:
        assert cells_of(db, seed.name) == gold_cells(seed.name)


class _Hostile(InputFormat):
    """Reads nothing: spins deaf to the time limit's signal, as C code holding the GIL is, or
    crashes its process."""

    name = "hostile"
    extensions = (".spin", ".crash")

    def extract(self, path):
        if path.suffix == ".crash":
            # pytest's faulthandler would print this worker's stack into the suite's output
            faulthandler.disable()
            os.kill(os.getpid(), signal.SIGSEGV)
        signal.signal(signal.SIGALRM, signal.SIG_IGN)
        while True:
            pass


@pytest.fixture
def hostile():
    class Plugin:
        @hookimpl
        def register_formats(self, register):
            register(_Hostile())

    pm = load_plugins()
    pm.register(Plugin(), "test-hostile-format")
    yield
    pm.unregister(name="test-hostile-format")


@pytest.mark.slow
def test_a_file_spinning_past_the_cpu_limit_is_killed_and_a_crash_is_named(seed_dir, tmp_path, hostile):
    (seed_dir / "spinner.spin").write_text("spin", "utf-8")
    (seed_dir / "crasher.crash").write_text("crash", "utf-8")
    db = tmp_path / "g.db"
    summary = ingest([seed_dir], db, workers=2, seconds=1)
    assert summary.reports == len(SEEDS)
    errors = _errors(db)
    assert errors["spinner.spin"].startswith("worker killed: CPU time over the 1 s limit"), errors
    assert errors["crasher.crash"].startswith("worker died (signal 11"), errors
    assert sorted(errors) == ["crasher.crash", "spinner.spin"]
    for seed in SEEDS:
        assert cells_of(db, seed.name) == gold_cells(seed.name)
