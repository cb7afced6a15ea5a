"""What the tests share that is not a fixture: the samples' paths, the CLI run two ways, the scorer,
cells from a database and from gold, a served Datasette's client.

conftest.py holds the fixtures only; tests import these with `from helpers import …`.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_inputs"
GOLD = Path(__file__).resolve().parent / "gold"
SEEDS = sorted(SAMPLES.glob("0*.txt"))
DB_NAME = "gidr"  # datasette.yml describes the database by this name
# pdftotext's conversions of the sample PDFs, and the seed the copies database prints again altered
CONVERTED = Path(__file__).resolve().parent / "fixtures" / "converted"
ALTERED_SEED = "001_f034b2af3da2120e"


def run_cli(*args, check=None, **kw) -> subprocess.CompletedProcess:
    """Run `gidr-etl ARGS` in a subprocess, as a user would: for what needs a process of its own
    (signals, exit codes of the real entry point, environment variables, plugins loaded at start-up)."""
    proc = subprocess.run([sys.executable, "-m", "gidr_etl.cli", *map(str, args)], capture_output=True, text=True, **kw)
    if check is not None:
        assert proc.returncode == check, proc.stdout + proc.stderr
    return proc


def reprint_with_one_number_changed(text: str) -> str:
    """Seed 001 printed again with its natural persons' new applications 92 instead of 91."""
    label = text.index("本年新收政府信息公开申请数量")
    m = re.compile(r"\b91\b").search(text, label)  # the first number after the label
    assert m, "seed 001 no longer prints 91 natural persons"
    return text[: m.start()] + "92" + text[m.end() :]


class Invoked(NamedTuple):
    """What `invoke` ran: the fields of a CompletedProcess that the tests read."""

    returncode: int
    stdout: str
    stderr: str


def invoke(*args, check=None) -> Invoked:
    """Run `gidr-etl ARGS` in this process with click's CliRunner: the same command, without a
    Python start-up and its imports (about half a second a call). An exception the command does
    not handle is raised here, with its traceback."""
    from click.testing import CliRunner

    from gidr_etl.cli import cli

    result = CliRunner().invoke(cli, [str(arg) for arg in args], catch_exceptions=False)
    ran = Invoked(result.exit_code, result.stdout, result.stderr)
    if check is not None:
        assert ran.returncode == check, ran.stdout + ran.stderr
    return ran


def score(db: Path, gold_dir: Path, *options: str) -> subprocess.CompletedProcess:
    """The project's gold scorer (tests/gidr_score.py) on `db`; `options` such as --by-stem."""
    return subprocess.run(
        [
            sys.executable,
            str(Path(__file__).parent / "gidr_score.py"),
            "--db",
            str(db),
            "--gold",
            str(gold_dir),
            "-v",
            *options,
        ],
        capture_output=True,
        text=True,
    )


def cells_of(db: Path, source_name: str) -> dict:
    con = sqlite3.connect(db)
    rows = con.execute(
        "select section, row, col, value from cells join reports on reports.id = cells.report_id"
        " where reports.source_path like ?",
        ["%" + source_name],
    ).fetchall()
    con.close()
    return {(s, r, c): v for s, r, c, v in rows}


def gold_cells(name: str) -> dict:
    for folder in ("seeds", "realdocs"):
        path = GOLD / folder / f"{Path(name).stem}.json"
        if path.exists():
            return {(s, r, c): v for s, r, c, v in json.loads(path.read_text("utf-8"))["cells"]}
    raise KeyError(name)


def assert_every_null_is_said(db):
    """A NULL cell always has a finding that says why: about the cell, its unitemized row or its missing table."""
    con = sqlite3.connect(db)
    unsaid = con.execute("""
        select r.source_path, c.section, c.row, c.col from cells c join reports r on r.id = c.report_id
        where c.value is null and not exists (
            select 1 from findings f where f.report_id = c.report_id and f.section = c.section and (
                (substr(f.rule, 1, 5) = 'cell_' and f.row = c.row and f.col = c.col)
                or (f.rule = 'row_not_itemized' and f.row = c.row) or f.rule = 'table_missing'))""").fetchall()
    con.close()
    assert unsaid == []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A running Datasette: its base URL and the database it serves."""

    def __init__(self, base: str, db_path: Path):
        self.base = base
        self.db_path = db_path

    def url(self, path: str, **params) -> str:
        query = urllib.parse.urlencode(params)
        return f"{self.base}{path}" + (f"?{query}" if query else "")

    def get(self, path: str, **params):
        with urllib.request.urlopen(self.url(path, **params), timeout=30) as resp:
            return json.loads(resp.read())

    def rows(self, path: str, **params) -> list[dict]:
        return self.get(path, _shape="array", **params)


@contextlib.contextmanager
def running_server(db_path: Path, tmp_path_factory):
    """A real Datasette on `db_path`, started the way `gidr-etl serve` starts it, on a free port."""
    from gidr_etl.serving import server as serve

    port = free_port()
    cmd = serve.command(db_path, port=port, host="127.0.0.1", workdir=tmp_path_factory.mktemp("serve"))
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
                    raise RuntimeError(f"datasette did not start:\n{log.read_text(errors='replace')}") from None
                time.sleep(0.2)
        yield Server(base, db_path)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def report_id(server: Server, stem: str) -> int:
    """The id of the one served report whose source path contains `stem`."""
    rows = server.rows(f"/{DB_NAME}/reports.json", source_path__contains=stem, _col="id")
    assert len(rows) == 1, rows
    return rows[0]["id"]
