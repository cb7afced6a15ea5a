"""A database as its content, so that one built by any sequence of ingests can be compared
row by row with a fresh build of the same files (tests/test_differential.py,
tests/test_races.py, bench/differential.py).

Row ids depend on the order reports were loaded in, so every report id (a column, a
search row's rowid, an id inside a finding's message) is shown as the report's SHA-256.
Paths, sizes and times of loading are left out: where a report was read from is not what
it says.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from gidr_etl.database import search

# Each table as compared: SQL whose columns named in ID_COLUMNS hold report ids.
TABLES = {
    "reports": "select id, format, agency, year, template, title, cells_read, errors, warnings,"
    " agency_key, duplicate_of, is_template from reports",
    "cells": "select report_id, section, row, col, value, raw, status, inferred from cells",
    "findings": "select report_id, rule, severity, section, row, col, message from findings",
    "files": "select path, sha256, status, report_id from files",
    "requests_wide": "select * from requests_wide",
    "appeals_wide": "select * from appeals_wide",
    "report_summary": "select * from report_summary",
    "sections_fts": "select s.report_id, s.part, f.heading, f.text from sections_fts f"
    " left join sections s on s.rowid = f.rowid",
    "reports_fts": "select rowid as id, title, agency from reports_fts",
    "cross_year_chain": "select * from cross_year_chain",
    "balance_failures": "select * from balance_failures",
}
ID_COLUMNS = {"id", "report_id", "duplicate_of", "next_report_id"}
SEARCH_WORDS = ("政府信息公开", "行政复议", "依申请公开", "人民政府", "年度报告")
# A report id inside a message: "报告 12", "report 12", "report id 3, 5, 9".
_IDS_IN_TEXT = re.compile(r"(报告 |report id |report )(\d+(?:, \d+)*)")


def content(db: Path) -> dict[str, list]:
    """Every compared table of the database at `db` as sorted rows, report ids as SHA-256."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    search.register(conn)
    try:
        sha = {i: s for i, s in conn.execute("select id, source_sha256 from reports")}

        def shown(value, column: str):
            if column in ID_COLUMNS and value is not None:
                return sha.get(value, f"missing report {value}")
            if isinstance(value, str):
                # a list of ids follows the ids' order: compared as the reports it names
                return _IDS_IN_TEXT.sub(
                    lambda m: m[1] + ", ".join(sorted(sha.get(int(i), i) for i in m[2].split(", "))), value
                )
            return value

        out = {}
        for name, sql in TABLES.items():
            cur = conn.execute(sql)
            columns = [d[0] for d in cur.description]
            out[name] = sorted((tuple(shown(v, c) for v, c in zip(row, columns)) for row in cur), key=repr)
        for word in SEARCH_WORDS:
            out[f"search {word}"] = sorted(
                sha.get(i, i)
                for (i,) in conn.execute(
                    "select s.report_id from sections_fts f join sections s on s.rowid = f.rowid"
                    " where sections_fts match gidr_search_text(?)",
                    [word],
                )
            )
        out["changed_reports"] = conn.execute("select count(*) from changed_reports").fetchall()
        return out
    finally:
        conn.close()


def differences(got: dict[str, list], want: dict[str, list], limit: int = 3) -> list[str]:
    """What differs between two `content`s, a few rows a table: [] when they are equal."""
    out = []
    for name in want.keys() | got.keys():
        a, b = set(got.get(name, [])), set(want.get(name, []))
        if a != b or len(got.get(name, [])) != len(want.get(name, [])):
            extra, missing = sorted(a - b, key=repr)[:limit], sorted(b - a, key=repr)[:limit]
            out.append(
                f"{name}: {len(got.get(name, []))} rows, a fresh build {len(want.get(name, []))};"
                f" only here {extra}; only in the fresh build {missing}"
            )
    return sorted(out)
