"""Shared fixtures: real sample files, the CLI as users run it, the gold scorer."""
from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_inputs"
GOLD = Path(__file__).resolve().parent / "gold"
SEEDS = sorted(SAMPLES.glob("0*.txt"))


def run_cli(*args, check=None, **kw) -> subprocess.CompletedProcess:
    """Run `gidr-etl ARGS` in a subprocess, as a user would."""
    proc = subprocess.run([sys.executable, "-m", "gidr_etl.cli", *map(str, args)],
                          capture_output=True, text=True, **kw)
    if check is not None:
        assert proc.returncode == check, proc.stdout + proc.stderr
    return proc


def score(db: Path, gold_dir: Path) -> subprocess.CompletedProcess:
    """The project's gold scorer (tests/gidr_score.py) on `db`."""
    return subprocess.run([sys.executable, str(Path(__file__).parent / "gidr_score.py"), "--db", str(db),
                           "--gold", str(gold_dir), "-v"], capture_output=True, text=True)


def cells_of(db: Path, source_name: str) -> dict:
    con = sqlite3.connect(db)
    rows = con.execute(
        "select section, row, col, value from cells join reports on reports.id = cells.report_id"
        " where reports.source_path like ?", ["%" + source_name]).fetchall()
    con.close()
    return {(s, r, c): v for s, r, c, v in rows}


def gold_cells(name: str) -> dict:
    for folder in ("seeds", "realdocs"):
        path = GOLD / folder / f"{Path(name).stem}.json"
        if path.exists():
            return {(s, r, c): v for s, r, c, v in json.loads(path.read_text("utf-8"))["cells"]}
    raise KeyError(name)


@pytest.fixture(scope="session")
def samples_db(tmp_path_factory) -> Path:
    """sample_inputs/ ingested once by the real CLI."""
    db = tmp_path_factory.mktemp("samples") / "gidr.db"
    run_cli("ingest", SAMPLES, "--db", db)
    return db


@pytest.fixture
def seed_dir(tmp_path) -> Path:
    """A scratch folder holding copies of the five seeds."""
    d = tmp_path / "seeds"
    d.mkdir()
    for seed in SEEDS:
        shutil.copy(seed, d)
    return d
