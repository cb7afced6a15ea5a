"""Two ingests on one database, interleaved at the worst moment, leave what a fresh build of
the same files holds (issue #22, defects 1, 3 and 5).

The races are made deterministic by pause.HOOK (gidr_etl/database/pause.py): a refresh
calls it where it has read what it will write from, and the test runs another ingest
there, on its own connection. That ingest gives up at once if the first holds the write
lock (then it runs afterwards, as it would have after waiting); if it gets through, the
refresh writes from a read that is out of date, which a correct refresh cannot let happen.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from pathlib import Path

import pytest
from helpers import SEEDS
from test_chains import HONGZE_2023, _broken_2024
from test_derived_upkeep import _fictional

from gidr_etl.database import load, pause
from gidr_etl.ingest import pipeline
from gidr_etl.testing.differential import content, differences


class Killed(BaseException):
    """An ingest stopped dead (kill -9) at a chosen point: nothing after it runs."""


def _ingest(*folders: Path, db: Path, **options) -> None:
    pipeline.ingest(list(folders), db, workers=1, **options)


def _fresh(db: Path, *folders: Path) -> dict:
    """A fresh build of the files now in `folders`, as content."""
    fresh = db.with_name(f"fresh-{db.name}")
    _ingest(*folders, db=fresh)
    return content(fresh)


def _beside(*folders: Path, db: Path, monkeypatch) -> bool:
    """Another ingest of `folders`, run now; False when it had to wait for the write lock
    (it gave up at once, having written nothing)."""
    with monkeypatch.context() as m:
        m.setattr(load, "BUSY_SECONDS", 0.2)
        try:
            _ingest(*folders, db=db)
        except sqlite3.OperationalError as exc:
            assert "locked" in str(exc)
            return False
    return True


def _folder(path: Path, *files: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    for f in files:
        shutil.copy(f, path)
    return path


def _web_copy(source: Path, path: Path) -> Path:
    """The same report printed again (other bytes, the same cells)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source.read_text("utf-8") + "\n（网页版）\n", "utf-8")
    return path


def test_copies_are_recomputed_from_what_is_there_when_they_are_written(tmp_path, monkeypatch):
    """Defect 1a: a full refresh read the reports, another ingest loaded a copy of one and
    marked it, and the refresh then wrote copies from its old read: both counted for good."""
    first = _folder(tmp_path / "in" / "first", SEEDS[0], SEEDS[1])
    later = tmp_path / "in" / "later"
    _web_copy(SEEDS[0], later / "web.txt")
    db = tmp_path / "g.db"
    beside: list = []

    def at(point):
        if point == "copies" and not beside:  # the first ingest's read, not the other's
            beside.append(None)
            beside[0] = _beside(later, db=db, monkeypatch=monkeypatch)

    monkeypatch.setattr(pause, "HOOK", at)
    _ingest(first, db=db)  # a new database: everything derived
    monkeypatch.setattr(pause, "HOOK", None)
    if beside != [True]:
        _ingest(later, db=db)
    assert differences(content(db), _fresh(db, tmp_path / "in")) == []


@pytest.mark.slow
def test_change_notes_of_another_ingest_are_never_dropped_unread(tmp_path, monkeypatch):
    """Defect 1b: a full refresh dropped the change notes numbered up to the last it had
    seen; meanwhile another refresh emptied the table, numbering restarted, and a third
    ingest's notes (it was killed before its own refresh) went unprocessed: its report
    kept no agency key for good."""
    first = _folder(tmp_path / "in" / "first", SEEDS[0], SEEDS[1])
    second = _folder(tmp_path / "in" / "second", SEEDS[2])
    third = tmp_path / "in" / "third"
    _fictional(third / "fiction.txt", "虚构区人民政府", 2021)  # unplaced: keyed by the refresh
    db = tmp_path / "g.db"
    stage = ["first"]

    def at(point):
        if point == "copies" and stage[0] == "first":
            stage[0] = "others"
            _beside(second, db=db, monkeypatch=monkeypatch) or stage.append("second waited")
            stage[0] = "third"
            with contextlib.suppress(Killed):  # killed after loading, before its refresh
                _beside(third, db=db, monkeypatch=monkeypatch) or stage.append("third waited")
            stage[0] = "done"
        elif point == "notes" and stage[0] == "third":
            raise Killed

    monkeypatch.setattr(pause, "HOOK", at)
    _ingest(first, db=db)
    if "second waited" in stage:
        _ingest(second, db=db)
    if "third waited" in stage:
        stage[0] = "third"
        with pytest.raises(Killed):
            _ingest(third, db=db)
    monkeypatch.setattr(pause, "HOOK", None)
    _ingest(tmp_path / "in", db=db)  # the next ingest: nothing new to read
    assert differences(content(db), _fresh(db, tmp_path / "in")) == []


@pytest.mark.slow
def test_the_counted_copy_does_not_depend_on_load_order(tmp_path):
    """Defect 3: copies that tie on cells read and errors were decided by row id, so the
    one loaded first counted; a year-chain message listed the earlier year's values in
    row-id order."""
    folder = tmp_path / "in"
    _web_copy(SEEDS[0], folder / "z_web.txt")
    _ingest(folder, db=(db := tmp_path / "g.db"))
    shutil.copy(SEEDS[0], folder / "a.txt")  # a fresh build loads it first
    _ingest(folder, db=db)

    # Two printings of Hongze 2023 that differ in what was in force; 2024 chains with neither.
    hongze = tmp_path / "hongze"
    other = hongze / "2023_other.txt"
    other.parent.mkdir()
    text = HONGZE_2023.read_text("utf-8")
    assert "行政规范性文件          0          5       5" in text
    other.write_text(
        text.replace("行政规范性文件          0          5       5", "行政规范性文件          0          5       9")
    )
    _broken_2024(hongze)
    _ingest(hongze, db=(chained := tmp_path / "chained.db"))
    shutil.copy(HONGZE_2023, hongze / "2023.txt")
    _ingest(hongze, db=chained)
    assert differences(content(db), _fresh(db, folder)) == []
    assert differences(content(chained), _fresh(chained, hongze)) == []


@pytest.mark.slow
@pytest.mark.parametrize("how", ["force", "reprocess_outdated"])
def test_a_reread_report_is_replaced_with_its_derived_rows_at_once(how, tmp_path):
    """Defect 5: while --force re-read a batch, each re-read report was out of the search
    index and its copies counted twice until the batch's end, and for good after a kill.
    --reprocess-outdated after an upgrade: the derived tables were made by the older version."""
    folder = _folder(tmp_path / "in", *SEEDS)
    _web_copy(SEEDS[0], folder / "web.txt")
    db = tmp_path / "g.db"
    _ingest(folder, db=db)
    before = content(db)
    if how == "reprocess_outdated":
        conn = sqlite3.connect(db, isolation_level=None)
        conn.execute("update reports set extractor_version = '0-older'")
        conn.execute("update derived_state set value = 'older' where name = 'digest'")
        conn.close()
    seen = []

    def reader_looks(outcome):
        seen.append(differences(content(db), before))
        if len(seen) == 3:
            raise Killed  # kill -9 in the middle of the batch

    with pytest.raises(Killed):
        _ingest(folder, db=db, progress=reader_looks, **{how: True})
    assert seen == [[], [], []]
    assert differences(content(db), before) == []
