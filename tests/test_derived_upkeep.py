"""Derived tables kept up to date per batch equal the same tables derived from scratch.

A sequence of ingests, replacements and prunes on real reports; after each, the
database as the incremental upkeep (database/derived.py) left it is compared with a
copy of it whose derived tables are all made again: same agency keys, copies,
findings, pivots, search rows and search hits.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import SAMPLES, SEEDS
from test_chains import HONGZE_2023, HONGZE_2024, _broken_2024

from gidr_etl.database import derived, search
from gidr_etl.database.load import open_db
from gidr_etl.ingest import pipeline

# What the upkeep maintains, each as sorted rows.
DERIVED = {
    "keys": "select id, agency_key, duplicate_of from reports",
    "findings": "select report_id, rule, severity, section, row, col, message from findings",
    "requests_wide": "select * from requests_wide",
    "appeals_wide": "select * from appeals_wide",
    "report_summary": "select * from report_summary",
    "compliance": "select * from compliance",  # evaluators' scorecard (issue 25)
    "sections_fts": "select rowid, report_id, part, heading, text from sections_fts",
    "reports_fts": "select rowid, title, agency from reports_fts",
    "agency_tails": "select tail, name from agency_tails",
}
WORDS = ("政府信息公开", "洪泽区", "行政复议", "依申请公开", "淮安市洪泽区人民政府")


def _state(db: Path) -> dict:
    conn = sqlite3.connect(db)
    search.register(conn)
    try:
        out = {name: sorted(conn.execute(sql).fetchall(), key=repr) for name, sql in DERIVED.items()}
        for word in WORDS:
            out[f"search {word}"] = sorted(
                conn.execute(
                    "select rowid from sections_fts where sections_fts match gidr_search_text(?)", [word]
                ).fetchall()
            )
        return out
    finally:
        conn.close()


def _from_scratch(db: Path, tmp: Path) -> dict:
    copy = tmp / "scratch.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    shutil.copy(db, copy)
    conn = open_db(copy)
    conn.execute("delete from derived_state")
    assert derived.refresh(conn) == "all"
    conn.conn.close()
    return _state(copy)


@pytest.fixture
def ingest(tmp_path, monkeypatch):
    """ingest(*paths, prune=False) → what refresh did; the incremental path taken whenever it can be."""
    monkeypatch.setattr(derived, "FULL_SHARE", 100)
    done = []
    monkeypatch.setattr(pipeline, "refresh", lambda db: done.append(derived.refresh(db)) or done[-1])
    db = tmp_path / "g.db"

    def run(*paths, prune=False):
        pipeline.ingest(list(paths), db, workers=1, prune_missing=prune)
        assert _state(db) == _from_scratch(db, tmp_path)
        return done[-1]

    run.db = db
    return run


def _rows(db, sql):
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


PINGTAN = SAMPLES / "pingtan_zonghe_shiyanqu_2021.txt"
FICTION = "select agency_key from reports where agency = '虚构区人民政府'"
HONGZE_CHAINS = (
    "select f.* from findings f join reports r on r.id = f.report_id"
    " where f.rule like 'chain%' and r.agency like '%洪泽%'"
)


def _fictional(path: Path, name: str, year: int) -> Path:
    """Pingtan's report under an agency no gazetteer places, so its key follows the name rule."""
    text = PINGTAN.read_text("utf-8").replace("平潭综合实验区", name).replace("2021", str(year))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


