"""Huaian's report as an OCR converter writes its tables (issue #12, point 6): many small Markdown
tables under generic headers (数据1 …), the requests table's column headers landing mid-table, a
requests row and the appeals row cut across pieces (tests/minitables.py). Every cell reads right
or NULL; the cut rows are rejoined where the pieces tie them."""

import json
from pathlib import Path

from minitables import mini_table_text

from gidr_etl.core import build_report
from gidr_etl.formats.txt import TxtFormat

GOLD = json.loads((Path(__file__).parent / "gold" / "realdocs" / "huaian_municipal_gov_2024.json").read_text("utf-8"))
CELLS = {tuple(c[:3]): c[3] for c in GOLD["cells"]}


def _read(tmp_path, text: str):
    path = tmp_path / "huaian_ocr.txt"
    path.write_text(text, "utf-8")
    return build_report(TxtFormat().extract(path))


def _wrong(report) -> dict:
    return {
        k: (c.value, CELLS.get(k)) for k, c in report.cells.items() if c.value is not None and c.value != CELLS.get(k)
    }


def _missed(report) -> set:
    return {k for k, v in CELLS.items() if v is not None and report.value(*k) is None}


def test_mini_tables_read_every_cell(tmp_path):
    text = mini_table_text(GOLD)
    assert text.count("| 数据1 |") >= 10 and "| 0 | 0 | 5 |" in text  # the cut 危及“三安全一稳定” row
    report = _read(tmp_path, text)
    assert not _wrong(report)
    assert not _missed(report)


def test_a_cut_row_whose_rest_does_not_tie_stays_null(tmp_path):
    # The rest of the cut row lost a value: four and two values for seven columns. Nothing
    # ties the pieces, so the row is a short row: NULL where its alignment is open, no number
    # from the next row.
    text = mini_table_text(GOLD).replace("| 0 | 0 | 5 |", "| 0 | 5 |", 1)
    report = _read(tmp_path, text)
    assert not _wrong(report)
    assert report.value("requests", "denied_three_safeties", "total") is None
    assert _missed(report) <= {k for k in CELLS if k[:2] == ("requests", "denied_three_safeties")}
