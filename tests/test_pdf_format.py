"""The PDF format plugin on the real reports in sample_inputs/ and on broken copies of them."""

from __future__ import annotations

import json
import re
import sys
from functools import cache
from pathlib import Path

import pdfplumber
import pytest

from gidr_etl import ExtractionError, InputFormat
from gidr_etl.formats.pdf import PdfFormat, _CellBox, _Part, _table, register_formats
from gidr_etl.model import Document, Table

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_inputs"
GOLD = ROOT / "tests" / "gold" / "realdocs"
PAGES = {
    "hongze_district_gov_2023": 5,
    "hongze_district_gov_2024": 5,
    "huaian_municipal_gov_2024": 6,
}
COLUMNS = ("natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org", "total")
# The first label cell of a requests row, and the gold row it holds.
ROWS = {
    "本年新收": "new",
    "上年结转": "carried_over",
    "予以公开": "granted",
    "属于国家秘密": "denied_state_secret",
    "本机关不掌握": "unavailable_not_held",
    "信访举报投诉": "rejected_complaint",
    # Printed wrapped over two lines, with a stray space: "重 新出具\n已获取信息".
    "重新出具已获取信息": "rejected_confirmation",
    "（七）总计": "total",
    "结转下年度": "carried_forward",
}
FOOTER = re.compile(r"[-—–－]\s*\d+\s*[-—–－]|第\s*\d+\s*页|\d+\s*/\s*\d+|\d+")

per_doc = pytest.mark.parametrize("name", sorted(PAGES))


@cache
def extract(name: str) -> Document:
    return PdfFormat().extract(SAMPLES / f"{name}.pdf")


@cache
def gold(name: str) -> dict:
    cells = json.loads((GOLD / f"{name}.json").read_text(encoding="utf-8"))["cells"]
    return {(s, r, c): v for s, r, c, v in cells}


def requests_table(doc: Document) -> Table:
    found = [t for t in doc.tables() if any("本年新收" in c.text for c in t.cells)]
    assert len(found) == 1
    return found[0]


def row_numbers(table: Table, label: str) -> list[int]:
    """The numbers printed after the row whose label cell contains `label`."""
    anchor = next(c for c in table.reading_order() if label in c.text)
    values = [c for c in table.reading_order() if c.row == anchor.row and c.col > anchor.col]
    return [int(c.text) for c in values if c.text.isdigit()]


@per_doc
def test_pages_and_title(name):
    doc = extract(name)
    assert doc.format == "pdf"
    assert doc.pages == PAGES[name]
    assert "年度报告" in doc.hints["title"]
    assert {b.prov.page for b in doc.blocks} == set(range(1, PAGES[name] + 1))


@per_doc
def test_requests_table_is_one_table_across_the_page_break(name):
    table = requests_table(extract(name))
    assert len({c.prov.page for c in table.cells}) == 2
    labels = [c.text for c in table.cells]
    assert sum("结转下年度继续办理" in t for t in labels) == 1
    assert sum("本年新收" in t for t in labels) == 1


@per_doc
@pytest.mark.parametrize("label", sorted(ROWS))
def test_requests_rows_hold_gold_numbers(name, label):
    table = requests_table(extract(name))
    want = [gold(name)[("requests", ROWS[label], col)] for col in COLUMNS]
    assert row_numbers(table, label) == want


@per_doc
def test_group_labels_are_anchored_once_with_spans(name):
    table = requests_table(extract(name))
    # （四）无法提供 is cut by the page break in some files ("（四）无" / "法提供"); rejoined.
    for label, sub_rows in (("（四）无法提供", 3), ("（五）不予处理", 5)):
        cells = [c for c in table.cells if c.text == label]
        assert [c.row_span for c in cells] == [sub_rows], label
    # The label printed one character a line is one string, spanning through （七）总计.
    [outcome] = [c for c in table.cells if c.text == "三、本年度办理结果"]
    total = next(c for c in table.cells if c.text == "（七）总计")
    assert outcome.col == 0 and outcome.row + outcome.row_span == total.row + 1
    # Every grid position is covered once: nothing overlaps, nothing is left out.
    grid = table.grid()
    assert all(cell is not None for row in grid for cell in row)
    assert sum(c.row_span * c.col_span for c in table.cells) == table.n_rows * table.n_cols


