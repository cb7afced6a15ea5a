"""Scans as they arrive from offices: pages fed sideways or upside down, a duplex scan with
every other page upside down, a phone photo of a table page tagged 72 dpi, a single table
page without the report's title. Made from the repository's real PDFs and a seed's
rendering by tests/scans.py and scored against tests/gold: no wrong number, at least 98%
of the cells right.

Each OCR test keeps only the pages it needs (a real report's tables are on pages 1–4 of 5).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest
from helpers import GOLD, SAMPLES, run_cli

pytest.importorskip("rapidocr_onnxruntime", reason="OCR extra not installed: pip install gidr-etl[ocr]")

from scans import make_scan, page_gold  # noqa: E402
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


def _page_gold(tmp_path: Path, source: str) -> tuple[Path, list[list]]:
    """The gold folder for a file holding only TABLE_PAGE of hongze 2024, and its cells."""
    folder = tmp_path / "page_gold"
    cells = page_gold(HONGZE_2024, [TABLE_PAGE], GOLD / "realdocs" / f"{HONGZE_2024.stem}.json", source, folder)
    assert len(cells) >= 80  # the page's tables: 2 + 1 cells of the active table, 13 rows × 7 of requests
    return folder, cells


def _missing_metadata(con: sqlite3.Connection) -> set[str]:
    return {col for (col,) in con.execute("select col from findings where rule = 'metadata_missing'")}


@pytest.mark.slow
def test_a_table_page_without_the_report_title_is_read_from_its_text_layer(tmp_path):
    """A PDF of the report's table page alone: its tables make it a report; what it does not
    print (title, agency, year) is a finding, not a rejection."""
    page = _pages_pdf(HONGZE_2024, [TABLE_PAGE], tmp_path / "table_page.pdf")
    con = _ingest(page, tmp_path / "g.db")
    got = {(s, r, c): v for s, r, c, v in con.execute("select section, row, col, value from cells")}
    assert [c for c in _page_gold(tmp_path, page.name)[1] if got.get(tuple(c[:3])) != c[3]] == []
    ((agency, year),) = con.execute("select agency, year from reports")
    assert (agency, year) == (None, None)
    assert _missing_metadata(con) >= {"title", "agency", "year"}
    # The page begins inside the active table, at 第二十条第（六）项: its sections are read too.
    assert con.execute("select value from cells where section = 'art20_6' and row = 'penalties'").fetchone() == (2776,)


@pytest.mark.slow
def test_a_web_page_of_one_table_without_a_title_is_read(tmp_path):
    """The same case as HTML: a page holding only a seed's requests table (as a CMS publishes
    a table on a page of its own), its <title> empty."""
    import re

    from gidr_etl.testing.layout import requests_rows
    from gidr_etl.testing.render import render_html
    from gidr_etl.testing.seeds import gold

    seed = "001_f034b2af3da2120e"
    g = gold(seed)
    page = render_html(None, g=g, blocks=[("table", requests_rows(g))])
    path = tmp_path / "table.html"
    path.write_text(re.sub(r"<title>.*?</title>", "<title></title>", page), encoding="utf-8")
    con = _ingest(path, tmp_path / "g.db")
    got = {(s, r, c): v for s, r, c, v in con.execute("select section, row, col, value from cells")}
    requests = [c for c in g["cells"] if c[0] == "requests" and c[3] is not None]
    assert len(requests) >= 100
    assert [c for c in requests if got.get(tuple(c[:3])) != c[3]] == []
    assert _missing_metadata(con) >= {"title", "agency", "year"}


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
@pytest.mark.soffice
def test_a_duplex_scan_with_every_other_page_upside_down_is_read(tmp_path):
    """A seed's PDF rendering (title and first table on page 1, the rest on page 2) as a
    duplex scanner that flips the sheet the wrong way makes it: page 2 upside down."""
    from render import render_pdf

    seed = "001_f034b2af3da2120e"
    scan = make_scan(render_pdf(seed, tmp_path / f"{seed}.pdf"), tmp_path / "scans" / f"{seed}.pdf", rotations="duplex")
    con = _ingest(scan, tmp_path / "g.db")
    line = _check(tmp_path / "g.db", GOLD / "seeds", seed, 0.98, "--by-stem")
    assert "metadata" not in line, line
    upside_down = con.execute("select count(*) from cells where page = 2 and value is not null").fetchone()[0]
    assert upside_down >= 150  # the requests and appeals tables, read from the turned page


@pytest.mark.slow
def test_a_phone_photo_of_a_table_page_tagged_72_dpi_is_read(tmp_path):
    """The table page photographed by a phone on a desk (keystoned, bowed, a shadow across a
    corner), a 3000×4000 JPEG tagged 72 dpi: once rejected as "not a report", then, re-tagged,
    read no number. No title on the page: the missing metadata are findings."""
    photo = make_scan(HONGZE_2024, tmp_path / "photo" / "table_page.jpg", pages=[TABLE_PAGE], phone=True)
    con = _ingest(photo, tmp_path / "g.db")
    _check(tmp_path / "g.db", _page_gold(tmp_path, photo.name)[0], photo.name, 0.98)
    assert _missing_metadata(con) >= {"title", "agency", "year"}


def _scan_pages(scan: Path) -> list:
    """The pages of an image-only PDF as scan.read_pdf renders them (RGB arrays)."""
    import pypdfium2 as pdfium

    from gidr_etl.formats.scan import _render

    pdf = pdfium.PdfDocument(str(scan))
    try:
        return [_render(pdf[n]) for n in range(len(pdf))]
    finally:
        pdf.close()


@pytest.mark.slow
def test_each_turn_of_a_table_page_is_found_from_its_text_lines(tmp_path):
    """orient.quarter_turns on the table page fed every way: the turn that undoes each."""
    from gidr_etl.formats.ocr.engine import engine
    from gidr_etl.formats.ocr.orient import quarter_turns
    from gidr_etl.formats.ocr.page import _rgb

    turns = [0, 90, 180, 270]
    scan = make_scan(HONGZE_2024, tmp_path / "turned.pdf", pages=[TABLE_PAGE] * 4, rotations=turns)
    found = []
    for rgb in _scan_pages(scan):
        grey = rgb.max(axis=2)
        found.append(quarter_turns(grey, engine().detect(_rgb(grey)), engine().angles))
    # np.rot90 turns counter-clockwise, as the pages were turned: k quarter turns undo 360 − k·90°.
    assert found == [(4 - t // 90) % 4 for t in turns]


@pytest.mark.slow
def test_a_phone_photo_is_squared_to_the_page_and_its_tables_found_as_printed(tmp_path):
    """photo.as_page on the phone photo of the table page: an A4 page at 200 dpi whatever the
    72-dpi tag says, with the same ruled tables, cell for cell, as the page printed."""
    from PIL import Image

    from gidr_etl.formats.ocr.photo import as_page
    from gidr_etl.formats.ocr.rulings import find_tables
    from gidr_etl.formats.scan import DPI

    photo = make_scan(HONGZE_2024, tmp_path / "photo.jpg", pages=[TABLE_PAGE], phone=True)
    with Image.open(photo) as image:
        assert image.size == (3000, 4000) and image.info["dpi"][0] == 72
        page, scale = as_page(np.asarray(image.convert("RGB")), 1.0)
    assert scale == pytest.approx(DPI / 72)
    assert page.shape[:2] == (round(842 * scale), round(595 * scale))
    printed = make_scan(HONGZE_2024, tmp_path / "printed.pdf", pages=[TABLE_PAGE], tilt=0)
    (clean,) = _scan_pages(printed)

    def grids(rgb):
        return [
            sorted((c.row, c.col, c.row_span, c.col_span) for c in t.cells) for t in find_tables(rgb.max(axis=2), scale)
        ]

    assert grids(page) == grids(clean)


@pytest.mark.slow
def test_a_bowed_page_is_straightened_to_the_grid_printed(tmp_path):
    """A sheet bowed by 3% of its height (a bound report's page curving to its spine) bent
    the requests table's rows so that their cells fell on different rows of the grid found:
    read so, a label took the next row's values (2 wrong numbers). Its rows are straightened
    from the rulings' curves (bend.py), and the grids come out as printed, as they do for a
    mild bow."""
    import pypdfium2 as pdfium
    from scans import _phone_photo

    from gidr_etl.formats.ocr.photo import as_page
    from gidr_etl.formats.ocr.rulings import find_tables

    pdf = pdfium.PdfDocument(str(HONGZE_2024))
    try:
        page = pdf[TABLE_PAGE - 1].render(scale=150 / 72).to_pil().convert("RGB")
    finally:
        pdf.close()
    printed = make_scan(HONGZE_2024, tmp_path / "printed.pdf", pages=[TABLE_PAGE], tilt=0)
    (clean,) = _scan_pages(printed)
    expected = [
        sorted((c.row, c.col, c.row_span, c.col_span) for c in t.cells)
        for t in find_tables(clean.max(axis=2), 200 / 72)
    ]
    for bow, straightened in ((0.006, False), (0.03, True)):
        photo, scale = as_page(np.asarray(_phone_photo(page, np.random.default_rng(1), bow=bow)), 1.0)
        tables = find_tables(photo.max(axis=2), scale)
        if straightened:
            assert all(t.bend is not None for t in tables)
        assert [sorted((c.row, c.col, c.row_span, c.col_span) for c in t.cells) for t in tables] == expected, bow
        assert not any(t.doubtful for t in tables)


def test_a_grid_whose_printed_rows_fall_on_different_rows_is_doubtful():
    """bend.grid_holds, the check after straightening: two cells side by side sharing most of
    their height must share a grid row (a bow left in the page puts them on two)."""
    from gidr_etl.formats.ocr.bend import grid_holds
    from gidr_etl.formats.ocr.rulings import GridCell

    label = GridCell(3, 0, 1, 1, (0, 100, 200, 150))
    assert grid_holds([label, GridCell(3, 1, 1, 1, (202, 108, 260, 158))], 1.0)
    assert not grid_holds([label, GridCell(4, 1, 1, 1, (202, 108, 260, 158))], 1.0)
    # A cell spanning the label's row and the next is on both.
    assert grid_holds([label, GridCell(2, 1, 2, 1, (202, 60, 260, 158))], 1.0)
    # Stacked cells sharing most of their width share a column.
    assert not grid_holds([label, GridCell(4, 1, 1, 1, (10, 152, 190, 200))], 1.0)
