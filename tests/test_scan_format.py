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


@pytest.mark.slow
@pytest.mark.soffice
def test_a_minus_sign_survives_the_second_read_of_a_doubtful_cell(tmp_path):
    """Seed 002's art20_5 licensing change is −1. In this scan (180 dpi, degradation seed 1)
    its first read is doubtful, so the cell is read again from its ink lines; a crop cut to
    the digit's ink alone read "1" more surely and won: a wrong number."""
    from render import render_pdf

    seed = "002_3a38b772f27b9fba"
    scan = make_scan(render_pdf(seed, tmp_path / f"{seed}.pdf"), tmp_path / "scans" / f"{seed}.pdf", seed=1)
    db = tmp_path / "g.db"
    run_cli("ingest", scan, "--db", db, "-q", check=0)
    _check(db, GOLD / "seeds", seed, 0.95, "--by-stem")
    con = sqlite3.connect(db)
    ((value,),) = con.execute(
        "select value from cells where section = 'art20_5' and row = 'licensing' and col = 'change'"
    ).fetchall()
    assert value in (-1, None)


def test_two_reads_that_differ_on_a_number_leave_the_cell_doubtful():
    from gidr_etl.formats.ocr.page import _cell_text, _surer

    # The reads of seed 002's −1 above before its ink-line crop took in the minus sign.
    first, dropped_sign = [("-1", 0.93, "-1")], [("1", 0.998, "1")]
    confidence = _cell_text(_surer(first, dropped_sign))[1]
    assert confidence is not None and confidence <= 0.5  # below every bar of reading/ocr_check.py
    assert _cell_text(_surer(dropped_sign, first))[1] <= 0.5  # whichever read came first
    # Reads that agree on the number: the surer one stands as read.
    assert _cell_text(_surer([("1,234", 0.9, "1,234")], [("1234", 0.99, "1234")])) == ("1234", 0.99)
    # A read of nothing neither wins nor casts doubt.
    assert _cell_text(_surer(first, [("", 0.2, None)])) == ("-1", 0.93)
    assert _cell_text(_surer([("", 0.2, None)], dropped_sign)) == ("1", 0.998)
    # A stray mark read beside the number (a speck read as 路) is no other number.
    assert _cell_text(_surer([("1", 0.995, "1"), ("路", 0.07, None)], [("1", 0.997, "1")])) == ("1", 0.997)
    assert _cell_text(_surer([("1.5", 0.9, "1.5")], [("15", 0.99, "15")]))[1] <= 0.5


def test_only_a_cell_read_as_words_skips_the_second_read():
    from gidr_etl.formats.ocr.page import _words

    # Labels and headings as the real PDFs' scans read them, doubtful: matched to the template's terms.
    assert _words([("行政处罚", 0.661, None)])
    assert _words([("1.属于国家秘密", 0.9, None), ("（三）不予公开", 0.8, None)])
    # What a misread number can read as, or a cell with a number in it: read again.
    for read in ([("口", 0.6, None)], [("", 0.2, None)], [("2019年", 0.9, None)], [("7", 0.7, "7")], []):
        assert not _words(read)
    assert not _words([("行政处罚", 0.9, None), ("5", 0.6, "5")])


def test_a_mark_read_in_a_row_or_column_of_numbers_is_an_unreadable_cell():
    from gidr_etl.formats.ocr.page import _misread

    # What the faxed seed 001's broken zeros read as, in its appeals row of numbers.
    for read in ("C", ")", "}", "{!"):
        assert _misread([(read, 0.6, None)])
    # A number, words, a blank's placeholder, dust, two pieces, or nothing: not a misread mark.
    for found in ([("0", 0.9, "0")], [("行政", 0.9, None)], [("—", 0.9, None)], [("/", 0.9, None)], [("·", 0.4, None)]):
        assert not _misread(found)
    assert not _misread([("C", 0.6, None), (")", 0.6, None)]) and not _misread([])