@per_doc
def test_appeals_row_holds_gold_numbers(name):
    table = next(t for t in extract(name).tables() if any("复议后起诉" in c.text for c in t.cells))
    numbers = [int(c.text) for c in table.reading_order() if c.row == table.n_rows - 1]
    want = [
        gold(name)[("appeals", row, col)]
        for row in ("review", "suit_direct", "suit_after_review")
        for col in ("upheld", "corrected", "other", "pending", "total")
    ]
    assert numbers == want


@per_doc
def test_no_cid_no_footers_no_cjk_gaps(name):
    doc = extract(name)
    texts = [b.text for b in doc.text_blocks()] + [c.text for t in doc.tables() for c in t.cells]
    assert not any("(cid:" in t for t in texts)
    assert not any(FOOTER.fullmatch(b.text) for b in doc.text_blocks())
    assert not any(re.search(r"[\u4e00-\u9fff] [\u4e00-\u9fff]", t) for t in texts)
    # The headings between the tables are text in reading order.
    headings = [b.text for b in doc.text_blocks() if re.match(r"[一二三四五六]、", b.text)]
    assert [h[0] for h in headings] == list("一二三四五六")


# Format choice and per-file errors, on copies of one real file made here.

SOURCE = SAMPLES / "hongze_district_gov_2023.pdf"


def test_sniff_and_register():
    fmt = PdfFormat()
    assert fmt.sniff(Path("report.bin"), b"%PDF-1.7\n") == InputFormat.CONTENT
    assert fmt.sniff(Path("report.PDF"), b"<html>") == InputFormat.EXTENSION
    assert fmt.sniff(Path("report.txt"), b"text") is None
    found = []
    register_formats(register=found.append)
    assert [f.name for f in found] == ["pdf"]


def reason(path: Path) -> str:
    with pytest.raises(ExtractionError) as info:
        PdfFormat().extract(path)
    return str(info.value)


def test_truncated(tmp_path):
    data = SOURCE.read_bytes()
    (tmp_path / "half.pdf").write_bytes(data[: len(data) // 2])
    (tmp_path / "junk.pdf").write_bytes(b"%PDF-1.4\nnot really")
    assert reason(tmp_path / "half.pdf").startswith("not a readable PDF: ")
    assert reason(tmp_path / "junk.pdf").startswith("not a readable PDF: ")


def test_image_only_without_the_ocr_extra(tmp_path, monkeypatch):
    with pdfplumber.open(SOURCE) as pdf:
        images = [page.to_image(resolution=40).original.convert("RGB") for page in pdf.pages[:2]]
    images[0].save(tmp_path / "scan.pdf", save_all=True, append_images=images[1:])
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)  # imports as if not installed
    assert reason(tmp_path / "scan.pdf") == (
        "scanned pages need OCR, but rapidocr_onnxruntime is not installed: pip install gidr-etl[ocr]"
    )


def test_encrypted(tmp_path):
    pypdf = pytest.importorskip("pypdf")  # test-only dependency
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(SOURCE))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    writer.write(tmp_path / "locked.pdf")
    assert reason(tmp_path / "locked.pdf") == "encrypted PDF"


def test_fonts_without_unicode_map(tmp_path):
    pypdf = pytest.importorskip("pypdf")
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(SOURCE))
    for page in writer.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font.get_object().pop("/ToUnicode", None)
    writer.write(tmp_path / "cid.pdf")
    assert reason(tmp_path / "cid.pdf").startswith("fonts without a Unicode map (cid:…)")


def part(page: int, n_rows: int, n_cols: int, *cells) -> _Part:
    """A table piece from (row, col, text[, row_span[, col_span]]) cells, columns 100 pt wide."""
    made = []
    for row, col, text, *spans in cells:
        row_span, col_span = (*spans, 1, 1)[:2]
        made.append(_CellBox(col * 100, (col + col_span) * 100, row, row_span, text, page))
    return _Part(page, (0, 0, n_cols * 100, 50), [c * 100 for c in range(n_cols + 1)], made, n_rows)


