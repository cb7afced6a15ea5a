"""The real samples against their gold, through the CLI and the scorer, as the issue's done-when says."""

from pathlib import Path

from helpers import GOLD, assert_every_null_is_said, invoke, score

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
    invoke("ingest", CONVERTED, "--db", db, check=0)
    result = score(db, GOLD / "converted")
    assert result.returncode == 0, result.stdout
    assert "cells 558/558" in result.stdout and "false alarms 0" in result.stdout
    assert_every_null_is_said(db)


def test_every_null_in_the_samples_is_said(samples_db):
    assert_every_null_is_said(samples_db)
