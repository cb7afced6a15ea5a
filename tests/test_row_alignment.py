"""Rows printed with more or fewer values than columns (issue #12, points 1-3): variants of real
rows. Separated values are never re-split, a misaligned row is ambiguous unless its own arithmetic
singles out one alignment, and a lone page number line is no value."""

import subprocess
from pathlib import Path

import pytest
from conftest import SAMPLES
from helpers import ROOT
from row_variants import CONVERTED, ROW_LINE_FILES, gold_of, measure, wrong_numbers

from gidr_etl.core import build_report
from gidr_etl.formats.txt import TxtFormat
from gidr_etl.report import AMBIGUOUS

SEED_TABS = SAMPLES / "004_20a0191baea80f94.txt"  # a row a line, tab-separated
SEED_PIPES = SAMPLES / "002_3a38b772f27b9fba.txt"  # a row a line, pipe-separated
SEED_CELL_LINES = SAMPLES / "001_f034b2af3da2120e.txt"  # one cell a line: a stream
HUAIAN = CONVERTED / "huaian_municipal_gov_2024.pdftotext.txt"  # pdftotext -layout: column gaps
HONGZE = CONVERTED / "hongze_district_gov_2023.pdftotext.txt"


def _read(tmp_path: Path, source: Path, old: str, new: str):
    text = source.read_text("utf-8")
    assert text.count(old) >= 1, old
    out = tmp_path / source.name
    out.write_text(text.replace(old, new, 1), "utf-8")
    return build_report(TxtFormat().extract(out))


def _row(report, section: str, row: str) -> dict:
    return {c: cell for (s, r, c), cell in report.cells.items() if (s, r) == (section, row)}


def _said_ambiguous(report, section: str, row: str, col: str) -> bool:
    return any(f.rule == "cell_ambiguous" and (f.section, f.row, f.col) == (section, row, col) for f in report.findings)


@pytest.mark.parametrize("printed", ["规章\t12\t5", "规章\t0\t24"])
def test_separated_values_are_never_split(tmp_path, printed):
    # Two values under three columns of an art20 row, which has no arithmetic: which column
    # lacks its value nobody can tell, and "12" is never 1 and 2.
    report = _read(tmp_path, SEED_TABS, "规章\t0\t0\t0", printed)
    row = _row(report, "art20_1", "regulations")
    assert all(cell.value is None and cell.status == AMBIGUOUS and not cell.inferred for cell in row.values())
    assert all(_said_ambiguous(report, "art20_1", "regulations", col) for col in row)
    assert not wrong_numbers(report, gold_of(SEED_TABS))


def test_a_glued_digit_run_is_still_split_where_only_one_cut_fits(tmp_path):
    # Pingtan's dump prints "000" for 规章's three cells: one cut only.
    report = build_report(TxtFormat().extract(SAMPLES / "pingtan_zonghe_shiyanqu_2021.txt"))
    row = _row(report, "art20_1", "regulations")
    assert {c: cell.value for c, cell in row.items()} == {"issued": 0, "repealed": 0, "in_force": 0}


def test_an_extra_number_is_ruled_out_by_the_row_sum(tmp_path):
    # Seed 001 prints a value a line; an extra "98" after 91 makes eight values for seven
    # columns. Only dropping the 98 lets 总计 (113) be the sum of the six applicant columns.
    report = _read(tmp_path, SEED_CELL_LINES, "91 |\n12 |", "91 |\n98 |\n12 |")
    gold = gold_of(SEED_CELL_LINES)
    assert {c: cell.value for c, cell in _row(report, "requests", "new").items()} == {
        c: v for (s, r, c), v in gold.items() if (s, r) == ("requests", "new")
    }
    assert report.value("requests", "new", "commercial") == 12
    assert not wrong_numbers(report, gold)


def test_an_extra_number_in_a_row_without_arithmetic_is_ambiguous(tmp_path):
    # "行政规范性文件   8   98   26   66": which of four values is extra, nothing says.
    report = _read(tmp_path, HUAIAN, "行政规范性文件       8          26", "行政规范性文件       8    98    26")
    row = _row(report, "art20_1", "normative_documents")
    assert all(cell.value is None and cell.status == AMBIGUOUS for cell in row.values())
    assert not wrong_numbers(report, gold_of(HUAIAN))