def test_a_column_a_stray_ruling_split_off_among_the_values_goes():
    from gidr_etl.formats.ocr.page import _without_ruled_off_columns
    from gidr_etl.model import TableCell

    # Seed 001's appeals table faxed, as its grid was read: 尚未审结 and 其他结果 of 行政诉讼 each
    # over two grid columns, the value row printing in one of each pair (the other blank or absent).
    heads = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    cells = [TableCell(text, 0, c) for c, text in enumerate(heads)]
    cells += [TableCell("结果维持", 0, 5), TableCell("结果纠正", 0, 6), TableCell("其他结果", 0, 7)]
    cells += [TableCell("尚未审结", 0, 8, col_span=2), TableCell("总计", 0, 10), TableCell("结果维持", 0, 11)]
    cells += [TableCell("结果纠正", 0, 12), TableCell("其他结果", 0, 13, col_span=2)]
    cells += [TableCell("尚未审结", 0, 15), TableCell("总计", 0, 16)]
    values = {0: "0", 1: "0", 2: "1", 3: "0", 4: "1", 5: "0", 6: "0", 7: "0", 8: "?", 9: "", 10: "0"}
    values |= {11: "0", 12: "0", 14: "?", 15: "0", 16: "0"}
    cells += [TableCell(text, 1, c) for c, text in values.items()]
    out = _without_ruled_off_columns(cells)
    row = sorted((c.col, c.text) for c in out if c.row == 1)
    assert [text for _, text in row] == ["0", "0", "1", "0", "1", "0", "0", "0", "?", "0", "0", "0", "?", "0", "0"]
    assert [col for col, _ in row] == list(range(15))
    assert sorted((c.col, c.col_span) for c in out if c.text == "其他结果")[-1] == (12, 1)
    # A column a heading of its own prints over (总计 left blank in every row) stays.
    blank_total = [TableCell("行政复议", 0, 0, col_span=3), TableCell("维持", 1, 0), TableCell("总计", 1, 1)]
    blank_total += [TableCell("纠正", 1, 2), TableCell("0", 2, 0), TableCell("", 2, 1), TableCell("0", 2, 2)]
    assert _without_ruled_off_columns(blank_total) == blank_total


def test_a_number_with_a_stray_separator_at_an_end_is_its_digits_in_doubt():
    """A fax's line noise prints a speck beside a 0, read "0.": its digits are the number, below
    every bar of reading/ocr_check.py, so that only the table's sums can confirm it."""
    import numpy as np

    from gidr_etl.formats.ocr.engine import engine
    from gidr_etl.reading.ocr_check import BAR

    rec = engine()

    def decoded(text: str):
        frames = np.zeros((2 * len(text), len(rec._chars)), np.float32)
        frames[1::2, 0] = 1.0  # a blank between characters
        for t, ch in enumerate(text):
            frames[2 * t, rec._chars.index(ch)] = 1.0
        return rec._decode(frames)

    for printed, number in (
        ("0.", "0"),
        (".7", "7"),
        ("12,", "12"),
        ("'0", "0"),
        ("0:", "0"),
        ("·3.", "3"),
        ("0-", "0"),
    ):
        read, confidence, digits = decoded(printed)
        assert (read, digits) == (printed, number) and confidence < BAR, printed
    assert decoded("7730.28")[1:] == (1.0, "7730.28")
    # A fax's 1 whose stem broke above its foot reads as "!": in a number it is the 1 it looks like.
    assert decoded("!")[1:] == (1.0, "1")
    assert decoded("-3")[1:] == (1.0, "-3")
    assert decoded("1'2")[2] is None  # a mark inside a number: no number


def _title_strip(pdf, page: int, dpi: int = 200):
    """The top 2.3 inches of a page of a real PDF, rendered as a scanner gives it: a cheap page to read."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        image = doc[page - 1].render(scale=dpi / 72).to_pil().convert("RGB")
    finally:
        doc.close()
    return image.crop((0, 0, image.width, int(2.3 * dpi)))


def test_every_frame_of_a_multi_page_tiff_is_read_as_its_own_page(tmp_path):
    """Frames are decoded one at a time, in the thread that reads each (formats/scan.py)."""
    from gidr_etl.formats.scan import ScanFormat
    from gidr_etl.model import TextBlock

    frames = [_title_strip(SAMPLES / f"hongze_district_gov_{year}.pdf", 1) for year in (2024, 2023)]
    tiff = tmp_path / "two.tif"
    frames[0].save(tiff, save_all=True, append_images=frames[1:], dpi=(200, 200))
    doc = ScanFormat().extract(tiff)
    assert doc.pages == 2
    lines = [b for b in doc.blocks if isinstance(b, TextBlock)]
    # OCR may print a space between a number and a character ("2023 年")
    text = {page: "".join(b.text for b in lines if b.prov.page == page).replace(" ", "") for page in (1, 2)}
    assert "2024年政府信息公开" in text[1] and "2023年政府信息公开" not in text[1]
    assert "2023年政府信息公开" in text[2] and "2024年政府信息公开" not in text[2]


def test_a_frame_that_cannot_be_decoded_is_the_files_one_line_error(tmp_path):
    from gidr_etl.errors import ExtractionError
    from gidr_etl.formats.scan import ScanFormat

    png = tmp_path / "cut.png"
    _title_strip(SAMPLES / "hongze_district_gov_2024.pdf", 1).save(png)
    png.write_bytes(png.read_bytes()[:5000])  # cut off, as a download that stopped
    with pytest.raises(ExtractionError, match="not a readable image"):
        ScanFormat().extract(png)


@pytest.mark.slow
@pytest.mark.soffice
def test_row_labels_whose_rulings_a_150_dpi_scan_lost_are_each_their_rows(tmp_path):
    """Seed 003's requests table scanned at 150 dpi: the thin rulings between the row labels
    of （三）不予公开 … are lost while the value columns keep theirs, so a label cell spans
    several rows and holds one numbered item beside each ("1.属于国家秘密", "2.其他法律…").
    Each item is its row's label (ocr/merged.items_by_row): 116 of 200 cells read before."""
    from render import render_pdf

    seed = "003_7310e8e43cef02b2"
    scan = make_scan(render_pdf(seed, tmp_path / f"{seed}.pdf"), tmp_path / "scans" / f"{seed}.pdf", dpi=150)
    db = tmp_path / "g.db"
    run_cli("ingest", scan, "--db", db, "-q", check=0)
    _check(db, GOLD / "seeds", seed, 0.95, "--by-stem")


