"""Prepare a loaded database for research: labels, readable views, Chinese full-text search.

`prepare(db)` runs after loading (at the end of `gidr-etl ingest`) and is idempotent:
everything it makes is derived from reports/cells/findings/sections and the template
vocabulary, so it drops and rebuilds it each time. datasette.yml describes what it makes.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from gidr_etl.database import page_indexes, scorecard, search
from gidr_etl.template.vocabulary import TEMPLATES, vocabulary

# Trigram tokenizer (Chinese has no spaces to split words on) needs SQLite >= 3.34.
MIN_SQLITE_FOR_TRIGRAM = (3, 34, 0)

LABELS_DDL = """
create table labels (
    section text not null,   -- section code: art20_1 ... requests, appeals
    kind text not null,      -- 'section', 'row' or 'col'
    code text not null,      -- row/col code (the section code for kind 'section')
    template text not null,  -- '2019' or '2021'
    label_zh text not null,  -- official Simplified Chinese label
    label_en text,           -- English gloss
    group_zh text,           -- printed group heading (不予公开, 法人或其他组织 ...)
    ord integer not null,    -- position in the printed template
    primary key (section, kind, code, template)
)
"""

# Each report counts once: copies of it (copies.py) stay in reports, out of the views.
COUNTED = "r.duplicate_of is null and not r.is_template"

# Reports whose template is unknown are labelled with the current template's words.
_TEMPLATE_OF = "coalesce(r.template, '2021')"


def _label_join(alias: str, kind: str, section: str, code: str) -> str:
    return (
        f"left join labels {alias} on {alias}.kind = '{kind}' and {alias}.section = {section}"
        f" and {alias}.code = {code} and {alias}.template = {_TEMPLATE_OF}"
    )


def _label(column: str, kind: str, code: str) -> str:
    """One label column of cell `c` of report `r`, as a scalar subquery."""
    return (
        f"(select {column} from labels where kind = '{kind}' and section = c.section"
        f" and code = {code} and template = {_TEMPLATE_OF})"
    )


def _pivot(columns: list[str]) -> str:
    # One output column per template column, in template order.
    return ",\n       ".join(f"max(case when c.col = '{col}' then c.value end) as [{col}]" for col in columns)


def _cell(row: str, col: str, rid: str) -> str:
    """A requests cell of report `rid` (SQL expressions for col and rid)."""
    return (
        f"(select value from cells where report_id = {rid} and section = 'requests' and row = '{row}' and col = {col})"
    )


# 纠正率 apart for 行政复议 and for 行政诉讼 (both its rows): the appeals rows of each.
DENIED_ROWS = "row like 'denied\\_%' escape '\\'"
APPEAL_GROUPS = {"review": "row = 'review'", "suit": "row like 'suit\\_%' escape '\\'"}


def _sum(where: str) -> str:
    """The cells `where` selects, summed: a printed blank counts as 0 (as the sum rules count
    it), and a cell left NULL for a doubt (ambiguous, unreadable, missing) makes the sum
    unknown, not silently too low: a summary must not show 6 handled requests where the
    table's 26 was lost."""
    return (
        f"case when count(case when {where} and status not in ('read', 'blank') then 1 end) = 0"
        f" and count(case when {where} then 1 end) > 0"
        f" then sum(case when {where} then coalesce(value, 0) end) end"
    )


def _appeal_sums() -> str:
    return ",\n        ".join(
        _sum(f"section = 'appeals' and {rows} and col = '{col}'") + f" as {group}_{col}"
        for group, rows in APPEAL_GROUPS.items()
        for col in ("upheld", "corrected", "other")
    )


def _correction_rate(prefix: str) -> str:
    """纠正率: corrected over the decided cases (upheld + corrected + other) of `prefix`."""
    return f"round(1.0 * {prefix}_corrected / nullif({prefix}_upheld + {prefix}_corrected + {prefix}_other, 0), 4)"


def _wide_view(section: str, cols: list[str], only: str = "") -> str:
    """One row per report × printed row of `section`, its columns side by side, labelled.

    Reports without an agency (often blank: all zeros) go last, not first as NULL sorts:
    the materialised rows' order is the order a page opens with."""
    return f"""
select c.report_id, r.agency, r.year, r.template,
       c.row, l.group_zh as row_group_zh, l.label_zh as row_zh, l.label_en as row_en,
       {_pivot(cols)}
from cells c
join reports r on r.id = c.report_id
{_label_join("l", "row", "c.section", "c.row")}
where c.section = '{section}' and {COUNTED}{only and f" and c.report_id {only}"}
group by c.report_id, c.row
order by r.agency is null, r.agency, r.year, c.report_id, l.ord"""


