"""The fixtures: real sample files ingested once, a Datasette serving them, a scratch copy of the seeds.

What the tests share that is not a fixture lives in helpers.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import (
    ALTERED_SEED,
    CONVERTED,
    DB_NAME,
    SAMPLES,
    SEEDS,
    reprint_with_one_number_changed,
    run_cli,
    running_server,
)


@pytest.fixture(scope="session")
def samples_db(tmp_path_factory) -> Path:
    """sample_inputs/ ingested once by the real CLI."""
    db = tmp_path_factory.mktemp("samples") / f"{DB_NAME}.db"
    run_cli("ingest", SAMPLES, "--db", db, check=0)
    return db


@pytest.fixture(scope="session")
def server(samples_db, tmp_path_factory):
    """A real Datasette on the samples."""
    with running_server(samples_db, tmp_path_factory) as srv:
        yield srv


@pytest.fixture(scope="session")
def copies_db(tmp_path_factory) -> Path:
    """sample_inputs (three PDFs, the seeds, the blank template), the PDFs' pdftotext
    conversions, and seed 001 printed again with one number changed: a database with copies."""
    root = tmp_path_factory.mktemp("copies")
    altered = root / "altered" / f"{ALTERED_SEED}.reprint.txt"
    altered.parent.mkdir()
    altered.write_text(reprint_with_one_number_changed((SAMPLES / f"{ALTERED_SEED}.txt").read_text("utf-8")), "utf-8")
    db = root / f"{DB_NAME}.db"
    run_cli("ingest", SAMPLES, CONVERTED, altered.parent, "--db", db)
    return db


@pytest.fixture(scope="session")
def copies_server(copies_db, tmp_path_factory):
    """A real Datasette on copies_db."""
    with running_server(copies_db, tmp_path_factory) as srv:
        yield srv


@pytest.fixture
def seed_dir(tmp_path) -> Path:
    """A scratch folder holding copies of the five seeds."""
    d = tmp_path / "seeds"
    d.mkdir()
    for seed in SEEDS:
        shutil.copy(seed, d)
    return d