@pytest.mark.slow
def test_incremental_upkeep_equals_deriving_everything(ingest, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for seed in SEEDS:
        shutil.copy(seed, folder)
    shutil.copy(HONGZE_2023, folder)
    shutil.copy(PINGTAN, folder)
    _fictional(folder / "fiction_2021.txt", "虚构区人民政府", 2021)
    assert ingest(folder) == "all"  # a new database
    short_key = _rows(ingest.db, FICTION)
    placed = _rows(ingest.db, "select agency_key from reports where year = 2023 and agency like '%洪泽%'")

    # Fuller names arrive: the unplaced short name is re-keyed; the placed Hongze keeps its key
    # (its place decides it, whatever the spelling); the broken chain is found.
    _broken_2024(folder / "later")
    _fictional(folder / "later" / "fiction_2022.txt", "某某市虚构区人民政府", 2022)
    assert ingest(folder) == "changed"
    assert _rows(ingest.db, FICTION) == [("某某市虚构区人民政府",)] != short_key
    assert _rows(ingest.db, "select agency_key from reports where year = 2024 and agency like '%洪泽%'") == placed
    assert len(_rows(ingest.db, HONGZE_CHAINS)) == 2

    # A second printing of 2023 (other bytes, same cells) is a copy; a no-op touches nothing.
    copy = folder / "copy" / "hongze_2023_web.txt"
    copy.parent.mkdir()
    copy.write_text(HONGZE_2023.read_text("utf-8") + "\n（网页版）\n", "utf-8")
    assert ingest(folder) == "changed"
    assert len(_rows(ingest.db, "select * from reports where duplicate_of is not null")) == 1
    assert ingest(folder) == "nothing"

    # The broken 2024 replaced by the real one: the chain findings go, in the transaction
    # that replaces it (load.store), which leaves the batch's refresh nothing to do.
    shutil.copy(HONGZE_2024, folder / "later" / HONGZE_2024.name)
    assert ingest(folder) == "nothing"
    assert _rows(ingest.db, HONGZE_CHAINS) == []

    # A seed changes, and 2024 and the copy are deleted: pruned, the short name keyed by itself again.
    seed = folder / SEEDS[1].name
    seed.write_text(seed.read_text("utf-8") + "\n（更正）\n", "utf-8")
    shutil.rmtree(folder / "later")
    copy.unlink()
    assert ingest(folder, prune=True) == "nothing"  # kept up as each report went
    assert _rows(ingest.db, FICTION) == short_key == [("虚构区人民政府",)]
    assert _rows(ingest.db, "select count(*) from changed_reports") == [(0,)]


@pytest.mark.slow
def test_a_batch_changing_most_of_the_database_derives_everything(tmp_path, monkeypatch):
    """FULL_SHARE decides between upkeep and deriving all: a batch at most half the
    database is kept up per report, a larger one derives everything (counted only as far
    as that comparison needs)."""
    done = []
    monkeypatch.setattr(pipeline, "refresh", lambda db: done.append(derived.refresh(db)) or done[-1])
    db = tmp_path / "g.db"

    def batch(name: str, n: int) -> str:
        for i in range(n):
            _fictional(tmp_path / name / f"{i}.txt", f"虚构{name}{i}区人民政府", 2021)
        pipeline.ingest([tmp_path / name], db, workers=1)
        return done[-1]

    assert batch("一", 2) == "all"  # a new database
    assert batch("二", 2) == "changed"  # 2 of 4: half
    assert batch("三", 5) == "all"  # 5 of 9: more than half
    assert batch("四", 1) == "changed"
    assert _state(db) == _from_scratch(db, tmp_path)


def test_a_new_year_two_before_a_report_gives_that_report_a_gap_finding(ingest, tmp_path):
    """year_gaps.update redoes the pivots of the reports whose gap findings changed, though
    no other step touches them: 2020 arriving between 2019 and 2022 leaves one year (2021)
    missing, said on the 2022 report, whose summary row must count it (the fixture compares
    every derived table with deriving everything), and its going takes the finding away."""
    folder = tmp_path / "in"
    for year in (2019, 2022):
        _fictional(folder / f"{year}.txt", "虚构区人民政府", year)
    assert ingest(folder) == "all"
    gap = "select r.year from findings f join reports r on r.id = f.report_id where f.rule = 'year_gap'"
    assert _rows(ingest.db, gap) == []  # two years missing: not said
    _fictional(folder / "2020.txt", "虚构区人民政府", 2020)
    assert ingest(folder) == "changed"
    assert _rows(ingest.db, gap) == [(2022,)]
    (folder / "2020.txt").unlink()
    assert ingest(folder, prune=True) == "nothing"  # kept up as the report went
    assert _rows(ingest.db, gap) == []
