"""The template's arithmetic, stated once: the named equations each template version's tables obey.

The digit-run solver (reading/digit_runs) cuts run-together digits by them and the sum
rules (validation/rules.py) check a report against them; both read `equations()`, so an
equation stated here is both used and checked. Beside them: the cells the prose figures
and the cross-year checks read.

Everything is derived from the vocabulary (data/template.toml): a row or column added
there joins its sums here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

from gidr_etl.template.vocabulary import vocabulary

Key = tuple[str, str, str]  # (section, row, col)

# The rules that check the table equations, in the order they report.
BALANCE = "requests_balance"
COLUMN_SUM = "requests_column_sum"
ROW_SUM = "requests_row_sum"
APPEALS_ROW_SUM = "appeals_row_sum"
RULES = (BALANCE, COLUMN_SUM, ROW_SUM, APPEALS_ROW_SUM)

# （六）其他处理: one row in 2019; in 2021 a group of sub-rows, which some 2021 reports
# still print as the one row (reading/template_cells.py keeps it as row 'other').
OTHER = "other"


@dataclass(frozen=True)
class Equation:
    """sum(left) == sum(right) + constant.

    rule: the validation rule that checks it (None: only the solver uses it, e.g. a prose total).
    claim: the printed total whose value is checked; the check waits until it holds a number read.
    at: where a broken equation's finding attaches (section, row, col).
    message: the finding's text, formatted with the two sides' sums (left, right) and the claim's column (col).
    """

    left: tuple[Key, ...]
    right: tuple[Key, ...]
    constant: int = 0
    rule: str | None = None
    claim: Key | None = None
    at: tuple[str | None, str | None, str | None] | None = None
    message: str = ""

    def __post_init__(self) -> None:
        # Callers may pass lists; stored as tuples so an equation is a value.
        object.__setattr__(self, "left", tuple(self.left))
        object.__setattr__(self, "right", tuple(self.right))
        if self.rule and (self.claim is None or self.at is None):
            raise ValueError(f"equation checked by {self.rule} without the total it checks or its finding's place")


def unitemized_other(template: str, cells) -> bool:
    """Whether a report of `template` with these cell keys printed （六）其他处理 as one row
    although its template itemizes it (row 'other' is kept though the template has no such row)."""
    rows = {r.code for r in vocabulary().section("requests").rows_for(template)}
    return OTHER not in rows and ("requests", OTHER, "total") in cells


def equations(template: str, unitemized_other: bool = False) -> tuple[Equation, ...]:
    """Every named equation of a template version's tables; `unitemized_other`: the report prints
    （六）其他处理 as one row, which then stands for its sub-rows (see unitemized_other())."""
    return _equations(template, unitemized_other)


@cache
def _equations(template: str, unitemized: bool) -> tuple[Equation, ...]:
    return (
        _balances(template) + _column_sums(template, unitemized) + _row_sums(template, unitemized) + _appeals(template)
    )


def _requests_terms(template: str) -> tuple[list[str], list[str]]:
    sec = vocabulary().section("requests")
    return [r.code for r in sec.rows_for(template)], [c.code for c in sec.columns_for(template)]


def _req(row: str, col: str) -> Key:
    return ("requests", row, col)


def _balances(template: str) -> tuple[Equation, ...]:
    """The 勾稽 balance of each requests column: 新收 + 上年结转 = 总计 + 结转下年度."""
    _, cols = _requests_terms(template)
    return tuple(
        Equation(
            (_req("new", c), _req("carried_over", c)),
            (_req("total", c), _req("carried_forward", c)),
            rule=BALANCE,
            claim=_req("total", c),
            at=("requests", None, c),
            message="{col} 列：新收 + 上年结转 = {left:g}，总计 + 结转下年度 = {right:g} · "
            "新收 + 上年结转 = {left:g} but 总计 + 结转下年度 = {right:g} in column {col}",
        )
        for c in cols
    )


def outcome_rows(template: str, unitemized: bool = False) -> list[str]:
    """The rows that add up to （七）总计: 予以公开 … the last （六） row (or （六） as one row)."""
    rows, _ = _requests_terms(template)
    outcomes = rows[rows.index("granted") : rows.index("total")]
    if unitemized:
        group = next(r.label for r in vocabulary().section("requests").rows if r.code == OTHER)
        sub_rows = {r.code for r in vocabulary().section("requests").rows_for(template) if r.group == group}
        outcomes = [r for r in outcomes if r not in sub_rows] + [OTHER]
    return outcomes


def _column_sums(template: str, unitemized: bool) -> tuple[Equation, ...]:
    """（七）总计 of each requests column = the outcome rows."""
    _, cols = _requests_terms(template)
    outcomes = outcome_rows(template, unitemized)
    return tuple(
        Equation(
            (_req("total", c),),
            tuple(_req(r, c) for r in outcomes),
            rule=COLUMN_SUM,
            claim=_req("total", c),
            at=_req("total", c),
            message="{col} 列：总计为 {left:g}，各办理结果行合计 {right:g} · "
            "总计 is {left:g} but the outcome rows add up to {right:g} in column {col}",
        )
        for c in cols
    )


def _row_sums(template: str, unitemized: bool) -> tuple[Equation, ...]:
    """Each requests row's 总计 = its six applicant columns."""
    rows, cols = _requests_terms(template)
    applicants = [c for c in cols if c != "total"]
    return tuple(
        Equation(
            (_req(r, "total"),),
            tuple(_req(r, c) for c in applicants),
            rule=ROW_SUM,
            claim=_req(r, "total"),
            at=_req(r, "total"),
            message="总计为 {left:g}，六类申请人合计 {right:g} · "
            "总计 is {left:g} but the six applicant columns add up to {right:g}",
        )
        for r in rows + ([OTHER] if unitemized else [])
    )


