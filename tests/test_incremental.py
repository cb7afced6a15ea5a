"""Re-running ingest: what is skipped, re-read, replaced and kept."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest
from helpers import SEEDS, cells_of, gold_cells, invoke
from test_derived_upkeep import _fictional

import gidr_etl
from gidr_etl.database import copies
from gidr_etl.ingest import pipeline
from gidr_etl.testing import work


def rows(db, sql, params=()):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_unchanged_files_are_skipped_unread(seed_dir, tmp_path):
    db = tmp_path / "g.db"
    invoke("ingest", seed_dir, "--db", db, check=0)
    before = rows(db, "select * from reports order by id")
    proc = invoke("ingest", seed_dir, "--db", db, check=0)
    assert "5 files: 0 reports loaded, 5 unchanged, 0 failed" in proc.stdout
    assert rows(db, "select * from reports order by id") == before  # not even re-stored
    proc = invoke("ingest", seed_dir, "--db", db, "--force", check=0)
    assert "5 reports loaded, 0 unchanged" in proc.stdout
    assert rows(db, "select count(*) from reports") == [(5,)]


def test_a_changed_file_replaces_its_report(seed_dir, tmp_path):
    db = tmp_path / "g.db"
    invoke("ingest", seed_dir, "--db", db, check=0)
    seed = seed_dir / SEEDS[2].name
    old_sha = sha(seed)
    seed.write_text(seed.read_text("utf-8") + "\n（本报告于次年更正。）\n", "utf-8")
    proc = invoke("ingest", seed_dir, "--db", db, check=0)
    assert "1 reports loaded, 4 unchanged" in proc.stdout
    assert rows(db, "select count(*) from reports where source_sha256 = ?", [old_sha]) == [(0,)]
    assert rows(db, "select source_sha256 from reports where source_path = ?", [str(seed)]) == [(sha(seed),)]
    assert rows(db, "select count(*) from reports") == [(5,)]
    assert rows(db, "select count(*) from cells") == [(998,)]
    assert rows(db, "select count(*) from cells where report_id not in (select id from reports)") == [(0,)]


def test_old_content_another_file_holds_stays(seed_dir, tmp_path):
    db = tmp_path / "g.db"
    seed = seed_dir / SEEDS[0].name
    copy = seed_dir / "copy" / "same.txt"
    copy.parent.mkdir()
    shutil.copy(seed, copy)
    invoke("ingest", seed_dir, "--db", db, check=0)
    old_sha = sha(seed)
    seed.write_text(seed.read_text("utf-8") + "\n（更正）\n", "utf-8")
    invoke("ingest", seed_dir, "--db", db, check=0)
    assert rows(db, "select count(*) from reports") == [(6,)]
    # the old content's report now names the file that still holds it
    assert rows(db, "select source_path from reports where source_sha256 = ?", [old_sha]) == [(str(copy),)]
    assert cells_of(db, "same.txt") == gold_cells(SEEDS[0].name)


def test_a_copy_of_loaded_content_is_recorded_without_reading(seed_dir, tmp_path):
    db = tmp_path / "g.db"
    invoke("ingest", seed_dir, "--db", db, check=0)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(SEEDS[1], elsewhere / "copy.txt")
    proc = invoke("ingest", elsewhere, "--db", db, check=0)
    assert "1 files: 0 reports loaded, 1 unchanged" in proc.stdout
    (report_id,) = rows(db, "select id from reports where source_sha256 = ?", [sha(SEEDS[1])])[0]
    assert rows(db, "select status, report_id from files where path = ?", [str(elsewhere / "copy.txt")]) == [
        ("ok", report_id)
    ]


def test_reprocess_outdated(seed_dir, tmp_path):
    db = tmp_path / "g.db"
    invoke("ingest", seed_dir, "--db", db, check=0)
    # as if two reports had been read by an earlier release
    con = sqlite3.connect(db)
    con.execute("update reports set extractor_version = '0.0.1', cells_read = -1 where id in (1, 2)")
    con.commit()
    con.close()
    proc = invoke("ingest", seed_dir, "--db", db, check=0)
    assert "0 reports loaded, 5 unchanged" in proc.stdout
    assert "2 unchanged files were read by another gidr-etl version: --reprocess-outdated re-reads them" in proc.stdout
    proc = invoke("ingest", seed_dir, "--db", db, "--reprocess-outdated", check=0)
    assert "2 reports loaded, 3 unchanged" in proc.stdout
    assert "another gidr-etl version" not in proc.stdout
    assert rows(db, "select distinct extractor_version from reports") == [(gidr_etl.EXTRACTOR_VERSION,)]
    assert rows(db, "select count(*) from reports where cells_read < 0") == [(0,)]
    assert rows(db, "select count(*) from reports") == [(5,)]


def test_a_failure_loses_no_data(seed_dir, tmp_path):
    db = tmp_path / "g.db"
    invoke("ingest", seed_dir, "--db", db, check=0)
    # the same content failing on a forced re-read keeps what was read before
    proc = invoke("ingest", seed_dir, "--db", db, "--force", "--max-size", "0.001", check=1)
    assert "5 failed" in proc.stdout
    assert rows(db, "select count(*) from reports") == [(5,)]
    assert rows(db, "select count(*) from files where status = 'failed' and report_id is not null") == [(5,)]
    # and the next run finds it loaded
    proc = invoke("ingest", seed_dir, "--db", db, check=0)
    assert "5 unchanged, 0 failed" in proc.stdout
    assert rows(db, "select count(*) from files where status = 'ok' and report_id is not null") == [(5,)]


def test_a_failed_file_is_tried_again(seed_dir, tmp_path):
    db = tmp_path / "g.db"
    invoke("ingest", seed_dir, "--db", db, "--max-size", "0.001", check=1)
    assert rows(db, "select count(*) from reports") == [(0,)]
    proc = invoke("ingest", seed_dir, "--db", db, check=0)
    assert "5 files: 5 reports loaded, 0 unchanged, 0 failed" in proc.stdout


def test_a_file_that_turns_bad_takes_its_report_with_it(seed_dir, tmp_path):
    db = tmp_path / "g.db"
    invoke("ingest", seed_dir, "--db", db, check=0)
    seed = seed_dir / SEEDS[3].name
    seed.write_bytes(b"")
    proc = invoke("ingest", seed_dir, "--db", db, check=1)
    assert f"{seed}: empty file" in proc.stderr
    # the database describes the files as they are: no report of content no file holds
    assert rows(db, "select count(*) from reports") == [(4,)]
    assert rows(db, "select count(*) from reports where source_path = ?", [str(seed)]) == [(0,)]


def test_a_blank_template_stays_a_template_when_copied_or_seen_again(tmp_path):
    """The official blank form is set aside as status `template` (never a failure, never
    `ok`): for a second copy in the same batch and for the file on a re-run."""
    from helpers import SAMPLES

    folder = tmp_path / "in"
    folder.mkdir()
    blank = SAMPLES / "template_2021_blank_govnianbao.docx"
    for name in ("form.docx", "form_copy.docx"):
        shutil.copy(blank, folder / name)
    db = tmp_path / "g.db"
    expected = [("form.docx", "template", None), ("form_copy.docx", "template", None)]
    for _ in ("first run", "re-run"):
        invoke("ingest", folder, "--db", db, check=0)
        files = rows(db, "select path, status, error from files")
        assert sorted((Path(p).name, s, e) for p, s, e in files) == expected
    assert rows(db, "select count(*), sum(is_template) from reports") == [(1, 1)]


@pytest.mark.slow
def test_adding_reports_costs_the_same_however_long_their_agencies_history(tmp_path):
    """Issue #22, defect 8: 10 new reports (next year's, of 10 agencies) added to a database
    holding 2 earlier years of each (20 reports) and to one holding 8 (80 reports) run the
    same SQLite work (virtual-machine instructions, testing/work.py), within 5 %: the
    batch's copies are looked for among its agency-years only (not every year of its
    agencies), its year chains read the year before it only, and the pivots are redone for the reports whose findings changed, not for all of the
    agencies' years. A database grows so, year after year, as well as by other agencies
    (which a batch never reads). At 8 years, before, the ingest ran 2.8x the instructions
    (year gaps redid every year's pivots), and before 3535ba3 the copies' step ran 2.2x
    (every year's reports read)."""
    new = tmp_path / "new"
    for agency in range(10):
        _fictional(new / f"{agency}.txt", f"虚构{agency}区人民政府", 2022)
    steps = {}
    for years in (2, 8):
        held = tmp_path / f"held{years}"
        for agency in range(10):
            for year in range(2022 - years, 2022):
                _fictional(held / f"{agency}_{year}.txt", f"虚构{agency}区人民政府", year)
        db = tmp_path / f"g{years}.db"
        pipeline.ingest([held], db, workers=1)
        assert rows(db, "select count(*) from reports") == [(10 * years,)]
        with work.counted(within=((copies, "update"),)) as counted:
            pipeline.ingest([new], db, workers=1)
        steps[years] = {"ingest": counted["ingest"], "copies": counted["update"]}
        assert rows(db, "select count(*) from reports") == [(10 * years + 10,)]
    ratios = {step: steps[8][step] / steps[2][step] for step in steps[2]}
    assert all(ratio <= 1.05 for ratio in ratios.values()), (ratios, steps)
