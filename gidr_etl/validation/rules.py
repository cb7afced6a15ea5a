"""The spec's validation rules, registered as a plugin (see engine.py for how rules run).

The rules and their severities are those of spec/TEMPLATE.md, "Validation rules".

A sum check is skipped when its stated total is blank or when a cell it needs is
ambiguous, unreadable or missing; a blank cell counts as 0 inside a sum.
"""
from __future__ import annotations

from gidr_etl.hookspecs import hookimpl
from gidr_etl.report import AMBIGUOUS, BLANK, MISSING, READ, UNREADABLE, Issue, Report
from gidr_etl.template.vocabulary import vocabulary


class _Undecidable(Exception):
    pass


def _addend(report: Report, key) -> int | float:
    """A cell inside a sum: blank counts as 0; ambiguous, unreadable or missing cannot be added."""
    cell = report.cells.get(key)
    if cell is None or cell.status not in (READ, BLANK):
        raise _Undecidable
    return cell.value or 0


def _stated(report: Report, key):
    """A stated total: None (skip the check) unless a number was read."""
    cell = report.cells.get(key)
    return cell.value if cell is not None and cell.status == READ else None


def _sum_check(report, stated_key, addend_keys) -> tuple | None:
    stated = _stated(report, stated_key)
    if stated is None:
        return None
    try:
        total = sum(_addend(report, k) for k in addend_keys)
    except _Undecidable:
        return None
    return None if abs(total - stated) < 1e-6 else (stated, total)


# ------------------------------------------------------------------ cell rules

def _cell_rule(status: str, message: str):
    def check(report: Report):
        for cell in report.cells.values():
            if cell.status != status or _table_of(cell.section) not in report.tables_found:
                continue
            if status == MISSING and cell.note and cell.note.startswith("not itemized"):
                continue  # already said by row_not_itemized
            raw = f" (printed {cell.raw!r})" if cell.raw else ""
            yield Issue(cell.section, cell.row, cell.col, message + raw)
    return check


def _table_of(section: str) -> str:
    return vocabulary().section(section).table


def table_missing(report: Report):
    for table in ("active", "requests", "appeals"):
        if table not in report.tables_found:
            label = vocabulary().tables[table]["label"]
            yield Issue(table, None, None, f"the {table} table ({label}) was not found")


# ------------------------------------------------------------------ requests

def _requests_terms(report: Report):
    sec = vocabulary().section("requests")
    return sec.rows_for(report.template), sec.columns_for(report.template)


def outcome_rows(report: Report) -> list[str]:
    """The rows that add up to （七）总计: 予以公开 … the last （六） row."""
    rows = [r.code for r in _requests_terms(report)[0]]
    outcomes = rows[rows.index("granted") : rows.index("total")]
    sub_rows = [r for r in outcomes if r.startswith("other_")]
    if sub_rows and all(report.status("requests", r, "total") == MISSING for r in sub_rows) \
            and ("requests", "other", "total") in report.cells:
        outcomes = [r for r in outcomes if r not in sub_rows] + ["other"]
    return outcomes


def requests_balance(report: Report):
    for col in _requests_terms(report)[1]:
        c = col.code
        stated = _stated(report, ("requests", "total", c))
        if stated is None:
            continue
        try:
            left = _addend(report, ("requests", "new", c)) + _addend(report, ("requests", "carried_over", c))
            right = stated + _addend(report, ("requests", "carried_forward", c))
        except _Undecidable:
            continue
        if abs(left - right) > 1e-6:
            yield Issue("requests", None, c,
                          f"新收 + 上年结转 = {left:g} but 总计 + 结转下年度 = {right:g} in column {c}")


def requests_column_sum(report: Report):
    rows = outcome_rows(report)
    for col in _requests_terms(report)[1]:
        bad = _sum_check(report, ("requests", "total", col.code), [("requests", r, col.code) for r in rows])
        if bad:
            yield Issue("requests", "total", col.code,
                          f"总计 is {bad[0]:g} but the outcome rows add up to {bad[1]:g} in column {col.code}")


def requests_row_sum(report: Report):
    rows, cols = _requests_terms(report)
    parts = [c.code for c in cols if c.code != "total"]
    extra = ["other"] if ("requests", "other", "total") in report.cells and report.template == "2021" else []
    for row in [r.code for r in rows] + extra:
        bad = _sum_check(report, ("requests", row, "total"), [("requests", row, c) for c in parts])
        if bad:
            yield Issue("requests", row, "total",
                          f"总计 is {bad[0]:g} but the six applicant columns add up to {bad[1]:g}")


def appeals_row_sum(report: Report):
    sec = vocabulary().section("appeals")
    parts = [c.code for c in sec.columns_for(report.template) if c.code != "total"]
    for row in sec.rows_for(report.template):
        bad = _sum_check(report, ("appeals", row.code, "total"), [("appeals", row.code, c) for c in parts])
        if bad:
            yield Issue("appeals", row.code, "total",
                          f"总计 is {bad[0]:g} but 维持 + 纠正 + 其他 + 尚未审结 = {bad[1]:g}")


def prose_contradiction(report: Report):
    from gidr_etl.reading.prose_figures import contradictions, stated_figures

    text = "\n".join(t for _, _, t in report.prose)
    values = {k: c.value for k, c in report.cells.items() if c.status in (READ, BLANK)}
    values = {k: v or 0 for k, v in values.items()}
    for fig, table in contradictions(stated_figures(text), values):
        yield Issue("requests", None, "total",
                      f"the prose says {fig.value} ({fig.quote}) but the table has {table:g} [{fig.key}]")


def metadata_missing(report: Report):
    for key in ("agency", "year"):
        if report.metadata.get(key) is None:
            yield Issue("metadata", None, key, f"the report's {key} could not be found")


@hookimpl
def register_rules(register):
    register("cell_blank", "warning", _cell_rule(BLANK, "printed blank or as a placeholder"))
    register("cell_ambiguous", "warning", _cell_rule(AMBIGUOUS, "digits could not be split uniquely"))
    register("cell_unreadable", "error", _cell_rule(UNREADABLE, "not a number"))
    register("cell_missing", "error", _cell_rule(MISSING, "not located in the document"))
    register("table_missing", "error", table_missing)
    register("requests_balance", "error", requests_balance)
    register("requests_column_sum", "error", requests_column_sum)
    register("requests_row_sum", "error", requests_row_sum)
    register("appeals_row_sum", "error", appeals_row_sum)
    register("metadata_missing", "warning", metadata_missing)
    register("prose_contradiction", "warning", prose_contradiction)
