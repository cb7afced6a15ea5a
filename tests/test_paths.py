"""Where a file is, as the database keeps it: one absolute, normalised path, whatever folder
`gidr-etl ingest` ran from and however the folder was named (issue #22, defect 4)."""

from __future__ import annotations

import os
import sqlite3

from helpers import SEEDS, cells_of, gold_cells, invoke


def _rows(db, sql):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _files(db) -> list[str]:
    return sorted(p for (p,) in _rows(db, "select path from files"))


def _delete_one_and_prune_from_elsewhere(seed_dir, tmp_path, monkeypatch, db):
    (seed_dir / SEEDS[0].name).unlink()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    return invoke("ingest", seed_dir, "--db", db, "--prune", check=0)


def _expect_the_four_left(seed_dir, db, proc):
    assert "pruned: 1 files no longer there, 1 reports removed" in proc.stdout, proc.stdout
    assert _files(db) == sorted(str(seed_dir / s.name) for s in SEEDS[1:])  # one row each, absolute
    assert _rows(db, "select count(*) from reports") == [(4,)]
    for seed in SEEDS[1:]:
        assert cells_of(db, seed.name) == gold_cells(seed.name)


def test_a_folder_named_from_another_folder_is_the_same_folder(seed_dir, tmp_path, monkeypatch):
    db = tmp_path / "g.db"
    monkeypatch.chdir(tmp_path)
    invoke("ingest", "seeds", "--db", db, check=0)  # relative, from the folder above it
    assert _files(db) == sorted(str(seed_dir / s.name) for s in SEEDS)
    proc = _delete_one_and_prune_from_elsewhere(seed_dir, tmp_path, monkeypatch, db)
    _expect_the_four_left(seed_dir, db, proc)


def test_a_dotted_or_doubled_name_is_the_same_folder(seed_dir, tmp_path, monkeypatch):
    db = tmp_path / "g.db"
    (tmp_path / "elsewhere").mkdir()
    invoke("ingest", f"{tmp_path}//elsewhere/../seeds/", "--db", db, check=0)
    assert _files(db) == sorted(str(seed_dir / s.name) for s in SEEDS)
    proc = invoke("ingest", seed_dir, "--db", db, check=0)
    assert "5 files: 0 reports loaded, 5 unchanged" in proc.stdout
    assert len(_files(db)) == 5


def test_a_database_an_earlier_version_wrote_with_relative_paths_still_prunes(seed_dir, tmp_path, monkeypatch):
    """Before this version, a folder named relatively was stored relatively (to the folder the
    ingest ran from): those rows are taken for the files they name, found by path and content."""
    db = tmp_path / "g.db"
    monkeypatch.chdir(tmp_path)
    invoke("ingest", "seeds", "--db", db, check=0)
    con = sqlite3.connect(db)
    for table, column in (("files", "path"), ("reports", "source_path")):
        for (path,) in con.execute(f"select {column} from {table}").fetchall():
            relative = os.path.relpath(path, tmp_path) if os.path.isabs(path) else path
            con.execute(f"update {table} set {column} = ? where {column} = ?", [relative, path])
    con.execute("update files set path_bytes = cast(path as blob)")
    con.commit()
    con.close()
    assert _files(db) == sorted(f"seeds/{s.name}" for s in SEEDS)
    proc = _delete_one_and_prune_from_elsewhere(seed_dir, tmp_path, monkeypatch, db)
    _expect_the_four_left(seed_dir, db, proc)
    sources = sorted(p for (p,) in _rows(db, "select source_path from reports"))
    assert sources == sorted(str(seed_dir / s.name) for s in SEEDS[1:])
