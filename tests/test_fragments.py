"""Degraded conversions: tables broken at page footers, labels wrapped or garbled.

The fixtures are what poppler's `pdftotext -layout` makes of the three real PDFs
(tests/fixtures/converted); the variants are made from them here.
"""

import shutil
import subprocess
from pathlib import Path

import pytest
import render
from helpers import SAMPLES, assert_every_null_is_said, cells_of, gold_cells, run_cli

from gidr_etl.core import build_report
from gidr_etl.formats.txt import TxtFormat
from gidr_etl.reading.tokens import layout_cells

CONVERTED = Path(__file__).parent / "fixtures" / "converted"
HONGZE = CONVERTED / "hongze_district_gov_2023.pdftotext.txt"
HUAIAN = CONVERTED / "huaian_municipal_gov_2024.pdftotext.txt"


def _report(path: Path):
    return build_report(TxtFormat().extract(path))


def _variant(tmp_path, source: Path, *replacements) -> Path:
    text = source.read_text("utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    out = tmp_path / source.name
    out.write_text(text, "utf-8")
    return out


def _wrong(report, gold: dict) -> dict:
    """Cells read with a value that differs from the gold: must always be empty."""
    return {
        k: (c.value, gold[k])
        for k, c in report.cells.items()
        if c.value is not None and gold.get(k, "?") != "?" and c.value != gold[k]
    }


@pytest.mark.parametrize(
    "line, cells",
    [
        (
            "一、本年新收政府信息公开申请数量         21    0      0     0   0   0     21",
            ["一、本年新收政府信息公开申请数量", "21", "0", "0", "0", "0", "0", "21"],
        ),
        ("行政事业性收费                    7730.28", ["行政事业性收费", "7730.28"]),
        ("10    1      0   0    0", ["10", "1", "0", "0", "0"]),
        # no column gap: wrapped prose, or digits a crawler ran together (the solver's job)
        ("2023 年全区受理政府信息公开申请 21", ["2023 年全区受理政府信息公开申请 21"]),
        ("1 0 2 0 3", ["1 0 2 0 3"]),
        ("10203120001200000", ["10203120001200000"]),
        # page furniture and converters' generic headers are no cells at all
        ("-3-", []),
        ("— 5 —", []),
        ("第 3 页 共 5 页", []),
        ("数据1   数据2   数据3", []),
    ],
)
def test_layout_line_cells(line, cells):
    assert layout_cells(line) == cells


# Where a page break may fall inside a row, and what a converter prints there.
PAGE_BREAKS = {
    "footer and generic header": "\n\n                                   — 3 —\n\n第 3 页 共 5 页\n数据1   数据2   数据3   数据4\n",
    "the table's header again": "\n\n                  -3-\n\n          自然人    商业企业   科研机构   社会公益组织   法律服务机构   其他    总计\n",
}


@pytest.mark.parametrize("page_break", PAGE_BREAKS.values(), ids=PAGE_BREAKS.keys())
def test_row_broken_across_a_page_break(tmp_path, page_break):
    # The first request row split over a page, the page's furniture between its values.
    row = "一、本年新收政府信息公开申请数量                             21    0      0     0   0   0     21"
    broken = (
        "一、本年新收政府信息公开申请数量                             21    0      0"
        + page_break
        + "                                                                  0   0   0     21"
    )
    report = _report(_variant(tmp_path, HONGZE, (row, broken)))
    gold = gold_cells("hongze_district_gov_2023")
    got = {c.col: c.value for (s, r, _), c in report.cells.items() if (s, r) == ("requests", "new")}
    assert got == {col: v for (s, r, col), v in gold.items() if (s, r) == ("requests", "new")}
    assert not _wrong(report, gold)
    assert not [f for f in report.findings if f.severity == "error" and f.rule != "appeals_row_sum"]


def test_wrapped_labels_find_their_rows():
    # Huaian's 2021 （六） sub-rows wrap over three lines with the values on the middle one.
    report = _report(HUAIAN)
    assert report.value("requests", "other_no_correction", "total") == 71
    assert report.value("requests", "other_no_fee", "natural_person") == 6
    assert report.value("requests", "other_misc", "total") == 110


def test_label_cut_short_is_matched_fuzzily_and_said():
    # "5.要求行政机关确认或重新出" / values / "具已获取信息": the label's end is on the far side of its values.
    report = _report(HUAIAN)
    assert report.value("requests", "rejected_confirmation", "total") == 1
    (fuzzy,) = [f for f in report.findings if f.rule == "label_fuzzy"]
    assert fuzzy.row == "rejected_confirmation" and "要求行政机关确认或重新出" in fuzzy.message
    assert "similarity 0.80" in fuzzy.message


@pytest.mark.parametrize("source", [HONGZE, SAMPLES / "001_f034b2af3da2120e.txt"], ids=["layout", "pipe-cells"])
def test_ocr_slip_in_a_label(tmp_path, source):
    report = _report(_variant(tmp_path, source, ("属于国家秘密", "属于国家秘蜜")))
    gold = gold_cells(source.name.split(".")[0])
    for col in ("natural_person", "total"):
        assert report.value("requests", "denied_state_secret", col) == gold["requests", "denied_state_secret", col]
    (fuzzy,) = [f for f in report.findings if f.rule == "label_fuzzy"]
    assert fuzzy.row == "denied_state_secret" and "国家秘蜜" in fuzzy.message
    assert not _wrong(report, gold)


def test_a_label_garbled_beyond_recognition_stays_null(tmp_path):
    # "规章" → "规草": too short and too far to be sure; its cells are NULL, never guessed.
    report = _report(_variant(tmp_path, HONGZE, ("规章 ", "规草 ")))
    assert report.cells["art20_1", "regulations", "issued"].value is None
    assert report.status("art20_1", "regulations", "issued") == "missing"
    assert any(f.rule == "cell_missing" and f.row == "regulations" for f in report.findings)
    assert not _wrong(report, gold_cells("hongze_district_gov_2023"))


def test_a_group_heading_is_never_a_garbled_row_label(tmp_path):
    # Rows (一) and (二) lost and 国家秘密's label too: "(三)不予公开" heads 国家秘密's values where
    # 予以公开 is looked for. It is one letter from "予以公开", but printed as the template words
    # it: no garble of that row.
    source = SAMPLES / "001_f034b2af3da2120e.txt"
    text = source.read_text("utf-8")
    rows = text[text.index("(一)予以公开 |") : text.index("(三)不予公开 |")]
    report = _report(_variant(tmp_path, source, (rows, ""), ("1.属于国家秘密 |\n", "")))
    assert [report.value("requests", "granted", c) for c in ("natural_person", "total")] == [None, None]
    assert not [f for f in report.findings if f.rule == "label_fuzzy"]
    assert not _wrong(report, gold_cells(source.name.split(".")[0]))


needs_converters = pytest.mark.skipif(
    not (shutil.which("soffice") and shutil.which("pdftotext")),
    reason="needs LibreOffice and poppler-utils (scripts/test installs both)",
)


@pytest.mark.soffice
@pytest.mark.slow
@needs_converters
@pytest.mark.parametrize("seed", render.SEEDS)
def test_seed_printed_to_pdf_and_converted_back_to_text(seed, tmp_path):
    # Each seed rendered as a PDF (LibreOffice) and turned back into text by pdftotext -layout,
    # the way many collections hold their reports: every cell right or NULL and said, never wrong.
    pdf = render.render_pdf(seed, tmp_path / f"{seed}.pdf")
    txt = tmp_path / f"{seed}.txt"
    subprocess.run(["pdftotext", "-layout", str(pdf), str(txt)], check=True, timeout=60)
    report = _report(txt)
    gold = gold_cells(seed)
    assert not _wrong(report, gold)
    scored = [k for k, v in gold.items() if v not in ("?", None)]
    read = [k for k in scored if report.value(*k) is not None]
    assert len(read) >= 0.95 * len(scored)
    said = {(f.section, f.row, f.col) for f in report.findings if f.rule.startswith("cell_")}
    assert all(k in said for k in scored if report.value(*k) is None)
    meta = render.gold(seed)["metadata"]
    assert report.metadata.agency in (meta["agency"] if isinstance(meta["agency"], list) else [meta["agency"]])
    assert report.metadata.year == meta["year"]


@pytest.mark.slow
def test_a_scrambled_conversion_gives_no_wrong_number(tmp_path):
    # pdftotext without -layout reads these tables column by column: labels, then
    # values far from them. Little can be read, and nothing may be read wrong.
    db = tmp_path / "gidr.db"
    scrambled = Path(__file__).parent / "fixtures" / "scrambled"
    run_cli("ingest", scrambled, "--db", db, check=0)
    for path in scrambled.iterdir():
        stem = path.name.split(".")[0]
        got = cells_of(db, path.name)
        gold = gold_cells(stem)
        assert got, path
        assert {k: v for k, v in got.items() if v is not None and gold.get(k, "?") not in ("?", v)} == {}
    assert_every_null_is_said(db)


@pytest.mark.parametrize(
    "seed, printed",
    [
        ("000_2d55a32003931e6c.txt", "(六)其他處理"),  # 2021
        ("002_3a38b772f27b9fba.txt", "(六)其他處理"),
    ],
)  # 2019
def test_a_group_label_printed_short(tmp_path, seed, printed):
    # "(六) 其他" for （六）其他处理, as a conversion that lost characters prints it.
    report = _report(_variant(tmp_path, SAMPLES / seed, (printed, "(六) 其他")))
    gold = gold_cells(seed)
    other = {k: v for k, v in gold.items() if k[0] == "requests" and k[1].startswith("other")}
    assert other and {k: report.value(*k) for k in other} == other
    assert not _wrong(report, gold)
