"""The evaluators' scorecard: each counted report's checks side by side (the `compliance`
view), from the findings of the rules each check is made of.

Which rules make which check is data (data/compliance.toml [scorecard]; sums_balance is
every equation rule of template/arithmetic.py), laid down at each prepare as the table
`scorecard_rules` (rule, check_name, role), together with every registered rule that
`compliance.scored` marked, a plugin's among them: so a plugin's rule counts in the
scorecard as a built-in one does. A check is 0 when a warning or error of one of its
`fails` rules is on the report, NULL (cannot be told) when a finding of one of its
`undecided` rules is, else 1; and NULL for a check whose rules came after the extractor
version that read the report (`since_compliance`).
"""

from __future__ import annotations

import sqlite3

from gidr_etl.plugins import rules
from gidr_etl.template.arithmetic import RULES as SUM_RULES
from gidr_etl.validation.compliance import SCORECARD_ATTRIBUTE, data
from gidr_etl.version import COMPLIANCE_SINCE

TABLE = "scorecard_rules"
CHECKS_TABLE = "scorecard_checks"  # the checks' names, for the dashboard's headings
VIEW = "compliance"
FAILS, UNDECIDED = "fails", "undecided"
DDL = (
    f"""create table [{TABLE}] (
    rule text not null, check_name text not null, role text not null,  -- 'fails' or 'undecided'
    primary key (rule, check_name)) without rowid""",
    f"create table [{CHECKS_TABLE}] (check_name text primary key, zh text not null, en text not null, ord integer)",
)


def checks() -> dict[str, dict]:
    """check → its [scorecard.<check>] table (zh, en, fails, undecided), in the view's order."""
    return data()["scorecard"]


def rule_checks() -> list[tuple[str, str, str]]:
    """(rule, check, role) of every rule that counts toward a check."""
    out = []
    for check, spec in checks().items():
        fails = [*spec["fails"], *(SUM_RULES if check == "sums_balance" else ())]
        out += [(rule, check, FAILS) for rule in fails]
        out += [(rule, check, UNDECIDED) for rule in spec["undecided"]]
    named = {(rule, check) for rule, check, _ in out}
    for rule in rules():
        marked = getattr(rule.check, SCORECARD_ATTRIBUTE, None)
        if marked in checks() and (rule.name, marked) not in named:
            out.append((rule.name, marked, UNDECIDED if rule.severity == "info" else FAILS))
    return sorted(out)


def prepare(conn: sqlite3.Connection) -> None:
    """(Re)lay the scorecard's tables, inside the caller's transaction."""
    for table, ddl in zip((TABLE, CHECKS_TABLE), DDL, strict=True):
        conn.execute(f"drop table if exists [{table}]")
        conn.execute(ddl)
    conn.executemany(f"insert into [{TABLE}] (rule, check_name, role) values (?, ?, ?)", rule_checks())
    conn.executemany(
        f"insert into [{CHECKS_TABLE}] (check_name, zh, en, ord) values (?, ?, ?, ?)",
        [(check, spec["zh"], spec["en"], n) for n, (check, spec) in enumerate(checks().items())],
    )


def _check(check: str) -> str:
    """One check's column: 0 failed, NULL undecided, 1 passed."""

    def any_of(role: str, severity: str) -> str:
        return (
            f"exists (select 1 from findings f where f.report_id = r.id and {severity} and f.rule in"
            f" (select rule from [{TABLE}] where check_name = '{check}' and role = '{role}'))"
        )

    failed, undecided = any_of(FAILS, "f.severity != 'info'"), any_of(UNDECIDED, "1")
    # read before the check's rules existed: not checked, so no verdict
    unchecked = f"cast(r.extractor_version as integer) < {int(COMPLIANCE_SINCE)}"
    before = f"when {unchecked} then null " if checks()[check].get("since_compliance") else ""
    return f"case {before}when {failed} then 0 when {undecided} then null else 1 end as [{check}]"


def view_sql(counted: str, only: str = "") -> dict[str, str]:
    """The compliance view: one row per counted report (`counted`: views.COUNTED); `only`
    ("in (select ...)") restricts it to the reports whose ids it holds, as views.view_sql's."""
    names = list(checks())
    passed = " + ".join(f"coalesce([{c}], 0)" for c in names)
    decided = " + ".join(f"([{c}] is not null)" for c in names)
    columns = ",\n       ".join(_check(c) for c in names)
    return {
        VIEW: f"""
select *, {passed} as checks_passed, {decided} as checks_decided
from (
select r.id as report_id, r.agency, r.agency_key, r.year, r.template, r.publish_date,
       r.province, r.city, r.county, r.adcode, r.level, r.kind,
       {columns}
from reports r
where {counted}{only and f" and r.id {only}"})"""
    }


def sheet(conn: sqlite3.Connection) -> tuple[list[str], list[list]] | None:
    """The compliance view as an export sheet (header, rows), or None in a database without it."""
    if not conn.execute("select 1 from sqlite_master where name = ?", [VIEW]).fetchone():
        return None
    cursor = conn.execute(f"select * from [{VIEW}] order by agency_key, year, report_id")
    return [d[0] for d in cursor.description], [list(row) for row in cursor]
