"""The real samples against their gold, through the CLI and the scorer, as the issue's done-when says."""
from conftest import GOLD, score


def test_seeds_are_perfect(samples_db):
    result = score(samples_db, GOLD / "seeds")
    assert result.returncode == 0, result.stdout
    assert "cells 998/998" in result.stdout


def test_real_documents_are_perfect(samples_db):
    result = score(samples_db, GOLD / "realdocs")
    assert result.returncode == 0, result.stdout
