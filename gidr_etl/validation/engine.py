"""The rule engine: every registered rule run over a report, a crashing rule contained.

A rule is `check(report) -> iterable of Issue` (section, row, col, message),
registered with its name and severity through the `register_rules` hook; the engine
makes each issue a Finding of that rule.
"""

from __future__ import annotations

from gidr_etl.errors import one_line
from gidr_etl.plugins import rules
from gidr_etl.report import Finding, Report, bilingual


def validate(report: Report) -> list[Finding]:
    """The findings of every registered rule on `report`.

    A rule that crashes is a bug in that rule (often a plugin's), not in the report:
    the report keeps the other rules' findings and a rule_crashed warning says so.
    """
    findings = []
    for rule in rules():
        try:
            found = [Finding(rule.name, rule.severity, i.section, i.row, i.col, i.message) for i in rule.check(report)]
        except Exception as exc:
            message = bilingual(
                f"校验规则 {rule.name!r} 出错：{one_line(exc)}", f"rule {rule.name!r} crashed: {one_line(exc)}"
            )
            found = [Finding("rule_crashed", "warning", None, None, None, message)]
        findings.extend(found)
    return findings
