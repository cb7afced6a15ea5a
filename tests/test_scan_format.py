"""Scanned reports (image-only PDFs) read by OCR: made from the project's own PDFs by
tests/scans.py (tilt, blur, grain, JPEG, a red seal), scored against the same gold.

OCR is slow on 2 cores, so CI reads one real report; bench/ocr.py reads
them all and scores them.
"""

from __future__ import annotations

import re
import sqlite3

import pytest
from helpers import GOLD, SAMPLES, run_cli, score

pytest.importorskip("rapidocr_onnxruntime", reason="OCR extra not installed: pip install gidr-etl[ocr]")

from scans import make_scan  # noqa: E402


def _check(db, gold_dir, name, min_right, *options) -> str:
    """The scorer's line for `name`: no wrong number, at least min_right of the cells right."""
    proc = score(db, gold_dir, *options)
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith(name))
    m = re.search(r"cells (\d+)/(\d+)(?: \((\d+) wrong)?", line)
    right, total, wrong = int(m[1]), int(m[2]), int(m[3] or 0)
    assert wrong == 0, proc.stdout  # no wrong number, ever
    assert right >= min_right * total, proc.stdout
    con = sqlite3.connect(db)
    # Every value read from the image carries its recognition confidence (inferred ones are not read).
    assert (
        con.execute(
            "select count(*) from cells where value is not null and confidence is null and not inferred"
        ).fetchone()[0]
        == 0
    )
    return line


@pytest.mark.slow
def test_a_scanned_real_report_reads_its_cells_and_metadata(tmp_path):
    scan = make_scan(SAMPLES / "hongze_district_gov_2024.pdf", tmp_path / "scans" / "hongze_district_gov_2024.pdf")
    db = tmp_path / "g.db"
    run_cli("ingest", scan, "--db", db, "-q", check=0)
    line = _check(db, GOLD / "realdocs", "hongze_district_gov_2024.pdf", 0.98)
    assert "metadata" not in line, line  # agency, year, publish date read from the page text
    con = sqlite3.connect(db)
    ((fmt, agency, year),) = con.execute("select format, agency, year from reports")
    assert (fmt, year) == ("scan", 2024) and "洪泽" in agency
    # The cell's box on the page, to check the value against the image.
    page, bbox = con.execute(
        "select page, bbox from cells where section = 'requests' and row = 'new' and col = 'total'"
    ).fetchone()
    assert page and len(bbox.split(",")) == 4


@pytest.mark.slow
@pytest.mark.soffice
def test_a_scanned_seed_rendering_reads_its_cells_and_the_agency_under_the_seal(tmp_path):
    from render import render_pdf

    seed = "000_2d55a32003931e6c"
    scan = make_scan(render_pdf(seed, tmp_path / f"{seed}.pdf"), tmp_path / "scans" / f"{seed}.pdf")
    db = tmp_path / "g.db"
    run_cli("ingest", scan, "--db", db, "-q", check=0)
    # Matched to the gold of the seed's .txt source by stem; the seal over the title makes
    # OCR read 连云×行政审北局: the agency is the one the 发布机构 field prints.
    line = _check(db, GOLD / "seeds", seed, 0.95, "--by-stem")
    assert "metadata" not in line, line
