"""The real samples against their gold, through the CLI and the scorer, as the issue's done-when says."""
import sqlite3
from pathlib import Path

from conftest import GOLD, run_cli, score

CONVERTED = Path(__file__).parent / "fixtures" / "converted"


def test_seeds_are_perfect(samples_db):
    result = score(samples_db, GOLD / "seeds")
    assert result.returncode == 0, result.stdout
    assert "cells 998/998" in result.stdout


def test_real_documents_are_perfect(samples_db):
    result = score(samples_db, GOLD / "realdocs")
    assert result.returncode == 0, result.stdout


def test_converted_pdfs_are_perfect(tmp_path):
    db = tmp_path / "gidr.db"
    run_cli("ingest", CONVERTED, "--db", db, check=0)
    result = score(db, GOLD / "converted")
    assert result.returncode == 0, result.stdout
    assert "cells 558/558" in result.stdout and "false alarms 0" in result.stdout
    assert_every_null_is_said(db)


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


def test_every_null_in_the_samples_is_said(samples_db):
    assert_every_null_is_said(samples_db)
