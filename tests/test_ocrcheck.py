"""OCR values checked by confidence and by the table's equations (gidr_etl/reading/ocr_check.py)."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3

import pytest
from helpers import GOLD, SAMPLES, run_cli, score

from gidr_etl.formats.base import InputFormat
from gidr_etl.formats.pdf import PdfFormat
from gidr_etl.hookspecs import hookimpl
from gidr_etl.ingest.pipeline import ingest
from gidr_etl.model import Table
from gidr_etl.plugins import load_plugins
from gidr_etl.reading.ocr_check import BAR, BAR_NO_ARITHMETIC, NEAR_CERTAIN, check_ocr_values
from gidr_etl.report import READ, UNREADABLE, Report, TemplateCell
from gidr_etl.template.arithmetic import COLUMN_SUM, ROW_SUM, Equation, equations, unitemized_other
from gidr_etl.template.arithmetic import RULES as SUM_RULES


def _report(values: dict[str, tuple[int, float | None]]) -> Report:
    report = Report("scan.pdf", "scan", "2021")
    for col, (value, confidence) in values.items():
        report.cells["t", "r", col] = TemplateCell("t", "r", col, value, str(value), READ, confidence=confidence)
    return report


# total = a + b in row r; and a second equation through b: b = c.
ROW = Equation([("t", "r", "total")], [("t", "r", "a"), ("t", "r", "b")])
B_IS_C = Equation([("t", "r", "b")], [("t", "r", "c")])


def test_confident_values_that_add_up_stand():
    report = _report({"total": (9, 0.99), "a": (4, 0.99), "b": (5, 0.99)})
    check_ocr_values(report, [ROW])
    assert [c.value for c in report.cells.values()] == [9, 4, 5] and not report.findings


def test_a_doubtful_value_the_sum_confirms_stands_and_one_it_contradicts_is_null():
    confirmed = _report({"total": (9, 0.99), "a": (4, 0.99), "b": (5, BAR - 0.2)})
    check_ocr_values(confirmed, [ROW])
    assert confirmed.value("t", "r", "b") == 5 and "confirmed" in confirmed.cells["t", "r", "b"].note
    contradicted = _report({"total": (9, 0.99), "a": (4, 0.99), "b": (6, BAR - 0.2)})
    check_ocr_values(contradicted, [ROW])
    assert contradicted.value("t", "r", "b") is None and contradicted.status("t", "r", "b") == UNREADABLE


def test_doubtful_zeros_a_sure_zero_total_forces_stand():
    """Counts are never negative: where a sure total of 0 leaves two doubtful parts a sum of
    0, each is 0, and a doubtful 0 read there is confirmed; a doubtful 1 there is not."""
    doubtful = BAR - 0.3
    zeros = _report({"total": (0, 0.99), "a": (0, doubtful), "b": (0, doubtful)})
    check_ocr_values(zeros, [ROW])
    assert [zeros.value("t", "r", k) for k in ("total", "a", "b")] == [0, 0, 0]
    assert "confirmed" in zeros.cells["t", "r", "a"].note
    one = _report({"total": (0, 0.99), "a": (1, doubtful), "b": (0, doubtful)})
    check_ocr_values(one, [ROW])
    assert one.status("t", "r", "a") == UNREADABLE and one.value("t", "r", "b") == 0
    # A total that leaves the doubtful parts more than 0 confirms neither.
    open_ = _report({"total": (2, 0.99), "a": (0, doubtful), "b": (0, doubtful)})
    check_ocr_values(open_, [ROW])
    assert open_.status("t", "r", "a") == UNREADABLE and open_.status("t", "r", "b") == UNREADABLE


def test_an_unread_cell_a_sure_zero_total_forces_is_0_inferred_with_a_finding():
    """A cell the scan could not read at all ("?" under a seal): where the cells that stand
    leave it a sum of 0 with the other open cells, the sums give 0 (counts are never
    negative), inferred and reported; with a total of 1 they leave it open."""

    def with_unread(total: int, raw: str = "?") -> Report:
        report = _report({"total": (total, 0.99), "a": (0, BAR - 0.3)})
        report.cells["t", "r", "b"] = TemplateCell("t", "r", "b", None, raw, UNREADABLE, confidence=0.0)
        check_ocr_values(report, [ROW])
        return report

    zero = with_unread(0)
    assert zero.value("t", "r", "b") == 0 and zero.cells["t", "r", "b"].inferred
    assert zero.value("t", "r", "a") == 0  # then the doubtful 0 beside it is confirmed
    assert [(f.rule, f.col) for f in zero.findings] == [("cell_corrected", "b")]
    one = with_unread(1)
    assert one.status("t", "r", "b") == UNREADABLE and one.value("t", "r", "b") is None
    assert not any(f.rule == "cell_corrected" for f in one.findings)
    # A count printed negative is never made 0 (issue #21): read as printed, or NULL.
    assert with_unread(0, raw="-7").value("t", "r", "b") is None


def test_a_value_every_sum_of_which_has_an_unread_cell_stands_only_near_certain():
    """A fax's broken 0 read as 1 at 0.98 beside unread cells ("?"): its row sum holds whatever
    it is, so nothing checked it (the faxed Huai'an report gave two such 1s for 0s). Read
    near-certainly it stands; where the unread cell is forced (a total of 0), it is checked."""

    def beside_unread(total: int, a: int, confidence: float) -> Report:
        report = _report({"total": (total, NEAR_CERTAIN), "a": (a, confidence)})
        report.cells["t", "r", "b"] = TemplateCell("t", "r", "b", None, "?", UNREADABLE, confidence=0.0)
        check_ocr_values(report, [ROW])
        return report

    unchecked = beside_unread(105, 1, 0.984)
    assert unchecked.value("t", "r", "a") is None and unchecked.status("t", "r", "a") == UNREADABLE
    assert "none checks it" in unchecked.cells["t", "r", "a"].note
    assert beside_unread(105, 1, NEAR_CERTAIN).value("t", "r", "a") == 1
    # With every cell read, the same value is checked by the sum, and stands.
    checked = _report({"total": (105, NEAR_CERTAIN), "a": (1, 0.984), "b": (104, NEAR_CERTAIN)})
    check_ocr_values(checked, [ROW])
    assert checked.value("t", "r", "a") == 1


def test_a_cell_in_no_equation_needs_the_higher_bar():
    between = (BAR + BAR_NO_ARITHMETIC) / 2
    report = _report({"x": (2776, between), "y": (84, BAR_NO_ARITHMETIC)})
    check_ocr_values(report, [ROW])
    assert report.status("t", "r", "x") == UNREADABLE and report.value("t", "r", "y") == 84


def test_a_failing_sum_nulls_the_cells_it_blames_unless_one_cell_explains_every_failure():
    doubtful = (BAR + NEAR_CERTAIN) / 2
    one_failure = _report({"total": (9, doubtful), "a": (4, doubtful), "b": (8, doubtful)})
    check_ocr_values(one_failure, [ROW])
    assert all(c.value is None for c in one_failure.cells.values())  # any of the three could be the misread
    # However surely read: a lost leading digit (18 read as 8) reads at 0.999, and the one
    # sum cannot say whether total, a or b is the misread one.
    sure = _report({"total": (9, 0.999), "a": (4, 0.999), "b": (8, doubtful)})
    check_ocr_values(sure, [ROW])
    assert [c.status for c in sure.cells.values()] == [UNREADABLE] * 3
    # b is in both failing equations, and 5 makes both hold: b was misread (6 → 8, say).
    two_failures = _report({"total": (9, 0.99), "a": (4, 0.99), "b": (8, 0.99), "c": (5, 0.99)})
    check_ocr_values(two_failures, [ROW, B_IS_C])
    b = two_failures.cells["t", "r", "b"]
    assert (b.value, b.inferred) == (5, True)
    assert [f.rule for f in two_failures.findings] == ["cell_corrected"]
    assert two_failures.value("t", "r", "a") == 4


def _gold_report(name: str) -> Report:
    """A real report's requests and appeals tables as gold has them, every value read by OCR
    near-certainly. Hongze's reports print （六）其他处理 as one row of zeros (gold's '?' for the
    2021 sub-rows), which the reader keeps as row 'other'."""
    cells = json.loads((GOLD / "realdocs" / f"{name}.json").read_text("utf-8"))["cells"]
    if any(v == "?" for s, row, _, v in cells if row.startswith("other_")):
        cells += [["requests", "other", col, 0] for s, row, col, _ in cells if (s, row) == ("requests", "new")]
    report = Report(name, "scan", "2021")
    for section, row, col, value in cells:
        if section in ("requests", "appeals") and isinstance(value, int):
            report.cells[section, row, col] = TemplateCell(section, row, col, value, str(value), READ, confidence=0.999)
    return report


def _check(report: Report) -> None:
    check_ocr_values(report, equations("2021", unitemized_other("2021", report.cells)))


def test_two_misreads_that_agree_are_not_confirmed_by_the_sum_they_share():
    """The issue's case on hongze 2023's real tables: the 总计 of 本年新收 and of （七）总计 both
    lose their leading 2 (21 read as 1, near-certainly). 新收 + 结转 = 总计 + 结转 still holds
    between them; the row sums of both rows and the 总计 column fail, and only these two
    cells, set aside, let every sum hold: both are NULL, every other value stands."""
    report = _gold_report("hongze_district_gov_2023")
    before = {k: c.value for k, c in report.cells.items()}
    lost = [("requests", "new", "total"), ("requests", "total", "total")]
    for k in lost:
        report.cells[k].value, report.cells[k].raw = 1, "1"
    _check(report)
    assert all(report.status(*k) == UNREADABLE and report.value(*k) is None for k in lost)
    assert "blame this cell and 1 other(s) together" in report.cells[lost[0]].note
    assert {k: c.value for k, c in report.cells.items() if k not in lost and k[0] == "requests"} == {
        k: v for k, v in before.items() if k not in lost and k[0] == "requests"
    }
    # The sums that failed on the values as read are still reported, by their rules.
    as_read = sorted((f.rule, f.row, f.col) for f in report.findings if f.rule in SUM_RULES and f.section == "requests")
    assert as_read == [(COLUMN_SUM, "total", "total"), (ROW_SUM, "new", "total"), (ROW_SUM, "total", "total")]
    assert all("as read by OCR" in f.message for f in report.findings if f.rule in SUM_RULES)


def test_a_doubtful_value_confirmed_by_an_agreeing_misread_is_judged_again():
    # As above, but the 总计 row's 1 and 本年新收's 21 (自然人) read in doubt: 新收 + 结转 = 总计 + 结转
    # confirms the 1 (with the other lost digit), 21 is confirmed by its column's balance. The
    # sums judged again with them blame the two 1s, not the 21.
    report = _gold_report("hongze_district_gov_2023")
    new, total, natural = (
        ("requests", "new", "total"),
        ("requests", "total", "total"),
        ("requests", "new", "natural_person"),
    )
    report.cells[new].value = report.cells[total].value = 1
    report.cells[total].confidence = report.cells[natural].confidence = BAR - 0.05
    _check(report)
    assert report.status(*new) == report.status(*total) == UNREADABLE
    assert report.value(*natural) == 21 and "confirmed" in report.cells[natural].note


def test_a_sum_printed_wrong_loses_only_the_cell_it_blames_and_keeps_its_flag():
    # hongze 2023 prints its 行政复议 row as 10 + 1 + 0 + 0 with 总计 0; only 总计 = 11 makes it
    # hold with counts (no part can be negative): 总计 is NULL, the parts stand, the rule reports it.
    report = _gold_report("hongze_district_gov_2023")
    _check(report)
    review = {col: report.value("appeals", "review", col) for col in ("upheld", "corrected", "other", "total")}
    assert review == {"upheld": 10, "corrected": 1, "other": 0, "total": None}
    assert ("appeals_row_sum", "review", "total") in {(f.rule, f.row, f.col) for f in report.findings}


def test_a_table_as_printed_that_no_few_misreads_explain_keeps_its_near_certain_values():
    # Four rows of hongze 2023 whose 总计 do not add up: more than MAX_EXPLAINED cells would have
    # to be misread, each near-certainly. It is the table as printed: the sum rules report it.
    report = _gold_report("hongze_district_gov_2023")
    rows = ("partial", "denied_state_secret", "denied_process_info", "unavailable_not_held")
    for row in rows:
        report.cells["requests", row, "total"].value += 1
    report.cells["requests", "granted", "total"].confidence = NEAR_CERTAIN - 0.005
    _check(report)
    assert [report.value("requests", row, "total") for row in rows] == [5, 2, 2, 11]
    assert report.status("requests", "granted", "total") == UNREADABLE  # less certain, in a failing sum
    # The row sums stand for the sum rules to report; the 总计 column's, which lost a cell, as read.
    assert [(f.rule, f.row) for f in report.findings if f.section == "requests"] == [(COLUMN_SUM, "total")]


def test_values_from_a_text_layer_are_never_touched():
    report = _report({"total": (9, None), "a": (4, None), "b": (8, None)})
    check_ocr_values(report, [ROW])
    assert [c.value for c in report.cells.values()] == [9, 4, 8]


@pytest.mark.slow
def test_a_scan_whose_two_totals_lose_the_same_leading_digit_has_no_wrong_number(tmp_path):
    """The issue's case on a real scan: hongze 2023's PDF scanned with the 2 of both 21s in the
    总计 column (本年新收 and （七）总计) lost, so the OCR reads 1 and 1, which agree with each other."""
    pytest.importorskip("rapidocr_onnxruntime", reason="OCR extra not installed: pip install gidr-etl[ocr]")
    from scans import leading_digit, make_scan_without

    pdf = SAMPLES / "hongze_district_gov_2023.pdf"
    lost: dict[int, list] = {}
    for label in ("本年新收", "（七）总计"):
        page, box = leading_digit(pdf, label, -1)
        lost.setdefault(page, []).append(box)
    scan = make_scan_without(pdf, tmp_path / "scans" / pdf.name, lost)
    db = tmp_path / "g.db"
    run_cli("ingest", scan, "--db", db, "-q", check=0)
    con = sqlite3.connect(db)
    for row in ("new", "total"):
        cell = con.execute(
            "select value, status, raw, note from cells where section = 'requests' and row = ? and col = 'total'", [row]
        ).fetchone()
        assert cell[:3] == (None, "unreadable", "1"), cell
        assert con.execute(
            "select count(*) from findings where rule = 'cell_unreadable' and section = 'requests' and row = ?"
            " and col = 'total'",
            [row],
        ).fetchone() == (1,)
    # No wrong number anywhere (scored against the gold of the unscanned PDF) …
    proc = score(db, GOLD / "realdocs")
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith(pdf.name))
    m = re.search(r"cells (\d+)/(\d+)(?: \((\d+) wrong)?", line)
    assert m and int(m[3] or 0) == 0 and int(m[1]) >= 0.95 * int(m[2]), proc.stdout
    # … nor on the dashboard: no report of 1 request received and 1 handled.
    assert con.execute("select applications_received, total_handled from report_summary").fetchone() == (None, None)


class _RecognisedPdf(InputFormat):
    """A third party's OCR reader, as far as the core can tell: it reads a `.fax` file (here a
    copy of a real PDF, through the PDF reader) and hands over every text block and table cell
    as recognised from an image, with a confidence, as a fax's OCR would: the seal-crossed
    title read as …公开作律度报告, and the 2 of both 21s in the 总计 column lost."""

    name = "fax"
    extensions = (".fax",)
    priority = 10

    def sniff(self, path, head):
        # The bytes are a PDF's: the name says whose file it is, above the PDF reader.
        return self.CONTENT if path.suffix == ".fax" else None

    def extract(self, path):
        doc = PdfFormat().extract(path)
        doc.format = self.name
        doc.hints = {}  # a misread title names no 年度报告: no title to hint
        for block in doc.blocks:
            if isinstance(block, Table):
                for cell, label in _last_cells(block, ("本年新收", "（七）总计")):
                    assert cell.text == "21", (label, cell.text)
                    cell.text = "1"
                for cell in block.cells:
                    cell.confidence = 0.999
            else:
                block.text = block.text.replace("工作年度报告", "作律度报告")
                block.confidence = 0.98
        return doc


def _last_cells(table: Table, labels: tuple[str, ...]):
    """The last cell of each row of `table` whose cells' text includes one of the labels."""
    for row in table.grid():
        texts = "".join(c.text for c in row if c is not None)
        for label in labels:
            if label in texts.replace(" ", ""):
                yield row[-1], label


