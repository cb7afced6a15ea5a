"""Captions and row labels an image's reader garbled past matching (issue #23: the fax).

A fax's 1-bit print loses the thin strokes of a table's labels: the stroke 一 of
"第二十条第（一）项" comes out as dashes, 予以公开 as 产以公计. The template prints its captions
and its rows in one order, so a garbled caption or label between read ones, where the
template has as many, is placed by that order (reading/locate.captions,
template_cells._scanned_row_labels), with a label_fuzzy finding. Tested on a real report
whose cells are handed over as a recogniser would hand them, garbled as the fax scans of
tests/scans.py garble them.
"""

from __future__ import annotations

import shutil
import sqlite3

from helpers import SAMPLES, assert_every_null_is_said, gold_cells

from gidr_etl.formats.base import InputFormat
from gidr_etl.formats.pdf import PdfFormat
from gidr_etl.hookspecs import hookimpl
from gidr_etl.ingest.pipeline import ingest
from gidr_etl.model import Table
from gidr_etl.plugins import load_plugins

REPORT = "hongze_district_gov_2024.pdf"

# As the fax scans of hongze 2024 read them: two captions before 第二十条第（六）项 (the
# numeral 一 and the 十 of the second misread), and two neighbouring rows of （三）不予公开.
FAX_READ = {
    "第二十条第（一）项": "第二十条第（--）项",
    "第二十条第（五）项": "第二于条第（五）项",
    "（一）予以公开": "（·）产以公计",
    "2.其他法律行政止公开": "2.具他法律有政出会中",
    "3.危及“三安全一稳定”": "3.绝及”安全稳定”",
    "8.属于行政查询事项": "8.属于有政查海事斑",
}


def _recognised(garbled: dict[str, str]):
    class Recognised(InputFormat):
        """The real PDF's cells handed over as recognised from an image, with a confidence."""

        name = "recognised"
        extensions = (".pdf",)
        priority = 10

        def sniff(self, path, head):
            return self.CONTENT

        def extract(self, path):
            doc = PdfFormat().extract(path)
            doc.format = self.name
            for block in doc.blocks:
                if isinstance(block, Table):
                    for cell in block.cells:
                        cell.text = garbled.get(cell.text.replace("\n", ""), cell.text)
                        cell.confidence = 0.999
                else:
                    block.confidence = 0.999
            return doc

    class Plugin:
        @hookimpl
        def register_formats(self, register):
            register(Recognised())

    return Plugin()


def _ingest(tmp_path, garbled: dict[str, str]) -> sqlite3.Connection:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copyfile(SAMPLES / REPORT, folder / REPORT)
    pm = load_plugins()
    pm.register(_recognised(garbled), "test-recognised")
    try:
        summary = ingest([folder], tmp_path / "g.db", workers=1)
    finally:
        pm.unregister(name="test-recognised")
    assert summary.reports == 1 and not summary.failed
    return sqlite3.connect(tmp_path / "g.db")


def _cells(con, section: str, row: str) -> dict[str, int | None]:
    return dict(con.execute("select col, value from cells where section = ? and row = ?", [section, row]))


def test_captions_and_labels_garbled_past_matching_are_placed_by_the_templates_order(tmp_path):
    con = _ingest(tmp_path, FAX_READ)
    gold = gold_cells(REPORT)
    assert con.execute("select template from reports").fetchone() == ("2021",)
    read = {(s, r, c): v for s, r, c, v in con.execute("select section, row, col, value from cells")}
    wrong = {k: (read.get(k), v) for k, v in gold.items() if v != "?" and read.get(k) != v}
    assert wrong == {}
    fuzzy = dict(con.execute("select row, message from findings where rule = 'label_fuzzy'"))
    assert {"granted", "denied_prohibited_by_law", "denied_three_safeties", "denied_admin_query"} <= set(fuzzy)
    # The finding says what was printed and how it was placed.
    assert "(·)产以公计」" in fuzzy["granted"] and "by its place among the table's rows" in fuzzy["granted"]


def test_the_first_row_below_the_tables_heading_is_placed_by_order(tmp_path):
    """A phone photo read 本年 as 25: "25年新收…" is closer to 本年新收 (0.90) than to 上年结转
    (0.76) by less than a fuzzy match's lead. The row is the first of the grid, under the
    table's heading line, before the row read as carried_over: the order places it."""
    con = _ingest(tmp_path, {**FAX_READ, "一、本年新收政府信息公开申请数量": "一、25年新收政府信息公开申请数量"})
    gold = gold_cells(REPORT)
    assert _cells(con, "requests", "new") == {c: v for (s, r, c), v in gold.items() if (s, r) == ("requests", "new")}


def test_a_garbled_label_that_resembles_no_row_stays_unread(tmp_path):
    """The order offers 予以公开's place, but "口口口口" resembles no row of the template: its
    values are NULL with findings, never another row's."""
    con = _ingest(tmp_path, {**FAX_READ, "（一）予以公开": "（·）口口口口"})
    assert set(_cells(con, "requests", "granted").values()) == {None}
    assert_every_null_is_said(tmp_path / "g.db")
    # The rows on either side read as printed.
    gold = gold_cells(REPORT)
    for row in ("new", "partial"):
        assert _cells(con, "requests", row) == {c: v for (s, r, c), v in gold.items() if (s, r) == ("requests", row)}


def test_garbled_rows_fewer_than_the_gap_between_read_rows_stay_unread(tmp_path):
    """Two neighbouring rows garbled, but one of them printed with no label cell text: the
    grid's rows with values between the read ones are not as many as the template's, so no
    row is placed by order."""
    con = _ingest(tmp_path, {**FAX_READ, "3.危及“三安全一稳定”": ""})
    for row in ("denied_prohibited_by_law", "denied_three_safeties"):
        assert set(_cells(con, "requests", row).values()) == {None}, row
