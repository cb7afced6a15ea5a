"""The ingest command as users run it: summary, exit codes, re-ingest, workers, plugins."""

import json
import shutil
import sqlite3

from helpers import SEEDS, cells_of, invoke


def _count(db, sql):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def test_ingest_loads_every_seed_and_summarises(seed_dir, tmp_path):
    db = tmp_path / "g.db"
    proc = invoke("ingest", seed_dir, "--db", db, check=0)
    assert "5 files: 5 reports loaded" in proc.stdout
    assert "0 failed" in proc.stdout
    assert _count(db, "select count(*) from reports") == 5
    assert _count(db, "select count(*) from cells") == 4 * 200 + 198
    assert _count(db, "select count(*) from files where status = 'ok'") == 5


def test_a_bad_file_fails_alone_with_exit_1(seed_dir, tmp_path):
    (seed_dir / "notice.txt").write_text("关于开展春季植树活动的通知\n各单位：请于3月12日前报名。\n", "utf-8")
    (seed_dir / "empty.txt").write_bytes(b"")
    (seed_dir / "blob.txt").write_bytes(bytes(range(256)) * 40)
    db = tmp_path / "g.db"
    proc = invoke("ingest", seed_dir, "--db", db, check=1)
    assert _count(db, "select count(*) from reports") == 5
    errors = dict(sqlite3.connect(db).execute("select path, error from files where status = 'failed'"))
    assert len(errors) == 3
    by_name = {k.rsplit("/", 1)[-1]: v for k, v in errors.items()}
    assert "empty" in by_name["empty.txt"]
    assert "binary" in by_name["blob.txt"]
    assert "not a 政府信息公开工作年度报告" in by_name["notice.txt"]
    # one line per failure on stderr, naming the file
    for name in by_name:
        assert any(line.startswith(str(seed_dir / name) + ": ") for line in proc.stderr.splitlines())


def test_bad_usage_exits_2(tmp_path):
    assert invoke("ingest", tmp_path / "does-not-exist").returncode == 2
    assert invoke("ingest").returncode == 2


def test_reingest_replaces_instead_of_duplicating(seed_dir, tmp_path):
    db = tmp_path / "g.db"
    invoke("ingest", seed_dir, "--db", db, check=0)
    proc = invoke("ingest", seed_dir, "--db", db, "--force", check=0)
    assert "5 reports loaded" in proc.stdout
    assert _count(db, "select count(*) from reports") == 5
    assert _count(db, "select count(*) from cells") == 998
    # a moved file is the same report: keyed by content
    moved = tmp_path / "moved"
    moved.mkdir()
    shutil.move(str(seed_dir / SEEDS[1].name), moved / "renamed.txt")
    invoke("ingest", moved, "--db", db, "--force", check=0)
    assert _count(db, "select count(*) from reports") == 5
    assert _count(db, "select count(*) from reports where source_path like '%renamed.txt'") == 1


def test_workers_give_the_same_cells(seed_dir, tmp_path):
    one, two = tmp_path / "one.db", tmp_path / "two.db"
    invoke("ingest", seed_dir, "--db", one, check=0)
    invoke("ingest", seed_dir, "--db", two, "--workers", "2", check=0)
    for seed in SEEDS:
        assert cells_of(one, seed.name) == cells_of(two, seed.name)


def test_plugins_lists_the_builtin_formats():
    rows = json.loads(invoke("plugins", "--json", check=0).stdout)
    formats = {f for row in rows for f in row["formats"]}
    assert {"txt", "html", "docx", "pdf"} <= formats
    assert all(not row.get("error") for row in rows)
    text = invoke("plugins", check=0).stdout
    assert "gidr_etl.formats.txt" in text and "register_formats" in text