def test_a_plugins_own_ocr_gets_the_same_checks_as_a_scan(tmp_path):
    """Point 10 of the issue: the core acts on what a block or cell carries (a recognition
    confidence), not on the format's name."""

    class Plugin:
        @hookimpl
        def register_formats(self, register):
            register(_RecognisedPdf())

    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copyfile(SAMPLES / "hongze_district_gov_2023.pdf", folder / "hongze_district_gov_2023.fax")
    db = tmp_path / "g.db"
    pm = load_plugins()
    pm.register(Plugin(), "test-recognised-pdf")
    try:
        summary = ingest([folder], db, workers=1)
    finally:
        pm.unregister(name="test-recognised-pdf")
    assert summary.reports == 1 and not summary.failed
    con = sqlite3.connect(db)
    # The agreeing misreads are NULL + cell_unreadable, as on a scan …
    for row in ("new", "total"):
        assert con.execute(
            "select value, status, raw from cells where section = 'requests' and row = ? and col = 'total'", [row]
        ).fetchone() == (None, "unreadable", "1")
    assert con.execute(
        "select count(*) from cells where value is not null and confidence is null and not inferred"
    ).fetchone() == (0,)
    # … and the misread title is read with the scan's fallbacks: the agency the text prints again.
    assert con.execute("select format, agency, year from reports").fetchone() == ("fax", "洪泽区人民政府", 2023)
