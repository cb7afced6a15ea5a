"""Scans as offices make them (issue #23, points 3, 6, 7): a fax's dotted rulings, a dark
seal and a coffee ring over a table, a mail scanner's JPEG quality 30 at 150 dpi, and a
table whose heading is on one page and its values on the next.

Each scan is made (tests/scans.py) from only the pages of a real report it needs, and
scored on the cells those pages print: the same pages' text layer says which cells they
are, tests/gold says their values. OCR is slow on 2 cores: two pages a test.
"""

from __future__ import annotations

import sqlite3

import pytest
from helpers import SAMPLES, cells_of, gold_cells, run_cli

pytest.importorskip("rapidocr_onnxruntime", reason="OCR extra not installed: pip install gidr-etl[ocr]")

from scans import make_scan  # noqa: E402

REPORT = "hongze_district_gov_2024.pdf"


def _pages(pdf, pages: list[int], out):
    """`pdf` with only `pages` (from 1), under the same name (the gold is found by it)."""
    import pypdfium2 as pdfium

    src, new = pdfium.PdfDocument(str(pdf)), pdfium.PdfDocument.new()
    new.import_pages(src, [p - 1 for p in pages])
    out.parent.mkdir(parents=True, exist_ok=True)
    new.save(str(out))
    return out


def _scored(tmp_path, pages: list[int], **factors) -> tuple[dict, dict, list]:
    """Scan `pages` of the report with `factors` and ingest it: (the cells those pages print
    with their gold values, the scan's cells, the keys read wrong)."""
    cut = _pages(SAMPLES / REPORT, pages, tmp_path / "text" / REPORT)
    run_cli("ingest", cut, "--db", tmp_path / "text.db", "-q", check=0)
    gold = gold_cells(REPORT)
    printed = {k: gold[k] for k, v in cells_of(tmp_path / "text.db", REPORT).items() if v is not None and k in gold}
    scan = make_scan(cut, tmp_path / "scan" / REPORT, **factors)
    db = tmp_path / "scan.db"
    run_cli("ingest", scan, "--db", db, "-q", check=0)
    read = cells_of(db, REPORT)
    wrong = [k for k, v in printed.items() if read.get(k) is not None and read[k] != v]
    # A printed cell left NULL has a finding that says why (the pages not scanned have none).
    con = sqlite3.connect(db)
    said = {
        (s, r, c)
        for s, r, c, rule in con.execute("select section, row, col, rule from findings")
        if rule.startswith("cell_")
    } | {(s, r) for s, r in con.execute("select section, row from findings where rule = 'row_not_itemized'")}
    con.close()
    unsaid = [k for k in printed if read.get(k) is None and k not in said and k[:2] not in said]
    right = sum(read.get(k) == v for k, v in printed.items())
    print(f"{factors}: {right}/{len(printed)} right, {len(wrong)} wrong, {len(printed) - right - len(wrong)} missed")
    assert unsaid == []
    return printed, read, wrong


def _right(printed: dict, read: dict) -> float:
    return sum(read.get(k) == v for k, v in printed.items()) / len(printed)


@pytest.mark.slow
def test_a_coffee_ring_over_a_table_costs_no_cell(tmp_path):
    # The title page (the red seal over its title) and page 3 (the requests table) under the ring.
    printed, read, wrong = _scored(tmp_path, [1, 3], stain=2)
    assert wrong == []
    assert _right(printed, read) >= 0.98


@pytest.mark.slow
def test_a_dark_seal_over_a_table_costs_no_wrong_number(tmp_path):
    """A grey seal over page 3's requests table: what is read under it is right, or NULL
    with a finding. Issue #23 asks for 98% of the cells; the grid under the seal is the
    printed one (below), a seal's character read in a column of numbers is an unreadable
    cell, not a label ending its row, and digits the seal's ink leaves faint are lost:
    97% of this page's cells today (90% before those cells were unreadable ones, 69% before
    the rulings under the seal were mended)."""
    printed, read, wrong = _scored(tmp_path, [1, 3], dark_seal=2)
    assert wrong == []
    assert _right(printed, read) >= 0.95


@pytest.mark.parametrize("mark", ["dark_seal", "stain"])
def test_the_grid_under_a_mark_is_the_grid_printed(tmp_path, mark):
    """A seal or a ring over the requests table leaves its rulings faint, broken and crossed
    by the mark's own strokes; the cells found there are those of the same page scanned
    without the mark (ocr/ink.grid_under_marks)."""
    import numpy as np
    import pypdfium2 as pdfium

    from gidr_etl.formats.ocr.ink import flatten_marks, grid_under_marks
    from gidr_etl.formats.ocr.rulings import binarise, page_tables, ruling_mask

    def grids(scan) -> tuple[list, bool]:
        scale = 200 / 72  # as formats/scan.py renders
        page = pdfium.PdfDocument(str(scan))[0].render(scale=scale).to_pil().convert("RGB")
        grey, marks = flatten_marks(np.asarray(page).max(axis=2), scale)
        tables, _ = page_tables(grey, scale, ruling_mask(binarise(grey), scale))
        found = [grid_under_marks(t, marks, scale) for t in tables]
        return [sorted((c.row, c.col, c.row_span, c.col_span) for c in t.cells) for t in found], bool(marks.any())

    pdf = SAMPLES / REPORT
    plain, _ = grids(make_scan(pdf, tmp_path / "plain" / REPORT, pages=[3]))
    marked, seen = grids(make_scan(pdf, tmp_path / mark / REPORT, pages=[3], **{mark: 3}))
    assert seen
    assert marked == plain