def test_a_value_missing_from_a_pipe_row_shifts_nothing(tmp_path):
    # Hongze's first requests row as a Markdown pipe row, one of its 0s deleted: six values for
    # seven columns, and the row sum holds wherever the gap is. No cell is read, none is said blank.
    old = "一、本年新收政府信息公开申请数量                             21    0      0     0   0   0     21"
    report = _read(tmp_path, HONGZE, old, "一、本年新收政府信息公开申请数量 | 21 | 0 | 0 | 0 | 0 | 21 |")
    row = _row(report, "requests", "new")
    assert all(cell.value is None and cell.status == AMBIGUOUS for cell in row.values())
    assert all(_said_ambiguous(report, "requests", "new", col) for col in row)
    assert not [f for f in report.findings if f.rule == "cell_blank" and f.row == "new"]
    assert not wrong_numbers(report, gold_of(HONGZE))


def test_a_value_missing_where_the_row_sum_leaves_one_place(tmp_path):
    # "一、本年新收 … 21 0 0 0 0 0 21" without its 总计: seven columns, six values. Put
    # anywhere else, the missing value would make 21 the total of more than 21.
    old = "21    0      0     0   0   0     21"
    report = _read(tmp_path, HONGZE, old, old[: -len("     21")])
    new = _row(report, "requests", "new")
    assert new["natural_person"].value == 21 and new["other_org"].value == 0
    assert new["total"].value is None
    assert not wrong_numbers(report, gold_of(HONGZE))


def test_a_trailing_blank_cell_that_pads_a_short_row_is_not_the_last_column(tmp_path):
    # Hongze's first requests row as a pipe row without its 总计, padded back to seven cells
    # with a blank one, as a table writer does (every row as wide as the widest). Read as
    # cells, the blank would be 总计 although the row adds up to 21: it is padding, and the
    # row sum leaves the missing value one place, 总计.
    old = "一、本年新收政府信息公开申请数量                             21    0      0     0   0   0     21"
    report = _read(tmp_path, HONGZE, old, "一、本年新收政府信息公开申请数量 | 21 | 0 | 0 | 0 | 0 | 0 |  |")
    new = _row(report, "requests", "new")
    assert new["natural_person"].value == 21 and new["other_org"].value == 0
    assert new["total"].value is None
    assert not [f for f in report.findings if f.rule == "cell_blank" and f.row == "new"]
    assert not wrong_numbers(report, gold_of(HONGZE))


def test_a_trailing_blank_cell_the_row_sum_allows_stays_a_blank_cell():
    # Seed 002's （七）总计 prints six 0s and leaves 总计 blank: a blank cell, as its gold says.
    report = build_report(TxtFormat().extract(SEED_PIPES))
    assert report.cells["requests", "total", "total"].value is None
    assert any(f.rule == "cell_blank" and (f.row, f.col) == ("total", "total") for f in report.findings)
    assert not wrong_numbers(report, gold_of(SEED_PIPES))


def test_a_total_lost_beside_printed_totals_places_nothing_its_sum_alone_decides(tmp_path):
    # pdftotext's default mode prints Hongze 2024's appeals row as 14 values a line, its last
    # 总计 (3) after a heading further on. The alignment whose sums hold leaves 复议后起诉 总计
    # unprinted, which tests that row's sum with nothing. Alignments that read that row's 总计
    # as 0 fail only at that sum (the lost value at 复议后起诉 维持, or at 未经复议 总计): real
    # reports' sums are often wrong, so the cells they disagree on stay NULL, where they were
    # read from the sum alone. The cells all of them agree on are read.
    text = tmp_path / "hongze_district_gov_2024.txt"
    subprocess.run(["pdftotext", str(SAMPLES / "hongze_district_gov_2024.pdf"), str(text)], check=True)
    report = build_report(TxtFormat().extract(text))
    gold = gold_of(SAMPLES / "hongze_district_gov_2024.pdf")
    cells = {(r, c): cell for (s, r, c), cell in report.cells.items() if s == "appeals"}
    open_ = {("suit_direct", "total")} | {(r, c) for r, c in cells if r == "suit_after_review"}
    assert all(cells[k].status == AMBIGUOUS for k in open_)
    assert all(cell.value == gold["appeals", r, c] for (r, c), cell in cells.items() if (r, c) not in open_)
    assert not wrong_numbers(report, gold)


@pytest.mark.parametrize(
    "source, after",
    [
        (HUAIAN, "规章            1          0        11\n"),  # a row a line, column gaps
        (SEED_CELL_LINES, "规范性文件 |\n32 |\n"),  # table cells a line
    ],
)
def test_a_lone_page_number_line_is_no_value(tmp_path, source, after):
    report = _read(tmp_path, source, after, after + "12\n")
    gold = gold_of(source)
    assert not wrong_numbers(report, gold)
    for row in ("regulations", "normative_documents"):
        assert {c: cell.value for c, cell in _row(report, "art20_1", row).items()} == {
            c: v for (s, r, c), v in gold.items() if (s, r) == ("art20_1", row)
        }


