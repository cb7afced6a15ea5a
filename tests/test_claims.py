"""Claims between two ingests of one database (gidr_etl/ingest/claims.py)."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys

import pytest
from helpers import SEEDS

from gidr_etl.database.load import open_db
from gidr_etl.ingest import claims
from gidr_etl.ingest.pipeline import ingest


def test_a_failed_file_is_let_go_at_once_the_rest_at_the_end(tmp_path):
    db = open_db(tmp_path / "g.db")
    assert claims.claim(db, ["a", "b", "c"]) == set()
    claims.release(db, "b")  # b failed here: another ingest waiting for it need not wait longer
    held = {sha for (sha,) in db.conn.execute("select sha256 from claims")}
    assert held == {"a", "c"}
    claims.release(db)  # the batch is done
    assert db.conn.execute("select count(*) from claims").fetchone() == (0,)


def _claiming(db_path, shas: list[str]) -> subprocess.Popen:
    """Another ingest, as far as claims go: a process that claimed `shas` and is still reading."""
    code = (
        "import sys, time\n"
        "from gidr_etl.database.load import open_db\n"
        "from gidr_etl.ingest import claims\n"
        "claims.claim(open_db(sys.argv[1]), sys.argv[2:])\n"
        "print('claimed', flush=True)\n"
        "time.sleep(600)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(db_path), *shas], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "claimed"
    return proc


def _killed(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)  # what `kill -9` of an ingest does
    proc.wait()
    assert proc.stdout is not None
    proc.stdout.close()


def test_content_a_live_ingest_claimed_is_left_to_it_and_a_dead_ones_taken_over(tmp_path):
    db = open_db(tmp_path / "g.db")
    other = _claiming(tmp_path / "g.db", ["x"])
    try:
        assert claims.claim(db, ["x", "y"]) == {"x"}
    finally:
        _killed(other)
    assert claims.wait_for(db, {"x"}) == {"x": False}  # its holder died: read it here
    assert claims.claim(db, ["x"]) == set()
    assert db.conn.execute("select pid from claims where sha256 = 'x'").fetchone() == (os.getpid(),)


@pytest.mark.slow
def test_the_claims_of_a_killed_ingest_are_cleaned_by_the_next(seed_dir, tmp_path):
    """A kill -9 leaves its claims behind; the next ingest, whatever it reads, removes them."""
    db_path = tmp_path / "g.db"
    read_here = hashlib.sha256((seed_dir / SEEDS[0].name).read_bytes()).hexdigest()
    _killed(_claiming(db_path, [read_here, "0" * 64, "1" * 64]))
    assert _claims(db_path) == 3
    summary = ingest([seed_dir], db_path, workers=1)
    assert summary.reports == len(SEEDS) and not summary.failed
    assert _claims(db_path) == 0  # as a fresh build has


@pytest.mark.slow
def test_a_claim_whose_process_id_was_reused_is_stale(seed_dir, tmp_path):
    """The id of a killed ingest, given to another process: the claim is not that process's."""
    db_path = tmp_path / "g.db"
    sha = hashlib.sha256((seed_dir / SEEDS[0].name).read_bytes()).hexdigest()
    _killed(_claiming(db_path, [sha]))
    con = sqlite3.connect(db_path)
    con.execute("update claims set pid = ?", [os.getppid()])  # alive, and no ingest
    con.commit()
    con.close()
    db = open_db(db_path)
    assert claims.claim(db, [sha]) == set()  # taken over, not waited for
    claims.release(db)
    db.conn.close()
    _killed(_claiming(db_path, [sha]))
    con = sqlite3.connect(db_path)
    con.execute("update claims set pid = ?", [os.getppid()])
    con.commit()
    con.close()
    summary = ingest([seed_dir], db_path, workers=1)  # before: waited for ever
    assert summary.reports == len(SEEDS) and not summary.failed
    assert _claims(db_path) == 0


def _claims(db_path) -> int:
    con = sqlite3.connect(db_path)
    try:
        return con.execute("select count(*) from claims").fetchone()[0]
    finally:
        con.close()


def test_an_earlier_versions_claims_table_gains_the_start_time_and_loses_its_stale_rows(tmp_path):
    db = open_db(tmp_path / "g.db")
    db.conn.execute("create table claims (sha256 text primary key, pid integer, host text, claimed_at real)")
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    db.conn.execute("insert into claims values ('x', ?, ?, 0)", [gone.pid, claims._HOST])
    assert claims.claim(db, ["y"]) == set()
    assert db.conn.execute("select sha256, pid, started is not null from claims").fetchall() == [("y", os.getpid(), 1)]