@pytest.mark.slow
def test_a_table_cut_by_a_page_break_at_jpeg_quality_30_is_read_as_one(tmp_path):
    # Page 3 cut below the requests table's heading rows: its values move to the next page
    # (at 150 dpi, JPEG quality 30).
    printed, read, wrong = _scored(tmp_path, [3], split_table=(1, 1), quality=30, dpi=150)
    assert wrong == []
    requests = {k: v for k, v in printed.items() if k[0] == "requests"}
    assert len(requests) > 80
    assert _right(requests, read) >= 0.98


@pytest.mark.slow
def test_a_faxed_table_with_dotted_rulings_costs_no_wrong_number(tmp_path):
    """A fax (1 bit a pixel, rulings broken into dots). Its grids are found (ocr/dotted.py)
    and its print softened for recognition; cells run together where a gap stays open are
    unreadable (ocr/merged.py); row labels the 1-bit print garbles are placed by the
    template's row order (tests/test_ocr_labels.py): no wrong number, 92% of the cells
    today (70% before). Issue #23 asks for 98%."""
    printed, read, wrong = _scored(tmp_path, [3, 4], fax=True)
    assert wrong == []
    assert _right(printed, read) >= 0.88


@pytest.mark.slow
@pytest.mark.soffice
@pytest.mark.parametrize("seed", ["003_7310e8e43cef02b2", "004_20a0191baea80f94"])
def test_a_faxed_seed_rendering_reads_labels_its_strokes_cut_in_cells(tmp_path, seed):
    """LibreOffice's rendering of a seed, faxed: dense 1-bit print closes character strokes
    into rulings through the row labels ("一、" | "全" | "三新收政府信息公开" | "请" | "量"),
    prints specks beside digits ("'0", "0:") and loses a caption's 十 ("第二 | -条第（五）项").
    The cut labels are read whole, the specks leave their digits to the sums, and the
    captions are placed by the template's order: no wrong number, and 90% of the cells
    (003 read 83% and 004 82% before cut labels were read whole and such specks read)."""
    from render import render_pdf

    scan = make_scan(render_pdf(seed, tmp_path / f"{seed}.pdf"), tmp_path / "scans" / f"{seed}.pdf", fax=True)
    db = tmp_path / "g.db"
    run_cli("ingest", scan, "--db", db, "-q", check=0)
    gold = gold_cells(f"{seed}.txt")
    read = cells_of(db, f"{seed}.pdf")
    scored = {k: v for k, v in gold.items() if v != "?"}
    wrong = {k: (read.get(k), v) for k, v in scored.items() if read.get(k) is not None and read[k] != v}
    assert wrong == {}
    assert _right(scored, read) >= 0.9


def test_a_table_continued_on_the_next_page_joins_the_table_that_ended_the_page():
    from gidr_etl.formats.ocr.pages import join_continued
    from gidr_etl.model import Provenance, Table, TableCell, TextBlock

    def table(page: int, rows: list[list[tuple[str, float, float]]]) -> Table:
        cells = [
            TableCell(text, r, c, prov=Provenance("f", page, bbox=(x0, 100 + 20 * r, x1, 120 + 20 * r)))
            for r, row in enumerate(rows)
            for c, (text, x0, x1) in enumerate(row)
        ]
        return Table(cells, Provenance("f", page), explicit_cells=True)

    heading = table(
        4,
        [
            [("行政复议", 80, 280), ("行政诉讼", 280, 520)],
            [("结果维持", 80, 180), ("其他", 180, 280), ("总计", 280, 520)],
        ],
    )
    values = table(5, [[("1", 81, 181), ("0", 181, 279), ("3", 279, 521)]])
    (joined,) = join_continued([heading, values])
    assert isinstance(joined, Table) and joined.n_rows == 3
    assert [(c.text, c.row, c.col) for c in joined.cells if c.row == 2] == [("1", 2, 0), ("0", 2, 1), ("3", 2, 2)]
    # Text between them, a page skipped, or columns that do not line up: two tables.
    line = TextBlock("五、存在的主要问题", Provenance("f", 5))
    assert len(join_continued([heading, line, values])) == 3
    assert len(join_continued([heading, table(6, [[("1", 81, 181), ("0", 181, 279), ("3", 279, 521)]])])) == 2
    assert len(join_continued([heading, table(5, [[("1", 81, 130), ("0", 130, 279), ("3", 279, 521)]])])) == 2
