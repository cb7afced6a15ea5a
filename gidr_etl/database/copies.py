"""One report counts once: copies of a report, and files that are no report at all.

The same report often reaches a collection more than once (a PDF and its web page, a
PDF and a text conversion of it). Reports of one agency (by agency_key, see chains.py)
and one year whose cells agree where both have them are copies: the one with most
cells read and fewest error findings counts (`reports.duplicate_of` NULL), the others
name it. Copies that disagree on some cells are still copies, and each disagreeing
cell is a `copies_disagree` finding on both, so a reader sees which number to doubt.

A blank template (no agency, no year, every cell blank) is not a report: its file has
status `template`, and its row in `reports` (kept, so that what was read of it can still
be checked) has is_template = 1, which every count, view and dashboard leaves out.
"""

from __future__ import annotations

from collections import defaultdict

from gidr_etl.database import pause
from gidr_etl.database.chunks import chunks, drop_findings, marks, select_in
from gidr_etl.report import Report, bilingual

TEMPLATE = "template"  # files.status of a blank template
RULE = "copies_disagree"
# Two reports of one agency and year are one report printed twice when at least this
# share of the cells both read agree: a second, different report of the same agency
# and year (a department's own, say) disagrees almost everywhere.
MIN_AGREEMENT = 0.8


def is_blank_template(report: Report) -> bool:
    """No agency, no year and not one cell read: the official template, not a report."""
    meta = report.metadata
    return not meta.agency and not meta.year and all(c.value is None for c in report.cells.values())


# Between copies that read as well, the format whose cells come from the document's own
# structure counts: a DOCX's or a web page's table cells, a PDF's positioned text, then a
# text dump's columns, then a scan read by OCR. Any other format (a plugin's) comes after.
FORMAT_PREFERENCE = ("docx", "html", "pdf", "txt", "scan")


def _rank(r: dict) -> tuple:
    """A total order on content, never on row ids: which copies came first must not decide."""
    fmt = r["format"]
    preference = FORMAT_PREFERENCE.index(fmt) if fmt in FORMAT_PREFERENCE else len(FORMAT_PREFERENCE)
    return (-(r["cells_read"] or 0), r["errors"] or 0, preference, fmt or "", r["sha256"] or "")


def _disagreements(a: dict, b: dict) -> tuple[int, list]:
    """(cells both read, [(cell, value in a, value in b) where they differ])."""
    shared = a.keys() & b.keys()
    return len(shared), sorted((k, a[k], b[k]) for k in shared if a[k] != b[k])


def _n(v) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


def group_copies(reports: list[dict], cells: dict[int, dict]) -> dict[int, tuple[int, list]]:
    """Within one agency and year: copy id → (counted id, its disagreements with the counted copy)."""
    heads: list[dict] = []
    out = {}
    for r in sorted(reports, key=_rank):
        for head in heads:
            shared, differ = _disagreements(cells[head["id"]], cells[r["id"]])
            if not shared or (shared - len(differ)) / shared >= MIN_AGREEMENT:
                out[r["id"]] = (head["id"], differ)
                break
        else:
            heads.append(r)
    return out


_COLUMNS = "id, agency_key, year, cells_read, errors, format, source_sha256"


def recompute(conn) -> int:
    """Set every report's duplicate_of and replace the copies_disagree findings, within the
    caller's write transaction (what it reads is what it writes over); returns copies."""
    rows = conn.execute(f"select {_COLUMNS} from reports where agency_key is not null and year is not null")
    pause.at("copies")
    duplicate_of, found = _compare(conn, rows)
    conn.execute("update reports set duplicate_of = null where duplicate_of is not null")
    conn.execute("delete from findings where rule = ?", [RULE])
    _write(conn, duplicate_of, found)
    return len(duplicate_of)


def update(conn, groups: set[tuple[str, int]]) -> set[int]:
    """Redo the copies among the reports of these agency-years (agency_key, year), within
    the caller's transaction; returns the ids of their reports."""
    # Candidates by agency key and year (the index reports_agency_key), never by what they read.
    rows = [
        r
        for key, year in sorted(groups)
        for r in conn.execute(f"select {_COLUMNS} from reports where agency_key = ? and year = ?", [key, year])
    ]
    ids = sorted(r[0] for r in rows)
    duplicate_of, found = _compare(conn, rows)
    for chunk in chunks(ids):
        conn.execute(
            f"update reports set duplicate_of = null where duplicate_of is not null and id in ({marks(chunk)})", chunk
        )
    drop_findings(conn, [RULE], ids)
    _write(conn, duplicate_of, found)
    return set(ids)


def _compare(conn, rows) -> tuple[dict[int, int], list[tuple]]:
    """Over `rows` (the columns of _COLUMNS): each copy's counted report, and the
    copies_disagree findings (rows for the findings table)."""
    by_year: defaultdict[tuple[str, int], list[dict]] = defaultdict(list)
    for i, key, year, cells_read, errors, fmt, sha in rows:
        by_year[key, year].append({"id": i, "cells_read": cells_read, "errors": errors, "format": fmt, "sha256": sha})
    groups = [g for g in by_year.values() if len(g) > 1]
    ids = [r["id"] for g in groups for r in g]
    cells: dict[int, dict] = defaultdict(dict)
    for rid, s, row, col, v in select_in(
        conn, "select report_id, section, row, col, value from cells where value is not null and report_id in ({})", ids
    ):
        cells[rid][s, row, col] = v
    duplicate_of, found = {}, []
    for g in groups:
        for copy, (counted, differ) in group_copies(g, cells).items():
            duplicate_of[copy] = counted
            for (s, row, col), counted_value, copy_value in differ:
                for on, other, mine, theirs in (
                    (copy, counted, copy_value, counted_value),
                    (counted, copy, counted_value, copy_value),
                ):
                    found.append(
                        (
                            on,
                            RULE,
                            "warning",
                            s,
                            row,
                            col,
                            bilingual(
                                f"副本数值不一致：{s}.{row}.{col} 此处为 {_n(mine)}，报告 {other} 为 {_n(theirs)}",
                                f"copies disagree: {s}.{row}.{col} is {_n(mine)} here"
                                f" but {_n(theirs)} in report {other}",
                            ),
                        )
                    )
    return duplicate_of, found


def _write(conn, duplicate_of: dict[int, int], found: list[tuple]) -> None:
    conn.executemany(
        "update reports set duplicate_of = ? where id = ?", [(counted, copy) for copy, counted in duplicate_of.items()]
    )
    conn.executemany(
        "insert into findings (report_id, rule, severity, section, row, col, message) values (?, ?, ?, ?, ?, ?, ?)",
        found,
    )
