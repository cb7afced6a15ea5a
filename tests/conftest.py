"""The fixtures: real sample files ingested once, a Datasette serving them, a scratch copy of the seeds.

What the tests share that is not a fixture lives in helpers.py.
"""
from __future__ import annotations

import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from helpers import DB_NAME, ROOT, SAMPLES, SEEDS, Server, free_port, run_cli


@pytest.fixture(scope="session")
def samples_db(tmp_path_factory) -> Path:
    """sample_inputs/ ingested once by the real CLI."""
    db = tmp_path_factory.mktemp("samples") / f"{DB_NAME}.db"
    run_cli("ingest", SAMPLES, "--db", db, check=0)
    return db


@pytest.fixture(scope="session")
def server(samples_db, tmp_path_factory):
    """A real Datasette on the samples, started the way `gidr-etl serve` starts it, on a free port."""
    from gidr_etl import serve

    port = free_port()
    cmd = serve.command(samples_db, port=port, host="127.0.0.1", workdir=tmp_path_factory.mktemp("serve"))
    log = tmp_path_factory.mktemp("log") / "datasette.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/-/versions.json", timeout=2).read()
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"datasette did not start:\n{log.read_text(errors='replace')}")
                time.sleep(0.2)
        yield Server(base, samples_db)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def seed_dir(tmp_path) -> Path:
    """A scratch folder holding copies of the five seeds."""
    d = tmp_path / "seeds"
    d.mkdir()
    for seed in SEEDS:
        shutil.copy(seed, d)
    return d
