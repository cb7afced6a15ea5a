"""OCR values checked by confidence and by the table's equations (gidr_etl/reading/ocr_check.py)."""

from __future__ import annotations

from gidr_etl.reading.ocr_check import BAR, BAR_NO_ARITHMETIC, NEAR_CERTAIN, check_ocr_values
from gidr_etl.report import READ, UNREADABLE, Report, TemplateCell
from gidr_etl.template.arithmetic import Equation


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


def test_a_cell_in_no_equation_needs_the_higher_bar():
    between = (BAR + BAR_NO_ARITHMETIC) / 2
    report = _report({"x": (2776, between), "y": (84, BAR_NO_ARITHMETIC)})
    check_ocr_values(report, [ROW])
    assert report.status("t", "r", "x") == UNREADABLE and report.value("t", "r", "y") == 84


def test_a_failing_sum_nulls_its_doubtful_ocr_cells_unless_one_cell_explains_every_failure():
    doubtful = (BAR + NEAR_CERTAIN) / 2
    one_failure = _report({"total": (9, doubtful), "a": (4, doubtful), "b": (8, doubtful)})
    check_ocr_values(one_failure, [ROW])
    assert all(c.value is None for c in one_failure.cells.values())  # any of the three could be the misread
    # Only the doubtful one goes: the near-certain ones cannot be the misread.
    mixed = _report({"total": (9, 0.999), "a": (4, 0.999), "b": (8, doubtful)})
    check_ocr_values(mixed, [ROW])
    assert [c.value for c in mixed.cells.values()] == [9, 4, None]
    # b is in both failing equations, and 5 makes both hold: b was misread (6 → 8, say).
    two_failures = _report({"total": (9, 0.99), "a": (4, 0.99), "b": (8, 0.99), "c": (5, 0.99)})
    check_ocr_values(two_failures, [ROW, B_IS_C])
    b = two_failures.cells["t", "r", "b"]
    assert (b.value, b.inferred) == (5, True)
    assert [f.rule for f in two_failures.findings] == ["cell_corrected"]
    assert two_failures.value("t", "r", "a") == 4


def test_a_printed_table_that_does_not_add_up_keeps_its_near_certain_values_for_the_rules():
    # Every cell read near-certainly: the sum fails as printed, which the sum rules report.
    report = _report({"total": (9, 0.999), "a": (4, 0.995), "b": (8, NEAR_CERTAIN)})
    check_ocr_values(report, [ROW])
    assert [c.value for c in report.cells.values()] == [9, 4, 8] and not report.findings


def test_values_from_a_text_layer_are_never_touched():
    report = _report({"total": (9, None), "a": (4, None), "b": (8, None)})
    check_ocr_values(report, [ROW])
    assert [c.value for c in report.cells.values()] == [9, 4, 8]
