"""Tables pasted as pictures inside other formats read by the OCR reader (formats/pictures.py):
a DOCX whose tables are pictures reads the same cells as the DOCX itself. The pictures
are cut from the seed's own PDF rendering (tests/picture_docs.py)."""
from __future__ import annotations

import sqlite3

import pytest

from helpers import run_cli

pytest.importorskip("rapidocr_onnxruntime", reason="OCR extra not installed: pip install gidr-etl[ocr]")

from picture_docs import docx_with_table_pictures  # noqa: E402
from render import render_docx, render_pdf  # noqa: E402

SEED = "000_2d55a32003931e6c"


def _cells(db, folder: str) -> dict:
    con = sqlite3.connect(db)
    return {(s, r, c): v for s, r, c, v in con.execute(
        "select section, row, col, value from cells join reports on reports.id = report_id"
        " where source_path like ?", (f"%/{folder}/%",))}


@pytest.mark.slow
@pytest.mark.soffice
def test_a_docx_whose_tables_are_pictures_reads_the_same_cells_as_the_docx_itself(tmp_path):
    original = render_docx(SEED, tmp_path / "docx" / f"{SEED}.docx")
    pictured = docx_with_table_pictures(original, render_pdf(SEED, tmp_path / f"{SEED}.pdf"),
                                        tmp_path / "pictures" / f"{SEED}.docx")
    db = tmp_path / "g.db"
    run_cli("ingest", original, pictured, "--db", db, "-q", check=0)
    want, got = _cells(db, "docx"), _cells(db, "pictures")
    assert len(want) >= 190 and sum(v is not None for v in want.values()) >= 190
    assert got == want
    con = sqlite3.connect(db)
    # The values read from the pictures carry their recognition confidence; the DOCX's own do not.
    assert con.execute("select count(*) from cells join reports on reports.id = report_id where source_path like"
                       " '%/pictures/%' and value is not null and confidence is null").fetchone()[0] == 0
