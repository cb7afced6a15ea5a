"""Explicit cells are cells (issue #21, point 1): an HTML <td>, a Word cell, a cell of a PDF's
ruled grid stands where it is printed, and a blank one is blank, never padding or span filler.

Seed 002 (a 2019-template report) rendered the way real reports fill its 总计 column: only in
the total rows, blank elsewhere, with the figures of tests/dump2019.py's busy table and, as
such reports print them, blank cells for the zeros. The rows' own sums cannot hold with the
blanks: every printed value is still read, every blank stays blank, and the failed sums
are findings.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
import render
from dump2019 import SEED, busy_cells

from gidr_etl.formats.soffice import convert, find_soffice
from gidr_etl.report import BLANK, READ
from gidr_etl.template.arithmetic import equations
from gidr_etl.testing.fuzz import read

SEED_NAME = SEED.stem
TOTAL_ROWS = {"total"}  # the rows whose 总计 such a report fills


def blank_total_column(zeros_blank: bool) -> dict:
    cells = busy_cells()
    for key, value in cells.items():
        section, row, col = key
        if section != "requests":
            continue
        if (col == "total" and row not in TOTAL_ROWS) or (zeros_blank and value == 0):
            cells[key] = None
    return cells


def rendered(kind: str, cells: dict, folder: Path) -> Path:
    g = dict(render.gold(SEED_NAME), cells=[[*k, v] for k, v in cells.items()])
    if kind == "html":
        path = folder / "report.html"
        path.write_text(render.render_html(SEED_NAME, g=g), "utf-8")
        return path
    docx = folder / "report.docx"
    render.build_docx(SEED_NAME, g).save(str(docx))
    if kind == "docx":
        return docx
    if find_soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    with tempfile.TemporaryDirectory() as tmp:
        return Path(shutil.move(str(convert(docx, "pdf", Path(tmp))), folder / "report.pdf"))


def failed_sums(cells: dict, template: str) -> set:
    """Where the rules must report: each checked equation whose printed total is a number
    and whose sides, blanks counted as 0, differ."""
    out = set()
    for eq in equations(template, False):
        if eq.rule is None or cells.get(eq.claim) is None:
            continue
        side = lambda keys: sum(cells.get(k) or 0 for k in keys)  # noqa: E731
        if side(eq.left) != side(eq.right) + eq.constant:
            out.add((eq.rule, *eq.at))
    return out


@pytest.mark.parametrize("zeros_blank", [True, False], ids=["zeros_blank", "zeros_printed"])
@pytest.mark.parametrize(
    "kind",
    [
        "html",
        pytest.param("docx", marks=pytest.mark.slow),
        pytest.param("pdf", marks=[pytest.mark.slow, pytest.mark.soffice]),
    ],
)
def test_a_blank_total_column_is_read_as_printed(kind, zeros_blank, tmp_path):
    cells = blank_total_column(zeros_blank)
    report = read(rendered(kind, cells, tmp_path)).report
    assert report is not None and report.template == "2019"
    requests = {k: v for k, v in cells.items() if k[0] == "requests"}
    got = {k: (report.cells[k].value, report.cells[k].status) for k in requests}
    want = {k: (v, READ if v is not None else BLANK) for k, v in requests.items()}
    assert got == want
    expected = failed_sums(cells, "2019")
    assert expected  # the blank 总计 cells break the total column's sums
    reported = {(f.rule, f.section, f.row, f.col) for f in report.findings if f.severity == "error"}
    assert expected <= reported


def test_a_blank_cell_in_the_label_area_is_no_value_cell():
    """Hongze 2024's PDF prints （七）总计 in a cell of its own with a blank cell beside it, left
    of the value columns: the row's seven values are read by their grid columns."""
    root = Path(__file__).resolve().parent.parent
    report = read(root / "sample_inputs" / "hongze_district_gov_2024.pdf").report
    assert report.cells["requests", "total", "natural_person"].value == 95
    assert report.cells["requests", "total", "total"].value == 95
    # So is （六）其他处理, printed as one row below the table's header.
    assert [report.cells["requests", "other", c].value for c in ("natural_person", "total")] == [0, 0]


@pytest.mark.slow
def test_the_test_writers_word_table_ends_a_short_row_as_word_does(tmp_path):
    """A row printing one cell fewer than the grid (the fuzzer's delete_value) ends early, with
    w:gridAfter, as Word writes it: python-docx's full grid would pad it with a blank cell that
    is no cell of the document, which a reader of explicit cells must take as one."""
    import zipfile

    from gidr_etl.formats.docx import DocxFormat

    g = render.gold(SEED_NAME)
    blocks = render.outline(SEED_NAME, g)
    kind, rows = next(b for b in blocks if b[0] == "table" and any("本年新收" in c.text for r in b[1] for c in r))
    short = next(r for r in rows if any("本年新收" in c.text for c in r))
    del short[-1]  # the row's 总计 cell not printed
    path = tmp_path / "short.docx"
    render.build_docx(None, g, blocks=blocks).save(str(path))
    assert "gridAfter" in zipfile.ZipFile(path).read("word/document.xml").decode()
    doc = DocxFormat().extract(path)
    table = next(t for t in doc.tables() if any("本年新收" in c.text for c in t.cells))
    label = next(c for c in table.cells if "本年新收" in c.text)
    assert [c.text for c in table.reading_order() if c.row == label.row][1:] == ["0"] * 6
