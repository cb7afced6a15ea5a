"""Tables pasted as pictures inside other formats read by the OCR reader (formats/pictures.py):
a DOCX whose tables are pictures reads the same cells as the DOCX itself, and a saved web
page whose tables are <img>s the same cells as the page. The pictures are cut from the
seed's own PDF rendering (tests/picture_docs.py)."""

from __future__ import annotations

import sqlite3

import pytest
from helpers import run_cli

pytest.importorskip("rapidocr_onnxruntime", reason="OCR extra not installed: pip install gidr-etl[ocr]")

from picture_docs import docx_with_table_pictures, html_with_table_pictures  # noqa: E402
from render import render_docx, render_pdf, write_html  # noqa: E402

SEED = "000_2d55a32003931e6c"


def _cells(db, folder: str) -> dict:
    con = sqlite3.connect(db)
    return {
        (s, r, c): v
        for s, r, c, v in con.execute(
            "select section, row, col, value from cells join reports on reports.id = report_id"
            " where source_path like ?",
            (f"%/{folder}/%",),
        )
    }


@pytest.mark.slow
@pytest.mark.soffice
def test_a_docx_or_web_page_whose_tables_are_pictures_reads_the_same_cells_as_the_document_itself(tmp_path):
    for folder in ("docx", "html"):
        (tmp_path / folder).mkdir()
    pdf = render_pdf(SEED, tmp_path / f"{SEED}.pdf")
    docx = render_docx(SEED, tmp_path / "docx" / f"{SEED}.docx")
    html = write_html(SEED, tmp_path / "html" / f"{SEED}.html")
    pictured_docx = docx_with_table_pictures(docx, pdf, tmp_path / "docx_pictures" / f"{SEED}.docx")
    pictured_html = html_with_table_pictures(html, pdf, tmp_path / "html_pictures" / f"{SEED}.html")
    db = tmp_path / "g.db"
    run_cli("ingest", docx, html, pictured_docx, pictured_html, "--db", db, "-q", check=0)
    for own, pictured in (("docx", "docx_pictures"), ("html", "html_pictures")):
        want, got = _cells(db, own), _cells(db, pictured)
        assert len(want) >= 190 and sum(v is not None for v in want.values()) >= 190
        assert got == want, pictured
    con = sqlite3.connect(db)
    # The values read from the pictures carry their recognition confidence.
    assert (
        con.execute(
            "select count(*) from cells join reports on reports.id = report_id where source_path like"
            " '%_pictures/%' and value is not null and confidence is null"
        ).fetchone()[0]
        == 0
    )