def view_sql(only: str = "") -> dict[str, str]:
    """The research views, by name, as SELECT statements (column lists follow the vocabulary).

    `only` ("in (select ...)") restricts the pivots to the reports whose ids it holds."""
    vocab = vocabulary()
    request_cols = [c.code for c in vocab.section("requests").columns_for("2021")]
    appeal_cols = [c.code for c in vocab.section("appeals").columns_for("2021")]
    return {
        # Reports drive the join (CROSS JOIN fixes the order) and the labels are looked up
        # per row shown: counting or filtering 2 million cells then touches no label. No
        # ORDER BY: a sort over every cell takes seconds at 10,000 reports, and keeps
        # Datasette's count(*) from being flattened (100 s). Instead the index on
        # cells(report_id) (page_indexes.py), which lists a report's cells by rowid, gives
        # each report's cells in the order they were loaded: the template's.
        "cells_labelled": f"""
select c.report_id, r.agency, r.year, r.template,
       c.section, {_label("label_zh", "section", "c.section")} as section_zh,
       c.row, {_label("group_zh", "row", "c.row")} as row_group_zh,
       {_label("label_zh", "row", "c.row")} as row_zh, {_label("label_en", "row", "c.row")} as row_en,
       c.col, {_label("group_zh", "col", "c.col")} as col_group_zh,
       {_label("label_zh", "col", "c.col")} as col_zh, {_label("label_en", "col", "c.col")} as col_en,
       c.value, c.raw, c.status
from reports r
cross join cells c indexed by {page_indexes.CELLS_IN_LOAD_ORDER} on c.report_id = r.id
where {COUNTED}""",
        "requests_wide": _wide_view("requests", request_cols, only),
        "appeals_wide": _wide_view("appeals", appeal_cols, only),
        # Shares divide by the printed （七）总计; a blank cell counts as 0 inside a sum,
        # a blank or zero denominator gives NULL rather than a made-up ratio.
        "report_summary": f"""
with v as (
    select report_id,
        {_sum("section = 'requests' and col = 'total' and row = 'new'")} as applications_received,
        {_sum("section = 'requests' and col = 'total' and row = 'carried_over'")} as carried_over,
        {_sum("section = 'requests' and col = 'total' and row = 'total'")} as total_handled,
        {_sum("section = 'requests' and col = 'total' and row = 'carried_forward'")} as carried_forward,
        {_sum("section = 'requests' and col = 'total' and row in ('granted', 'partial')")} as disclosed,
        {_sum(f"section = 'requests' and col = 'total' and {DENIED_ROWS}")} as denied,
        {_sum("section = 'appeals' and col = 'upheld'")} as appeals_upheld,
        {_sum("section = 'appeals' and col = 'corrected'")} as appeals_corrected,
        {_sum("section = 'appeals' and col = 'other'")} as appeals_other,
        {_sum("section = 'appeals' and col = 'total'")} as appeals_total,
        {_appeal_sums()}
    from cells{only and f" where report_id {only}"}
    group by report_id
),
f as (
    select report_id,
        sum(severity = 'error') as errors,
        sum(severity = 'warning') as warnings
    from findings{only and f" where report_id {only}"}
    group by report_id
)
select r.id as report_id, r.agency, r.year, r.template, r.title,
       v.applications_received, v.carried_over, v.total_handled, v.carried_forward,
       v.disclosed, round(1.0 * v.disclosed / nullif(v.total_handled, 0), 4) as disclosure_share,
       v.denied, round(1.0 * v.denied / nullif(v.total_handled, 0), 4) as refusal_share,
       v.appeals_upheld, v.appeals_corrected, v.appeals_other, v.appeals_total,
       {_correction_rate("v.appeals")} as correction_rate,
       {_correction_rate("v.review")} as review_correction_rate,
       {_correction_rate("v.suit")} as suit_correction_rate,
       coalesce(f.errors, 0) as errors, coalesce(f.warnings, 0) as warnings,
       r.adcode, r.province, r.city, r.county, r.level, r.kind
from reports r
left join v on v.report_id = r.id
left join f on f.report_id = r.id
where {COUNTED}{only and f" and r.id {only}"}
order by r.agency is null, r.agency, r.year, r.id""",
        # 勾稽关系: new + carried_over = total + carried_forward, per applicant column.
        # The difference counts a blank cell as 0, as the requests_balance rule does.
        "balance_failures": f"""
select report_id, agency, year, template, col, col_zh, new, carried_over, total, carried_forward,
       coalesce(new, 0) + coalesce(carried_over, 0) - coalesce(total, 0) - coalesce(carried_forward, 0)
          as difference, message
from (
select f.report_id, r.agency, r.year, r.template,
       f.col, l.label_zh as col_zh,
       {_cell("new", "f.col", "f.report_id")} as new,
       {_cell("carried_over", "f.col", "f.report_id")} as carried_over,
       {_cell("total", "f.col", "f.report_id")} as total,
       {_cell("carried_forward", "f.col", "f.report_id")} as carried_forward,
       f.message
from findings f
join reports r on r.id = f.report_id
{_label_join("l", "col", "'requests'", "f.col")}
where f.rule = 'requests_balance' and {COUNTED}
order by r.agency, r.year, f.report_id)""",
        # Same agency (by agency_key: see chains.py), consecutive years: what one year
        # carries forward the next year should carry over.
        "cross_year_chain": f"""
select a.agency, a.year, a.id as report_id,
       {_cell("carried_forward", "'total'", "a.id")} as carried_forward,
       b.year as next_year, b.id as next_report_id,
       {_cell("carried_over", "'total'", "b.id")} as next_carried_over,
       {_cell("carried_over", "'total'", "b.id")}
         - {_cell("carried_forward", "'total'", "a.id")} as difference
from reports a
join reports b on b.agency_key = a.agency_key and b.year = a.year + 1
where a.duplicate_of is null and not a.is_template and b.duplicate_of is null and not b.is_template
order by a.agency, a.year""",
        # evaluators (issue 25): on time, parts complete, template current, sums, prose
        **scorecard.view_sql(COUNTED, only),
    }


