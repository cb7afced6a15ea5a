"""The indexes the served pages need to answer in under a second at 10,000 reports.

Stated here, apart from the loading schema: each serves a page of datasette.yml (a
facet, a canned query, a view's join), and costs the ingest a little, so each says which.
`create` is idempotent; database/views.py `prepare` runs it after every ingest, once the
pivots (requests_wide) are built.
"""

from __future__ import annotations

import sqlite3

# cells_labelled reads a report's cells through this index (by rowid: the template's
# order, as loaded) and counts all of them from it alone.
CELLS_IN_LOAD_ORDER = "cells_report"

INDEXES = {
    CELLS_IN_LOAD_ORDER: "cells(report_id)",
    # cells page: the `status` facet (2 million rows: a scan takes seconds)
    "cells_status": "cells(status)",
    # findings page: the `severity` and `section` facets
    "findings_severity": "findings(severity)",
    "findings_section": "findings(section)",
    # agency_over_years, cross_year_chain, year_chain_breaks: one agency over its years
    "reports_agency_key": "reports(agency_key, year)",
    # the dashboard's outcomes panel: sums of 总计 by row, from the index alone
    "requests_wide_outcome": "requests_wide(row, template, total)",
    # the report page: the other copies of a report
    "reports_duplicate_of": "reports(duplicate_of)",
}


def create(conn: sqlite3.Connection) -> None:
    for name, target in INDEXES.items():
        conn.execute(f"create index if not exists [{name}] on {target}")
