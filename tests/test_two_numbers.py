"""Two numbers are two values (issue #21, point 3): "72 64" or "10 1" in one cell or text item
is never one number (pdftohtml joined two cells' text into 7264, markitdown's "10 1" read as
101); which columns they fill is decided by the row's structure, else left ambiguous. A count
printed negative is never 0.

The inputs are the real seeds' texts and renderings with one row edited the way the
converters print it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import render

from gidr_etl.core import build_report
from gidr_etl.formats.txt import TxtFormat
from gidr_etl.reading.values import read_value
from gidr_etl.report import UNREADABLE
from gidr_etl.testing.fuzz import read

ROOT = Path(__file__).resolve().parent.parent
COLUMNS = ("natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org", "total")


@pytest.mark.parametrize(
    "printed, kind, expected",
    [
        ("72 64", "count", (None, UNREADABLE)),
        ("10 1", "count", (None, UNREADABLE)),
        ("12 459", "count", (12459, "read")),  # a space between groups of three: thousands
        ("-7", "count", (None, UNREADABLE)),
        ("-7", "signed", (-7, "read")),
    ],
)
def test_read_value(printed, kind, expected):
    assert read_value(printed, kind) == expected


def text_report(tmp_path, text: str):
    path = tmp_path / "report.txt"
    path.write_text(text, "utf-8")
    return build_report(TxtFormat().extract(path))


def new_row(report) -> list:
    return [report.cells["requests", "new", c].value for c in COLUMNS]


def test_two_numbers_in_one_html_cell_fill_two_columns(tmp_path):
    """Seed 001's HTML with 本年新收's first two values in one <td> ("91 12"): the row prints as
    many numbers as it has cells, so each stands in its column."""
    seed = "001_f034b2af3da2120e"
    html = render.render_html(seed)
    joined = html.replace("<td><p>91</p></td>\n<td><p>12</p></td>", "<td><p>91 12</p></td>", 1)
    assert joined != html
    path = tmp_path / "report.html"
    path.write_text(joined, "utf-8")
    report = read(path).report
    assert new_row(report) == [91, 12, 0, 0, 0, 10, 113]


def test_two_numbers_in_one_pipe_cell(tmp_path):
    """Seed 001's text (a cell a line) with two cells' values on one line ("0 10 |", as markitdown
    wrote "10 1"): two values, each in its column; nowhere 010 or 10."""
    text = (ROOT / "sample_inputs" / "001_f034b2af3da2120e.txt").read_text("utf-8")
    start = text.index("一、本年新收")
    head, row = text[:start], text[start:]
    edited = row.replace("0 |\n10 |\n113 |", "0 10 |\n113 |", 1)
    assert edited != row
    report = text_report(tmp_path, head + edited)
    assert new_row(report) == [91, 12, 0, 0, 0, 10, 113]


def test_digits_spaced_like_thousands_in_a_row_one_value_short(tmp_path):
    """Digits spaced like thousands ("10 113") may be 10113 or two values; in a row that prints one value short of its
    cells it is the two values 10 and 113."""
    text = (ROOT / "sample_inputs" / "001_f034b2af3da2120e.txt").read_text("utf-8")
    start = text.index("一、本年新收")
    edited = text[start:].replace("10 |\n113 |", "10 113 |", 1)
    report = text_report(tmp_path, text[:start] + edited)
    assert new_row(report) == [91, 12, 0, 0, 0, 10, 113]


def test_a_count_printed_negative_is_never_zero(tmp_path):
    """Seed 002 (a 2019-template text) with -7 printed in 本年新收 and in 行政处罚: NULL with a
    finding, the raw text kept; the other cells of the rows read as printed."""
    lines = (ROOT / "sample_inputs" / "002_3a38b772f27b9fba.txt").read_text("utf-8").split("\n")
    for i, line in enumerate(lines):
        if line.startswith(("一、本年新收", "行政處罰")):
            lines[i] = line.replace("| 0 |", "| -7 |", 1)
    report = text_report(tmp_path, "\n".join(lines))
    assert report.template == "2019"
    for key in (("requests", "new", "natural_person"), ("art20_6", "penalties", "prior_items")):
        cell = report.cells[key]
        assert (cell.value, cell.status, cell.raw) == (None, UNREADABLE, "-7")
        assert any(f.rule == "cell_unreadable" and (f.section, f.row, f.col) == key for f in report.findings)
    assert new_row(report)[1:] == [0] * 6
    assert report.value("art20_6", "penalties", "change") == 0