def labels(template_versions=TEMPLATES) -> list[dict]:
    """The labels table's rows: every section, row and column of each template version."""
    out = []
    vocab = vocabulary()
    for template in template_versions:
        for s_ord, sec in enumerate(vocab.sections_for(template)):
            out.append(
                dict(
                    section=sec.code,
                    kind="section",
                    code=sec.code,
                    template=template,
                    label_zh=sec.label,
                    label_en=sec.en,
                    group_zh=None,
                    ord=s_ord,
                )
            )
            for kind, terms in (("row", sec.rows_for(template)), ("col", sec.columns_for(template))):
                for ord_, t in enumerate(terms):
                    out.append(
                        dict(
                            section=sec.code,
                            kind=kind,
                            code=t.code,
                            template=template,
                            label_zh=t.label,
                            label_en=t.en,
                            group_zh=t.group,
                            ord=ord_,
                        )
                    )
    return out


def _connection(db) -> tuple[sqlite3.Connection, bool]:
    """The connection for `db` and whether it is ours to close."""
    if isinstance(db, sqlite_utils.Database):
        return db.conn, False
    if isinstance(db, sqlite3.Connection):
        return db, False
    return sqlite3.connect(str(Path(db)), timeout=60, isolation_level=None), True


def check_trigram() -> None:
    if sqlite3.sqlite_version_info < MIN_SQLITE_FOR_TRIGRAM:
        raise RuntimeError(
            f"SQLite {sqlite3.sqlite_version} has no FTS5 trigram tokenizer (needs >= 3.34): "
            "Chinese full-text search cannot be built"
        )


FTS_DDL = (
    """create virtual table sections_fts using fts5(
        report_id unindexed, part unindexed, heading, text, tokenize = 'trigram')""",
    """create virtual table reports_fts using fts5(
        title, agency, tokenize = 'trigram')""",
)


def _build_fts(conn: sqlite3.Connection) -> int:
    # Indexed text is search.search_text (Simplified, half-width, no layout breaks), the
    # folding the search query applies to its words through gidr_search_text(:q).
    # rowids equal sections.rowid / reports.id: Datasette's table search joins on them.
    for ddl in FTS_DDL:  # not executescript: it would commit the open transaction
        conn.execute(ddl)
    index_search_rows(conn)
    return conn.execute("select count(*) from sections_fts").fetchone()[0]


