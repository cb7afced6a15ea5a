"""Scans as they arrive from offices: pages fed sideways or upside down, a duplex scan with
every other page upside down, a phone photo of a table page tagged 72 dpi, a single table
page without the report's title. Made from the repository's real PDFs by tests/scans.py and
scored against tests/gold: no wrong number, at least 98% of the cells right.

Each OCR test keeps only the pages it needs (a report's tables are on pages 1–4 of 5).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from helpers import GOLD, SAMPLES, run_cli

pytest.importorskip("rapidocr_onnxruntime", reason="OCR extra not installed: pip install gidr-etl[ocr]")

from scans import make_scan  # noqa: E402
from test_scan_format import _check  # noqa: E402

HONGZE_2024 = SAMPLES / "hongze_district_gov_2024.pdf"
# Page 3 of the 2024 report: the active table's last two sections (第二十条第（六）（八）项)
# and the requests table down to （四）无法提供, under no title: the report's name, agency
# and year are on page 1.
TABLE_PAGE = 3


def _ingest(path: Path, db: Path) -> sqlite3.Connection:
    run_cli("ingest", path, "--db", db, "-q", check=0)
    return sqlite3.connect(db)


def _pages_pdf(pdf: Path, pages: list[int], out: Path) -> Path:
    """A text-layer PDF of only these pages of `pdf` (as a PDF printer's page range makes it)."""
    import pypdfium2 as pdfium

    src, new = pdfium.PdfDocument(str(pdf)), pdfium.PdfDocument.new()
    try:
        new.import_pages(src, [n - 1 for n in pages])
        new.save(str(out))
    finally:
        new.close()
        src.close()
    return out


def _page_cells(tmp_path: Path, page: int) -> list[list]:
    """The gold cells [section, row, col, value] of hongze 2024 that the whole report's
    text layer places on `page` (their values are gold's)."""
    con = _ingest(HONGZE_2024, tmp_path / "whole.db")
    on_page = set(con.execute("select section, row, col from cells where page = ? and not inferred", (page,)))
    gold = json.loads((GOLD / "realdocs" / HONGZE_2024.with_suffix(".json").name).read_text(encoding="utf-8"))
    cells = [c for c in gold["cells"] if tuple(c[:3]) in on_page]
    assert len(cells) >= 80  # the page's tables: 2 + 1 cells of the active table, 13 rows × 7 of requests
    return cells


def _page_gold(tmp_path: Path, page: int, source: str) -> Path:
    """A gold folder for a file holding one page of hongze 2024 (_page_cells), under
    `source`; metadata not scored (the page does not print it)."""
    gold = json.loads((GOLD / "realdocs" / HONGZE_2024.with_suffix(".json").name).read_text(encoding="utf-8"))
    cells = _page_cells(tmp_path, page)
    folder = tmp_path / "page_gold"
    folder.mkdir()
    subset = {"source": source, "metadata": dict.fromkeys(gold["metadata"]), "cells": cells, "findings": []}
    (folder / "page.json").write_text(json.dumps(subset, ensure_ascii=False), encoding="utf-8")
    return folder


def _missing_metadata(con: sqlite3.Connection) -> set[str]:
    return {col for (col,) in con.execute("select col from findings where rule = 'metadata_missing'")}


def test_a_table_page_without_the_report_title_is_read_from_its_text_layer(tmp_path):
    """A PDF of the report's table page alone: its tables make it a report; what it does not
    print (title, agency, year) is a finding, not a rejection."""
    page = _pages_pdf(HONGZE_2024, [TABLE_PAGE], tmp_path / "table_page.pdf")
    con = _ingest(page, tmp_path / "g.db")
    got = {(s, r, c): v for s, r, c, v in con.execute("select section, row, col, value from cells")}
    assert [c for c in _page_cells(tmp_path, TABLE_PAGE) if got.get(tuple(c[:3])) != c[3]] == []
    ((agency, year),) = con.execute("select agency, year from reports")
    assert (agency, year) == (None, None)
    assert _missing_metadata(con) >= {"title", "agency", "year"}
    # The page begins inside the active table, at 第二十条第（六）项: its sections are read too.
    assert con.execute("select value from cells where section = 'art20_6' and row = 'penalties'").fetchone() == (2776,)


@pytest.mark.slow
def test_pages_turned_every_way_are_read_upright(tmp_path):
    """Pages 1–4 (every table) of a real report scanned sideways one way, upside down,
    sideways the other way and upright: the metadata from the sideways title page, the
    tables from the others."""
    scan = make_scan(
        HONGZE_2024, tmp_path / "scans" / HONGZE_2024.name, pages=[1, 2, 3, 4], rotations=[90, 180, 270, 0]
    )
    con = _ingest(scan, tmp_path / "g.db")
    line = _check(tmp_path / "g.db", GOLD / "realdocs", HONGZE_2024.name, 0.98)
    assert "metadata" not in line, line
    ((agency, year, template),) = con.execute("select agency, year, template from reports")
    assert ("洪泽" in agency, year, template) == (True, 2024, "2021")
    # Every turned page gave cells (page 1 holds none: the title and the prose).
    pages = {p for (p,) in con.execute("select distinct page from cells where value is not null and page is not null")}
    assert pages >= {2, 3, 4}


@pytest.mark.slow
def test_a_duplex_scan_with_every_other_page_upside_down_is_read(tmp_path):
    """The 2023 report's pages 1–4 as a duplex scanner that flips the sheet the wrong way
    makes them: pages 2 and 4 upside down."""
    pdf = SAMPLES / "hongze_district_gov_2023.pdf"
    scan = make_scan(pdf, tmp_path / "scans" / pdf.name, pages=[1, 2, 3, 4], rotations="duplex")
    con = _ingest(scan, tmp_path / "g.db")
    line = _check(tmp_path / "g.db", GOLD / "realdocs", pdf.name, 0.98)
    assert "metadata" not in line, line
    ((year,),) = con.execute("select year from reports")
    assert year == 2023


@pytest.mark.slow
def test_a_phone_photo_of_a_table_page_tagged_72_dpi_is_read(tmp_path):
    """The table page photographed by a phone on a desk (keystoned, bowed, a shadow across a
    corner), a 3000×4000 JPEG tagged 72 dpi: once rejected as "not a report", then, re-tagged,
    read no number. No title on the page: the missing metadata are findings."""
    photo = make_scan(HONGZE_2024, tmp_path / "photo" / "table_page.jpg", pages=[TABLE_PAGE], phone=True)
    con = _ingest(photo, tmp_path / "g.db")
    _check(tmp_path / "g.db", _page_gold(tmp_path, TABLE_PAGE, photo.name), photo.name, 0.98)
    assert _missing_metadata(con) >= {"title", "agency", "year"}
