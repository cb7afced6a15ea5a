"""A batch larger than the database loads without the deferred indexes and ends with them."""

from __future__ import annotations

import sqlite3

import pytest
from helpers import SEEDS, cells_of, gold_cells, run_cli

from gidr_etl.database.load import _BULK_MIN_FILES, DEFERRED_INDEXES


def _indexes(db) -> set[str]:
    con = sqlite3.connect(db)
    names = {name for (name,) in con.execute("select name from sqlite_master where type = 'index'")}
    con.close()
    return names


@pytest.mark.slow
def test_a_large_batch_ends_with_every_index_and_the_right_cells(tmp_path):
    batch = tmp_path / "batch"
    batch.mkdir()
    copies = -(-_BULK_MIN_FILES // len(SEEDS))  # enough copies to make a bulk load
    for seed in SEEDS:
        text = seed.read_text("utf-8")
        for i in range(copies):  # each copy differs by a trailing line: its own report
            (batch / f"{seed.stem}_{i}.txt").write_text(f"{text}\n（{i}）\n", "utf-8")
    db = tmp_path / "gidr.db"
    proc = run_cli("ingest", batch, "--db", db, check=0)
    assert f"{copies * len(SEEDS)} reports loaded" in proc.stdout
    assert set(DEFERRED_INDEXES) <= _indexes(db)
    for seed in SEEDS:
        assert cells_of(db, f"{seed.stem}_{copies - 1}.txt") == gold_cells(seed.name)
    # A small batch into the now larger database keeps the indexes as they are.
    (batch / "again.txt").write_text(SEEDS[0].read_text("utf-8") + "\n（again）\n", "utf-8")
    run_cli("ingest", batch / "again.txt", "--db", db, check=0)
    assert set(DEFERRED_INDEXES) <= _indexes(db)
    assert cells_of(db, "again.txt") == gold_cells(SEEDS[0].name)


def test_two_bulk_loads_on_one_database_overlap_safely(tmp_path):
    # Two ingests both loading a large batch into one database: each may find the index
    # already dropped, or already rebuilt, by the other (both raced in the two-writer test).
    from gidr_etl.database.load import bulk, open_db

    path = tmp_path / "gidr.db"
    first, second = open_db(path), open_db(path)
    with bulk(first, _BULK_MIN_FILES):
        assert not set(DEFERRED_INDEXES) & _indexes(path)
        with bulk(second, _BULK_MIN_FILES):  # finds nothing to drop
            pass
        open_db(path).conn.close()  # a third ingest starting meanwhile makes the index again
    assert set(DEFERRED_INDEXES) <= _indexes(path)