def joined(*parts: _Part) -> list[list[tuple]]:
    """The joined table's grid as (text, row_span, col_span) of each position's anchor."""
    head, *more = parts
    head.more.extend(more)
    return [[(c.text, c.row_span, c.col_span) for c in row] for row in _table(head, "x.pdf").grid()]


def test_repeated_header_is_dropped_when_joining():
    grid = joined(
        part(1, 2, 2, (0, 0, "信息内容"), (0, 1, "数量"), (1, 0, "行政处罚"), (1, 1, "4119")),
        part(2, 2, 2, (0, 0, "信息内容"), (0, 1, "数量"), (1, 0, "行政强制"), (1, 1, "195")),
    )
    texts = [[t for t, *_ in row] for row in grid]
    assert texts == [["信息内容", "数量"], ["行政处罚", "4119"], ["行政强制", "195"]]


def test_row_cut_by_the_page_break_is_one_row():
    # LibreOffice breaks inside a row: "4.无" and its numbers above, "正当理由大量反复申请" below.
    grid = joined(
        part(
            1,
            2,
            3,
            (0, 0, "（五）不予处理", 2),
            (0, 1, "3.要求提供公开出版物"),
            (0, 2, "0"),
            (1, 1, "4.无"),
            (1, 2, "7"),
        ),
        part(
            2,
            2,
            3,
            (0, 0, "", 2),
            (0, 1, "正当理由大量反复申请"),
            (0, 2, ""),
            (1, 1, "5.要求行政机关确认"),
            (1, 2, "1"),
        ),
    )
    assert [[t for t, *_ in row] for row in grid] == [
        ["（五）不予处理", "3.要求提供公开出版物", "0"],
        ["（五）不予处理", "4.无正当理由大量反复申请", "7"],
        ["（五）不予处理", "5.要求行政机关确认", "1"],
    ]
    assert grid[0][0] == ("（五）不予处理", 3, 1)


def test_header_label_cut_by_the_page_break_is_rejoined():
    grid = joined(
        part(1, 1, 3, (0, 0, "自然"), (0, 1, "法人或其他组织", 1, 2)),
        part(2, 2, 3, (0, 0, "人"), (0, 1, "商业企业"), (0, 2, "科研机构"), (1, 0, "3"), (1, 1, "1"), (1, 2, "2")),
    )
    assert grid == [
        [("自然人", 2, 1), ("法人或其他组织", 1, 2), ("法人或其他组织", 1, 2)],
        [("自然人", 2, 1), ("商业企业", 1, 1), ("科研机构", 1, 1)],
        [("3", 1, 1), ("1", 1, 1), ("2", 1, 1)],
    ]


def test_a_line_in_two_fonts_stays_one_line_whatever_their_descents():
    """Word and LibreOffice print a line's Latin digits in another font than its Chinese, on one
    baseline; the fonts' boxes hang by their own descents (0 where LibreOffice writes none
    for a fallback font such as WenQuanYi Micro Hei). The digits of a real page given a box
    5 points deeper, as a deeper descent draws it: the page's lines are the same."""
    from gidr_etl.formats import pdf_pages
    from gidr_etl.formats.pdf import _lines

    def deeper(char: dict) -> dict:
        if not char["text"].isascii():
            return char
        return {**char, **{k: char[k] + 5 for k in ("top", "bottom", "doctop")}, "y0": char["y0"] - 5}

    for reader in pdf_pages.READERS:
        with pdf_pages.open_pages(SAMPLES / "hongze_district_gov_2023.pdf", reader) as pages:
            page = next(iter(pages))
            lines = [line["text"] for line in _lines(page, [])]
            assert any("2023" in line and "年" in line for line in lines)
            page._objects = {**page.objects, "char": [deeper(c) for c in page.chars]}
            page.get_textmap.cache_clear()
            assert [line["text"] for line in _lines(page, [])] == lines, reader
