"""Claims between two ingests of one database (gidr_etl/ingest/claims.py)."""

from __future__ import annotations

import os
import subprocess
import sys

from gidr_etl.database.load import open_db
from gidr_etl.ingest import claims


def test_a_failed_file_is_let_go_at_once_the_rest_at_the_end(tmp_path):
    db = open_db(tmp_path / "g.db")
    assert claims.claim(db, ["a", "b", "c"]) == set()
    claims.release(db, "b")  # b failed here: another ingest waiting for it need not wait longer
    held = {sha for (sha,) in db.conn.execute("select sha256 from claims")}
    assert held == {"a", "c"}
    claims.release(db)  # the batch is done
    assert db.conn.execute("select count(*) from claims").fetchone() == (0,)


def test_content_a_live_ingest_claimed_is_left_to_it_and_a_dead_ones_taken_over(tmp_path):
    db = open_db(tmp_path / "g.db")
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        db.conn.execute(claims.SCHEMA)
        db.conn.execute("insert into claims values ('x', ?, ?, 0)", [other.pid, claims._HOST])
        assert claims.claim(db, ["x", "y"]) == {"x"}
    finally:
        other.kill()
        other.wait()
    assert claims.wait_for(db, {"x"}) == {"x": False}  # its holder died: read it here
    assert claims.claim(db, ["x"]) == set()
    assert db.conn.execute("select pid from claims where sha256 = 'x'").fetchone() == (os.getpid(),)
