"""Across reports: a year missing between two an agency reported (`year_gap`).

An agency (grouped by agency_key, as the year chains group it: validation/year_chains.py)
with reports for Y−1 and Y+1 and none for Y did not publish, or the collection lacks it:
either way an evaluator asks. The warning goes on the Y+1 report, as the chain findings
go on the later year's. Only a single missing year between two present ones is said: a
longer silence may be an agency that was merged or set up again, which the years alone
cannot tell. Recomputed after each ingest, over the whole database or the agencies a
batch touched (database/derived.py).
"""

from __future__ import annotations

from collections import defaultdict

from gidr_etl.database.chunks import select_in
from gidr_etl.report import bilingual

RULE = "year_gap"


def gaps(years: dict[int, list[int]]) -> list[tuple[int, int]]:
    """(report id of Y+1, missing Y) for each Y with reports for Y−1 and Y+1 but none for Y;
    `years` holds each year's report ids (the lowest id of Y+1 carries the finding)."""
    return [(min(years[y + 2]), y + 1) for y in sorted(years) if y + 1 not in years and y + 2 in years]


def _rows(found: list[tuple[int, int]]) -> list[tuple]:
    return [
        (
            report_id,
            RULE,
            "warning",
            "metadata",
            None,
            "year",
            bilingual(
                f"同一机关有 {year - 1} 年和 {year + 1} 年报告，缺少 {year} 年报告",
                f"the agency has reports for {year - 1} and {year + 1} but none for {year}",
            ),
        )
        for report_id, year in found
    ]


def _check(conn, keys: set[str] | None) -> list[tuple]:
    sql = (
        "select id, agency_key, year from reports where agency_key is not null and year is not null and not is_template"
    )
    rows = conn.execute(sql).fetchall() if keys is None else select_in(conn, sql + " and agency_key in ({})", keys)
    by_key: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for report_id, key, year in rows:
        by_key[key][year].append(report_id)
    return _rows([g for years in by_key.values() for g in gaps(years)])


def _insert(conn, rows: list[tuple]) -> int:
    conn.executemany(
        "insert into findings (report_id, rule, severity, section, row, col, message) values (?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    return len(rows)


def recompute(conn) -> int:
    """Within the caller's write transaction (derived.refresh), replace every year_gap
    finding, after the agency keys are set; returns how many."""
    conn.execute("delete from findings where rule = ?", [RULE])
    return _insert(conn, _check(conn, None))


def update(conn, keys: set[str]) -> set[int]:
    """Within the caller's transaction, redo the year_gap findings of the agencies `keys`;
    returns the ids of the reports whose findings changed (whose rows the pivots redo:
    the agencies' other years, unchanged, would make a batch cost their whole history)."""
    ids = [i for (i,) in select_in(conn, "select id from reports where agency_key in ({})", keys)]
    # by report (findings_report), not by rule: the whole database's year_gap findings are not read
    had = {
        tuple(r[1:]): r[0]
        for r in select_in(
            conn,
            "select id, report_id, rule, severity, section, row, col, message from findings"
            " where +rule = ? and report_id in ({})",
            ids,
            [RULE],
        )
    }
    found = set(_check(conn, keys))
    conn.executemany("delete from findings where id = ?", [(had[r],) for r in sorted(had.keys() - found)])
    _insert(conn, sorted(found - had.keys()))
    return {r[0] for r in had.keys() ^ found}
