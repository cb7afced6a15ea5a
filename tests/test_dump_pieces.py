"""Crawler dumps with a number inserted or a row's digits lost (issue #12, points 1 and 4, found by
the fuzzer): the Pingtan dump (2021 template) and seed 002's gold written as a 2019 dump, each
edited where the fuzzer's shrunk fixtures were. No cell may hold a number its text does not say."""

from pathlib import Path

from conftest import SAMPLES
from dump2019 import busy_cells, dump
from row_variants import gold_of, wrong_numbers

from gidr_etl.core import build_report
from gidr_etl.formats.txt import TxtFormat
from gidr_etl.report import AMBIGUOUS

PINGTAN = SAMPLES / "pingtan_zonghe_shiyanqu_2021.txt"


def _read(tmp_path: Path, text: str):
    path = tmp_path / "dump.txt"
    path.write_text(text, "utf-8")
    return build_report(TxtFormat().extract(path))


def _edited(source: Path, old: str, new: str) -> str:
    text = source.read_text("utf-8")
    assert text.count(old) == 1, old
    return text.replace(old, new)


def test_a_leading_zero_in_a_dump_is_two_cells_run_together(tmp_path):
    # "行政强制42" with a 0 inserted: "042" is 0 and 42, or 04 and 2 - never the number 42 in one
    # column. The row holds more cells than the 2021 template's one column: ambiguous.
    report = _read(tmp_path, _edited(PINGTAN, "行政强制42", "行政强制042"))
    cell = report.cells["art20_6", "enforcement", "decisions"]
    assert cell.value is None and cell.status == AMBIGUOUS
    assert report.value("art20_6", "penalties", "decisions") == 1282
    assert not wrong_numbers(report, gold_of(PINGTAN))


def test_a_label_piece_naming_two_rows_leaves_its_digits_to_neither(tmp_path):
    # 规章's "000" lost: "规章行政规范性文件693665" is one piece of the dump. The digits after it
    # are 行政规范性文件's, or 规章's printed before a label with none: both rows are ambiguous.
    report = _read(tmp_path, _edited(PINGTAN, "规章 000行政规范性文件", "规章行政规范性文件"))
    for row in ("regulations", "normative_documents"):
        for c in ("issued", "repealed", "in_force"):
            cell = report.cells["art20_1", row, c]
            assert cell.value is None and cell.status == AMBIGUOUS
    assert not wrong_numbers(report, gold_of(PINGTAN))


def test_a_dump_row_does_not_run_on_over_the_next_tables_column_names(tmp_path):
    # A 2019 dump whose 其他对外管理服务事项 row and （六） caption are lost: 行政许可's "38-12391"
    # is followed by "信息内容上一年项目数量本年增/减处理决定数量行政处罚000". Those column names
    # are the next table's, not a header printed again inside 行政许可's row: its 处理决定数量
    # is in "-12391" (2391 the only cut the text cannot rule out), never 行政处罚's 000.
    cells = busy_cells()
    text = dump(cells)
    assert "行政许可38-12391其他对外管理服务事项2+157480第二十条第（六）项" in text
    report = _read(tmp_path, text.replace("其他对外管理服务事项2+157480第二十条第（六）项", ""))
    assert report.value("art20_5", "licensing", "prior_items") == 38
    assert report.value("art20_5", "licensing", "decisions") in (None, 2391)
    said = {k: v for k, v in cells.items() if k[:2] != ("art20_5", "other_services")}
    assert not wrong_numbers(report, said)
