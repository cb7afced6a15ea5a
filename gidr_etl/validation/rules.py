"""The spec's validation rules, registered as a plugin (see engine.py for how rules run).

The rules and their severities are those of spec/TEMPLATE.md, "Validation rules".

A sum check is skipped when its stated total is blank or when a cell it needs is
ambiguous, unreadable or missing; a blank cell counts as 0 inside a sum.
"""

from __future__ import annotations

from gidr_etl.hookspecs import hookimpl
from gidr_etl.reading.metadata import names_report
from gidr_etl.reading.prose_figures import contradictions, stated_figures
from gidr_etl.report import AMBIGUOUS, BLANK, MISSING, READ, UNREADABLE, Issue, Report, bilingual
from gidr_etl.template.arithmetic import RULES as SUM_RULES
from gidr_etl.template.arithmetic import Equation, equations, unitemized_other
from gidr_etl.template.vocabulary import vocabulary


class _Undecidable(Exception):
    pass


def _addend(report: Report, key) -> int | float:
    """A cell inside a sum: blank counts as 0; ambiguous, unreadable or missing cannot be added."""
    cell = report.cells.get(key)
    if cell is None or cell.status not in (READ, BLANK):
        raise _Undecidable
    return cell.value or 0


def _broken(report: Report, eq: Equation) -> tuple | None:
    """(left, right) sums when the equation fails; None when it holds or cannot be decided."""
    claim = report.cells.get(eq.claim) if eq.claim else None
    if claim is None or claim.status != READ:  # a stated total not read: skip the check
        return None
    try:
        left = sum(_addend(report, k) for k in eq.left)
        right = sum(_addend(report, k) for k in eq.right) + eq.constant
    except _Undecidable:
        return None
    return None if abs(left - right) < 1e-6 else (left, right)


# ------------------------------------------------------------------ cell rules


def _cell_rule(status: str, zh: str, en: str):
    def check(report: Report):
        for cell in report.cells.values():
            if cell.status != status or _table_of(cell.section) not in report.tables_found:
                continue
            if status == MISSING and cell.note and cell.note.startswith("not itemized"):
                continue  # already said by row_not_itemized
            zh_raw, en_raw = (f"（原文 {cell.raw!r}）", f" (printed {cell.raw!r})") if cell.raw else ("", "")
            yield Issue(cell.section, cell.row, cell.col, bilingual(zh + zh_raw, en + en_raw))

    return check


def _table_of(section: str) -> str:
    return vocabulary().section(section).table


def table_missing(report: Report):
    for table in ("active", "requests", "appeals"):
        if table not in report.tables_found:
            label = vocabulary().tables[table]["label"]
            message = bilingual(f"未找到{label}表", f"the {table} table ({label}) was not found")
            yield Issue(table, None, None, message)


# ------------------------------------------------------------------ the template's equations


def equation_rule(name: str):
    """The check of every equation of template/arithmetic.py that rule `name` checks."""

    def check(report: Report):
        stated = equations(report.template, unitemized_other(report.template, report.cells))
        for eq in stated:
            if eq.rule != name:
                continue
            assert eq.claim is not None and eq.at is not None  # Equation holds both for a rule's equation
            broken = _broken(report, eq)
            if broken:
                yield Issue(*eq.at, eq.message.format(left=broken[0], right=broken[1], col=eq.claim[2]))

    return check


def prose_contradiction(report: Report):
    text = "\n".join(p.text for p in report.prose)
    values = {k: c.value for k, c in report.cells.items() if c.status in (READ, BLANK)}
    values = {k: v or 0 for k, v in values.items()}
    for fig, table in contradictions(stated_figures(text), values):
        yield Issue(
            "requests",
            None,
            "total",
            bilingual(
                f"正文称 {fig.value}（{fig.quote}），表中为 {table:g} [{fig.key}]",
                f"the prose says {fig.value} ({fig.quote}) but the table has {table:g} [{fig.key}]",
            ),
        )


# The report's own facts a finding may name (metadata_missing; the evaluators' checks in
# validation/compliance.py: the publish date, the agency's kind, the template).
METADATA_ZH = {
    "title": "标题",
    "agency": "发布机关",
    "year": "年度",
    "publish_date": "发布日期",
    "kind": "机关类别",
    "template": "模板版本",
}


def metadata_missing(report: Report):
    # A report read from its tables alone (a single table page, a photo of one): it is
    # read, and says what it does not say of itself.
    if not names_report(report.metadata.title):
        yield Issue("metadata", None, "title", bilingual("未找到报告标题", "the report's title could not be found"))
    for key in ("agency", "year"):
        if getattr(report.metadata, key) is None:
            yield Issue(
                "metadata",
                None,
                key,
                bilingual(f"未找到报告的{METADATA_ZH[key]}", f"the report's {key} could not be found"),
            )


@hookimpl
def register_rules(register):
    register("cell_blank", "warning", _cell_rule(BLANK, "印为空白或占位符", "printed blank or as a placeholder"))
    register(
        "cell_ambiguous", "warning", _cell_rule(AMBIGUOUS, "数字串无法唯一拆分", "digits could not be split uniquely")
    )
    register("cell_unreadable", "error", _cell_rule(UNREADABLE, "不是数字", "not a number"))
    register("cell_missing", "error", _cell_rule(MISSING, "文档中未找到此格", "not located in the document"))
    register("table_missing", "error", table_missing)
    for name in SUM_RULES:
        register(name, "error", equation_rule(name))
    register("metadata_missing", "warning", metadata_missing)
    register("prose_contradiction", "warning", prose_contradiction)