def index_search_rows(conn: sqlite3.Connection, only: str = "") -> None:
    """Index the prose and titles of the reports whose ids `only` ("in (select ...)") holds
    (all when empty), in SQL: the prose streams through, never all in memory at once."""
    search.register(conn)
    conn.execute(f"""insert into sections_fts (rowid, report_id, part, heading, text)
        select rowid, report_id, part, {search.SQL_FUNCTION}(heading), {search.SQL_FUNCTION}(text)
        from sections{only and f" where report_id {only}"}""")
    conn.execute(f"""insert into reports_fts (rowid, title, agency)
        select id, {search.SQL_FUNCTION}(title), {search.SQL_FUNCTION}(agency)
        from reports{only and f" where id {only}"}""")


def forget_search_rows(conn: sqlite3.Connection, only: str, params=()) -> None:
    """Take the reports whose ids `only` ("= ?", "in (select ...)") holds out of the search
    index, before their sections go (their rowids are its rows)."""
    if conn.execute("select 1 from sqlite_master where name = 'sections_fts'").fetchone():
        conn.execute(
            f"delete from sections_fts where rowid in (select rowid from sections where report_id {only})", params
        )
        conn.execute(f"delete from reports_fts where rowid {only}", params)


def refresh_pivots(conn: sqlite3.Connection, only: str) -> None:
    """Rebuild the materialised pivots' rows of the reports whose ids `only` ("in (select ...)") holds."""
    views = view_sql(only)
    for name in MATERIALISED:
        conn.execute(f"delete from [{name}] where report_id {only}")
        conn.execute(f"insert into [{name}] {views[name]}")


DERIVED_TABLES = ("labels", "sections_fts", "reports_fts")
# Pivots kept as tables, not views: computed per request they took seconds at a few
# hundred reports (requests_wide 5.6 s at 868), so they are built at ingest instead.
# Their columns → index, for the facets and filters their pages offer.
MATERIALISED = {
    "requests_wide": ("report_id", "year", "row", "agency"),
    "appeals_wide": ("report_id", "year", "row"),
    "report_summary": ("report_id", "year", "agency"),
    # evaluators (issue 25): as a view, 1.2 s a page and 1.7 s the dashboard's panel at 10,000
    # reports (two findings lookups per check per report); agency_key for agency_scorecard
    scorecard.VIEW: ("report_id", "year", "agency_key", "province"),
}


def _drop(conn: sqlite3.Connection, name: str) -> None:
    """Drop what `name` is (an older database may hold a view where a table is now)."""
    kind = conn.execute("select type from sqlite_master where name = ?", [name]).fetchone()
    if kind and kind[0] in ("table", "view"):
        conn.execute(f"drop {kind[0]} [{name}]")


def _create(conn: sqlite3.Connection, name: str, select: str) -> None:
    if name not in MATERIALISED:
        conn.execute(f"create view [{name}] as {select}")
        return
    conn.execute(f"create table [{name}] as {select}")
    for column in MATERIALISED[name]:
        conn.execute(f"create index [{name}_{column}] on [{name}]([{column}])")


def prepare(db) -> dict:
    """Build labels, views and full-text indexes on a loaded database; safe to re-run.

    `db`: a sqlite_utils.Database, a sqlite3.Connection or a path. Returns counts.
    """
    check_trigram()
    conn, owned = _connection(db)
    try:
        return _prepare(conn)
    finally:
        if owned:
            conn.close()


def _prepare(conn: sqlite3.Connection) -> dict:
    if conn.in_transaction:
        conn.commit()
    conn.execute("begin immediate")
    try:
        made = make(conn)
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
    # The file stays whole to copy or ship: fold the WAL into it.
    conn.execute("pragma wal_checkpoint(truncate)")
    return made


def make(conn: sqlite3.Connection) -> dict:
    """Drop and make again everything `prepare` makes, within the caller's write transaction."""
    views = view_sql()
    for name in [*views, *DERIVED_TABLES]:
        _drop(conn, name)
    conn.execute(LABELS_DDL)
    rows = labels()
    conn.executemany(
        "insert into labels (section, kind, code, template, label_zh, label_en, group_zh, ord)"
        " values (:section, :kind, :code, :template, :label_zh, :label_en, :group_zh, :ord)",
        rows,
    )
    scorecard.prepare(conn)  # evaluators (issue 25): the table the compliance view reads
    for name, select in views.items():
        _create(conn, name, select)
    n_fts = _build_fts(conn)
    page_indexes.create(conn)
    return {"labels": len(rows), "views": list(views), "sections_indexed": n_fts}
