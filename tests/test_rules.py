"""The validation rules on real reports, with real numbers changed where a rule must fire."""

from pathlib import Path

from helpers import SAMPLES

from gidr_etl.core import build_report
from gidr_etl.formats.txt import TxtFormat
from gidr_etl.validation.engine import validate

SEED_001 = SAMPLES / "001_f034b2af3da2120e.txt"


def _report(text: str, tmp_path: Path):
    path = tmp_path / "r.txt"
    path.write_text(text, "utf-8")
    return build_report(TxtFormat().extract(path))


def _rules(report):
    return {(f.rule, f.section, f.row, f.col) for f in report.findings}


def test_a_consistent_report_raises_nothing(tmp_path):
    # Nothing but that no publish date is printed, so whether it was on time cannot be told
    # (an info finding, validation/compliance.py).
    findings = _report(SEED_001.read_text("utf-8"), tmp_path).findings
    assert [(f.rule, f.severity) for f in findings] == [("publish_date_unknown", "info")]


def test_a_changed_total_breaks_balance_and_sums(tmp_path):
    # （七）总计 natural_person 88 → 89: the 勾稽 balance, the column sum and the row sum all fail.
    text = SEED_001.read_text("utf-8").replace("(七)总计 |\n88 |", "(七)总计 |\n89 |")
    found = _rules(_report(text, tmp_path))
    assert ("requests_balance", "requests", None, "natural_person") in found
    assert ("requests_column_sum", "requests", "total", "natural_person") in found
    assert ("requests_row_sum", "requests", "total", "total") in found


def test_a_blank_total_skips_the_checks_and_says_blank(tmp_path):
    text = SEED_001.read_text("utf-8").replace("(七)总计 |\n88 |", "(七)总计 |\n— |")
    report = _report(text, tmp_path)
    found = _rules(report)
    assert ("cell_blank", "requests", "total", "natural_person") in found
    assert not any(rule.startswith("requests_") and col == "natural_person" for rule, _, _, col in found)
    assert report.value("requests", "total", "natural_person") is None


def test_an_unreadable_cell_is_an_error_and_null(tmp_path):
    text = SEED_001.read_text("utf-8").replace("规范性文件 |\n32 |", "规范性文件 |\n三十二 |")
    report = _report(text, tmp_path)
    # "三十二" is not a value token, so the row's values are not where they should be
    assert report.value("art20_1", "normative_documents", "issued") is None
    assert any(f.severity == "error" and f.section == "art20_1" for f in report.findings)


def test_appeals_row_sum(tmp_path):
    # 行政复议: 0 0 1 0 | 1 → total 2
    text = SEED_001.read_text("utf-8")
    head, tail = text.split("四、政府信息公开行政复议")
    tail = tail.replace("0 |\n0 |\n1 |\n0 |\n1 |", "0 |\n0 |\n1 |\n0 |\n2 |", 1)
    found = _rules(_report(head + "四、政府信息公开行政复议" + tail, tmp_path))
    assert ("appeals_row_sum", "appeals", "review", "total") in found


def test_missing_table_and_metadata(tmp_path):
    text = SEED_001.read_text("utf-8").split("四、政府信息公开行政复议")[0]
    text = text.replace("(图解)温州市鹿城区人民政府办公室2022年政府信息公开工作年度报告", "政府信息公开工作年度报告")
    found = _rules(_report(text, tmp_path))
    assert ("table_missing", "appeals", None, None) in found
    assert ("metadata_missing", "metadata", None, "agency") in found


def test_rules_are_a_registry_plugins_can_extend():
    from gidr_etl.hookspecs import hookimpl
    from gidr_etl.plugins import pm

    class Plugin:
        @hookimpl
        def register_rules(self, register):
            register(
                "always",
                "warning",
                lambda report: [
                    __import__("gidr_etl.report").report.Finding("", "", "requests", None, None, "said by a plugin")
                ],
            )

    pm.register(Plugin(), "test-always")
    try:
        report = build_report(TxtFormat().extract(SEED_001))
        assert any(f.rule == "always" and f.severity == "warning" for f in validate(report))
    finally:
        pm.unregister(name="test-always")


def test_a_crashing_rule_is_a_warning_and_the_others_still_run():
    from gidr_etl.hookspecs import hookimpl
    from gidr_etl.plugins import pm

    class Plugin:
        @hookimpl
        def register_rules(self, register):
            register("fragile", "error", lambda report: [1 / 0])

    seed_002 = SAMPLES / "002_3a38b772f27b9fba.txt"  # its one real finding must survive
    expected = {f.rule for f in build_report(TxtFormat().extract(seed_002)).findings}
    pm.register(Plugin(), "test-fragile")
    try:
        report = build_report(TxtFormat().extract(seed_002))
    finally:
        pm.unregister(name="test-fragile")
    crashed = [f for f in report.findings if f.rule == "rule_crashed"]
    assert [(f.severity, f.message) for f in crashed] == [
        (
            "warning",
            "校验规则 'fragile' 出错：ZeroDivisionError: division by zero · "
            "rule 'fragile' crashed: ZeroDivisionError: division by zero",
        )
    ]
    assert expected and expected <= {f.rule for f in report.findings}
