"""Hostile and awkward input in one batch: every file costs at most its own one-line error.

The batch of issue #16: the seeds, a PDF decompression bomb, a crawler dump with a
30,000-digit run, 10,000 nested HTML tables and a file name that is not UTF-8. The
hostile files are made here from the real samples.
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import zlib
from pathlib import Path

import pytest
from helpers import SAMPLES, SEEDS, cells_of, gold_cells, invoke, run_cli

PINGTAN = SAMPLES / "pingtan_zonghe_shiyanqu_2021.txt"
NON_UTF8 = b"\xb1\xa8\xb8\xe6.txt"  # 报告.txt in GBK


def pdf_bomb(path: Path, inflated_mb: int = 1024) -> Path:
    """A valid one-page PDF whose 2.6 MB content stream inflates to `inflated_mb` MB of operators."""
    chunk = b"0 0 m 100 100 l S\n" * 58254
    co = zlib.compressobj(9)
    data = b"".join([co.compress(chunk) for _ in range(inflated_mb)] + [co.flush()])
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def long_run_dump(path: Path, digits: int = 30_000) -> Path:
    """The Pingtan crawler dump with its first table row replaced by a run of random digits."""
    rng = random.Random(16)
    text = PINGTAN.read_text("utf-8")
    assert "640020470" in text
    path.write_text(text.replace("640020470", "".join(rng.choice("0123456789") for _ in range(digits)), 1), "utf-8")
    return path


def nested_html(path: Path, depth: int = 10_000) -> Path:
    path.write_text("<html><body>" + "<table><tr><td>x" * depth + "</td></tr></table>" * depth + "</body></html>")
    return path


@pytest.mark.slow
def test_a_hostile_batch_costs_each_file_one_line(tmp_path):
    batch = tmp_path / "batch"
    batch.mkdir()
    for seed in SEEDS[:4]:
        shutil.copy(seed, batch / seed.name)
    shutil.copy(SEEDS[4], os.fsdecode(os.fsencode(batch) + b"/" + NON_UTF8))
    pdf_bomb(batch / "bomb.pdf")
    long_run_dump(batch / "long_run.txt")
    nested_html(batch / "nested.html")
    db = tmp_path / "g.db"
    # A guard, not a speed target: a batch that hangs must fail the test, not CI.
    proc = run_cli("ingest", batch, "--db", db, "--workers", "2", timeout=600)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    errors = [line for line in proc.stderr.splitlines() if line.strip()]
    assert sorted(Path(line.split(":")[0]).name for line in errors) == ["bomb.pdf", "nested.html"], errors
    con = sqlite3.connect(db)
    files = {Path(p).name: (bytes(b), s) for p, b, s in con.execute("select path, path_bytes, status from files")}
    assert files["bomb.pdf"][1] == files["nested.html"][1] == "failed"
    assert files["long_run.txt"][1] == "ok"  # loaded: the run's cells NULL, the rest read
    (shown,) = [name for name in files if name.endswith(".txt") and "\\x" in name]
    assert shown == "\\xb1\\xa8\\xb8\\xe6.txt" and files[shown] == (os.fsencode(batch) + b"/" + NON_UTF8, "ok")
    for seed in SEEDS:
        name = seed.name if seed in SEEDS[:4] else shown
        assert cells_of(db, name) == gold_cells(seed.name), seed.name
    long_run = cells_of(db, "long_run.txt")
    pingtan = gold_cells(PINGTAN.name)
    assert all(v is None or v == pingtan[k] for k, v in long_run.items())  # never a wrong number


@pytest.mark.slow
def test_a_file_past_its_limits_is_recorded_and_the_batch_goes_on(tmp_path):
    batch = tmp_path / "batch"
    batch.mkdir()
    shutil.copy(SEEDS[0], batch)
    pdf_bomb(batch / "bomb.pdf", inflated_mb=256)
    proc = run_cli("ingest", batch, "--db", tmp_path / "g.db", "--workers", "1", "--max-memory", "64", timeout=600)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith(str(batch / "bomb.pdf")) and "memory" in line.lower(), line
    assert cells_of(tmp_path / "g.db", SEEDS[0].name) == gold_cells(SEEDS[0].name)


def test_the_time_limit_stops_a_slow_file(tmp_path):
    from gidr_etl.ingest.pipeline import process_file

    slow = long_run_dump(tmp_path / "slow.txt", digits=200_000)
    out = process_file(str(slow), seconds=0.05)
    assert out.status == "failed" and out.error.startswith("timeout"), out.error
    assert process_file(str(SEEDS[0]), seconds=0.05 * 100).status == "ok"


def test_identical_files_are_one_report_and_said_so(tmp_path):
    batch = tmp_path / "batch"
    batch.mkdir()
    for n in range(40):
        shutil.copy(SEEDS[1], batch / f"copy{n:02}.txt")
    proc = invoke("ingest", batch, "--db", tmp_path / "g.db", check=0)
    assert "1 reports loaded, 39 same content as another file" in proc.stdout
    con = sqlite3.connect(tmp_path / "g.db")
    assert con.execute("select count(*), count(distinct report_id) from files").fetchone() == (40, 1)


def test_quiet_prints_the_summary_line_only(tmp_path):
    batch = tmp_path / "batch"
    batch.mkdir()
    shutil.copy(SEEDS[0], batch)
    (batch / "junk.pdf").write_bytes(b"%PDF-1.4 junk")
    proc = invoke("ingest", batch, "--db", tmp_path / "g.db", "-q", check=1)
    assert proc.stderr == "" and len(proc.stdout.strip().splitlines()) == 1 and "1 failed" in proc.stdout


@pytest.mark.slow
def test_bad_usage_is_one_line_and_exit_2(tmp_path):
    other = tmp_path / "other.db"
    con = sqlite3.connect(other)
    con.execute("create table notes (text)")
    con.commit()
    con.close()
    (tmp_path / "text.db").write_text("not a database")
    for args in (
        ["ingest", SEEDS[0], "--db", tmp_path / "missing" / "g.db"],
        ["ingest", SEEDS[0], "--db", tmp_path / "text.db"],
        ["ingest", SEEDS[0], "--db", other],
        ["serve", other],
        ["serve", tmp_path / "text.db"],
    ):
        proc = run_cli(*args, check=2)
        assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert sqlite3.connect(other).execute("select name from sqlite_master").fetchall() == [("notes",)]


@pytest.mark.slow
def test_prune_forgets_the_reports_of_deleted_files(tmp_path):
    batch = tmp_path / "batch"
    batch.mkdir()
    for seed in SEEDS[:3]:
        shutil.copy(seed, batch)
    shutil.copy(SEEDS[0], batch / "again.txt")  # the same content under a second name
    db = tmp_path / "g.db"
    run_cli("ingest", batch, "--db", db, check=0)
    (batch / SEEDS[0].name).unlink()
    (batch / SEEDS[1].name).unlink()
    proc = run_cli("ingest", batch, "--db", db, "--prune", check=0)
    assert "pruned: 2 files no longer there, 1 reports removed" in proc.stdout
    con = sqlite3.connect(db)
    assert con.execute("select count(*) from reports").fetchone() == (2,)  # SEEDS[0] lives on in again.txt
    assert cells_of(db, "again.txt") == gold_cells(SEEDS[0].name)