@pytest.mark.slow
def test_two_values_whose_parting_ruling_the_scan_lost_are_each_in_their_column(tmp_path):
    """Hongze 2024's requests table scanned with the ruling between 自然人 and 商业企业 lost in
    two rows: "95 | 0" and "50 | 0" each come out as one cell over two columns. The grid's
    other rows show where the columns are, so each number is read in its own (merged.by_column);
    before, both cells of each pair were unreadable."""
    from scans import make_scan_without, ruling_after

    pdf = SAMPLES / "hongze_district_gov_2024.pdf"
    lost: dict[int, list] = {}
    for label in ("本年新收", "（一）予以公开"):
        page, box = ruling_after(pdf, label, -7)  # the 自然人 column's right-hand ruling
        lost.setdefault(page, []).append(box)
    scan = make_scan_without(pdf, tmp_path / "scans" / pdf.name, lost)
    db = tmp_path / "g.db"
    run_cli("ingest", scan, "--db", db, "-q", check=0)
    con = sqlite3.connect(db)
    got = dict(
        con.execute(
            "select row || '.' || col, value from cells where section = 'requests' and row in ('new', 'granted')"
            " and col in ('natural_person', 'commercial')"
        ).fetchall()
    )
    assert got == {"new.natural_person": 95, "new.commercial": 0, "granted.natural_person": 50, "granted.commercial": 0}
    _check(db, GOLD / "realdocs", pdf.name, 0.98)


def test_print_in_each_column_of_a_cell_over_several_is_read_by_column():
    import numpy as np

    from gidr_etl.formats.ocr.merged import by_column

    ink = np.zeros((40, 200), np.uint8)
    columns = [(0, 98), (102, 200)]
    ink[10:30, 40:52] = 255  # a digit in the first column
    ink[10:30, 140:150] = 255  # and one in the second
    for y in range(4, 36, 4):
        ink[y : y + 2, 99:101] = 255  # the lost ruling's dots, between the columns
    ink[20, 70] = 255  # a speck
    assert by_column(ink, (0, 0, 200, 40), columns, 4) == [(0, 0, 98, 40), (102, 0, 200, 40)]
    # Print across the border between the columns: which column it is in is not shown.
    ink[10:30, 90:110] = 255
    assert by_column(ink, (0, 0, 200, 40), columns, 4) is None


def test_numbered_items_one_beside_each_row_are_the_rows_labels():
    from gidr_etl.formats.ocr.merged import items_by_row

    bands = {7: (100.0, 130.0), 8: (130.0, 160.0), 9: (160.0, 190.0)}
    lines = [(115.0, ("1.属于国家秘密", 0.99, None)), (145.0, ("2.其他法律行政法规禁止公开", 0.98, None))]
    items = [*lines, (175.0, ("3.危及“三安全一稳定”", 0.97, None))]
    assert [row for row, _ in items_by_row(range(7, 10), items, bands) or []] == [7, 8, 9]
    # A group's heading wrapped over the rows it spans is one cell: its lines are not numbered items.
    heading = [(115.0, ("（三）", 0.99, None)), (145.0, ("不予公开", 0.99, None))]
    assert items_by_row(range(7, 9), heading, bands) is None
    # An item wrapped over two lines of its row's band is one item.
    wrapped = [*lines, (170.0, ("3.危及“三安全", 0.97, None)), (182.0, ("一稳定”", 0.97, None))]
    assert [len(item) for _, item in items_by_row(range(7, 10), wrapped, bands) or []] == [1, 1, 2]
    # Two items in one row's band, or fewer items than rows: the rows they belong to are not shown.
    assert items_by_row(range(7, 10), [(115.0, lines[0][1]), (120.0, lines[1][1]), (175.0, items[2][1])], bands) is None
    assert items_by_row(range(7, 10), lines, bands) is None
    # A phone photo lost 一 of "一、本年新收…" (seed 004): an item still, as no line of Chinese
    # begins with the enumeration comma.
    lost = [
        (115.0, ("、2年新收政府信息公开申请数量", 0.41, None)),
        (145.0, ("二、上年结转政府信息公开申请数量", 0.9, None)),
    ]
    assert [row for row, _ in items_by_row(range(7, 9), lost, bands) or []] == [7, 8]