def _appeals(template: str) -> tuple[Equation, ...]:
    """Each appeals group's 总计 = 维持 + 纠正 + 其他 + 尚未审结."""
    sec = vocabulary().section("appeals")
    parts = [c.code for c in sec.columns_for(template) if c.code != "total"]
    return tuple(
        Equation(
            (("appeals", r.code, "total"),),
            tuple(("appeals", r.code, c) for c in parts),
            rule=APPEALS_ROW_SUM,
            claim=("appeals", r.code, "total"),
            at=("appeals", r.code, "total"),
            message="总计为 {left:g}，维持 + 纠正 + 其他 + 尚未审结 = {right:g} · "
            "总计 is {left:g} but 维持 + 纠正 + 其他 + 尚未审结 = {right:g}",
        )
        for r in sec.rows_for(template)
    )


# ------------------------------------------------------------------ prose figures

# The table cells each figure the prose states counts (summed); see reading/prose_figures.py.
PROSE_FIGURE_CELLS: dict[str, tuple[Key, ...]] = {
    "requests_received": (("requests", "new", "total"),),
    "requests_completed": (("requests", "total", "total"),),
    "requests_carried_forward": (("requests", "carried_forward", "total"),),
    "requests_carried_over": (("requests", "carried_over", "total"),),
    "reviews": (("appeals", "review", "total"),),
    "lawsuits": (("appeals", "suit_direct", "total"), ("appeals", "suit_after_review", "total")),
}


def prose_equation(figure_key: str, value: int) -> Equation:
    """A figure the prose states as an equation: its cells add up to the printed number."""
    return Equation(PROSE_FIGURE_CELLS[figure_key], (), value)


# ------------------------------------------------------------------ across years

# What one year's report carries forward, the next year's carries over (validation/year_chains.py).
CARRIED_FORWARD: Key = ("requests", "carried_forward", "total")
CARRIED_OVER: Key = ("requests", "carried_over", "total")
# 现行有效 = the year before's 现行有效 + 本年制发 - 本年废止, in each art20_1 row (the 2021 columns).
IN_FORCE_SECTION = "art20_1"
IN_FORCE_COLUMNS = ("issued", "repealed", "in_force")  # 本年制发, 本年废止, 现行有效


@lru_cache(maxsize=1)
def in_force_rows() -> dict[str, str]:
    """The art20_1 rows whose 现行有效 chains across years: code → official label."""
    return {r.code: r.label for r in vocabulary().section(IN_FORCE_SECTION).rows_for("2021")}


def year_chain_cells() -> list[Key]:
    """Every cell the cross-year checks read."""
    return [CARRIED_FORWARD, CARRIED_OVER] + [
        (IN_FORCE_SECTION, row, col) for row in in_force_rows() for col in IN_FORCE_COLUMNS
    ]