@pytest.mark.slow
def test_no_wrong_number_on_any_row_variant():
    # Every row line of the row-a-line files: each value deleted, an extra number before each,
    # a lone "12" line after it (tests/row_variants.py; main before #12 made 820 wrong numbers).
    variants, wrong, _ = measure(limit=60)
    assert variants >= 60 * len(ROW_LINE_FILES) * 0.5
    assert wrong == 0


# ------------------------------------------------------------------ point 5: labels block, values block


def test_a_block_of_labels_then_a_block_of_values_is_not_paired_by_position(tmp_path):
    # Huaian's art20_1 rows rewritten as a degraded conversion prints them: both labels, then
    # both value rows. Nothing in the document says which row is whose, and art20_1 has no
    # arithmetic: the cells that differ between the two value rows stay NULL.
    old = "规章            1          0        11\n\n行政规范性文件       8          26       66"
    text = HUAIAN.read_text("utf-8")
    assert old.replace("\n\n", "\n") in text or old in text, "layout changed"
    printed = old if old in text else old.replace("\n\n", "\n")
    report = _read(
        tmp_path,
        HUAIAN,
        printed,
        "规章\n行政规范性文件\n             1          0        11\n             8          26       66",
    )
    for row in ("regulations", "normative_documents"):
        cells = _row(report, "art20_1", row)
        assert all(c.value is None and c.status == AMBIGUOUS for c in cells.values()), row
        assert all(_said_ambiguous(report, "art20_1", row, col) for col in cells)
    assert not wrong_numbers(report, gold_of(HUAIAN))


def test_a_values_block_column_printed_alike_stands(tmp_path):
    # Hongze's 新收 and 上年结转 rows as labels then values: the columns 0 in both rows are 0
    # whichever row is whose; 21 (natural persons, total) could be either row's.
    old = (
        "一、本年新收政府信息公开申请数量                             21    0      0     0   0   0     21\n"
        "二、上年结转政府信息公开申请数量                              0    0      0     0   0   0     0"
    )
    new = (
        "一、本年新收政府信息公开申请数量\n二、上年结转政府信息公开申请数量\n"
        "      21    0      0     0   0   0     21\n       0    0      0     0   0   0     0"
    )
    report = _read(tmp_path, HONGZE, old, new)
    for row in ("new", "carried_over"):
        cells = _row(report, "requests", row)
        assert cells["commercial"].value == 0 and cells["other_org"].value == 0
        assert cells["natural_person"].status == AMBIGUOUS and cells["total"].status == AMBIGUOUS
    assert not wrong_numbers(report, gold_of(HONGZE))


# Seed 77's shrunk variant of the blank 2021 template as a Markdown table (markitdown and pandoc print
# a merged cell followed by empty cells where it spans), with a number inserted after 行政处罚's value cell.
MARKDOWN_ROW = ROOT / "tests" / "fixtures" / "fuzz_regressions" / "mutation-insert_value_5a0d89f229.txt"
HEADER = "| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |  |"


@pytest.mark.parametrize(
    "header, printed, value",
    [
        (HEADER, "| 行政处罚 | 98 |  |  |  |", 98),  # the value cell, then its span
        (HEADER, "| 行政处罚 |  |  |  | 98 |", None),  # a blank value cell, then a number too many
        # The label merged over two columns: its filler stands left of the header's value columns.
        ("| 信息内容 |  | 本年制发件数 | 本年废止件数 | 现行有效件数 |", "| 行政处罚 |  | 98 |  |  |", 98),
    ],
)
def test_a_pipe_tables_header_places_its_value_columns(tmp_path, header, printed, value):
    text = MARKDOWN_ROW.read_text("utf-8")
    assert HEADER in text and "| 行政处罚 |  |  |  | 98 |" in text
    out = tmp_path / "report.txt"
    out.write_text(text.replace(HEADER, header).replace("| 行政处罚 |  |  |  | 98 |", printed), "utf-8")
    report = build_report(TxtFormat().extract(out))
    cell = report.cells["art20_6", "penalties", "decisions"]
    assert cell.value == value
    assert value is not None or (
        cell.status == AMBIGUOUS and _said_ambiguous(report, "art20_6", "penalties", "decisions")
    )
