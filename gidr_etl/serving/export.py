"""Exports in the shapes researchers load: a wide sheet per printed table, one row per counted report.

CSV is UTF-8 with a BOM (Excel on Chinese Windows then reads it as UTF-8, not GBK), XLSX
is written with openpyxl, JSON keeps numbers as numbers. One report's tables can also be
written as an XLSX in the official layout (report_page.layout), merged headings included.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from collections import defaultdict
from functools import cache
from importlib import resources
from pathlib import Path

import yaml

from gidr_etl.database import scorecard
from gidr_etl.serving import report_page
from gidr_etl.template.vocabulary import TEMPLATES, vocabulary

FORMATS = ("csv", "xlsx", "json")
# A CSV's header rows: the codes alone (the default: pandas, R and Stata read one header row),
# the Chinese names alone, or both, Chinese over the codes (as the XLSX sheets are).
CSV_HEADERS = ("code", "zh", "both")
# The report's metadata leading each row: its `reports` column (id is report_id here).
META = (
    "report_id",
    "agency",
    "province",
    "city",
    "county",
    "adcode",
    "year",
    "template",
    "title",
    "publish_date",
    "index_no",
    "agency_key",
    "source_path",
)
# Tables a gidr-etl database has, by which a file is told from any other.
_NEEDED = ("reports", "cells")


class ExportError(Exception):
    """What keeps an export from being written, in one line."""


def check_database(db_path: str | Path, report_id: int | None = None) -> None:
    """Raise ExportError unless db_path is a gidr-etl database (holding report_id, if given).

    Opened read-only and checked before anything is written, so a wrong file creates nothing.
    """
    path = Path(db_path)
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            tables = {name for (name,) in conn.execute("select name from sqlite_master")}
            missing = [t for t in _NEEDED if t not in tables]
            if missing:
                raise ExportError(f"{path}: not a gidr-etl database (no {', '.join(missing)} table)")
            if (
                report_id is not None
                and conn.execute("select 1 from reports where id = ?", [report_id]).fetchone() is None
            ):
                raise ExportError(f"{path}: no report {report_id} (report ids are the reports table's id column)")
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise ExportError(f"{path}: not a gidr-etl database (SQLite: {exc})") from None


@cache
def _column_names(table: str) -> dict[str, str]:
    """The Chinese name of each column of `table`: its heading in datasette.yml."""
    from gidr_etl.serving.chinese import short_name

    meta = yaml.safe_load(resources.files("gidr_etl").joinpath("data/datasette.yml").read_text("utf-8"))
    columns = meta["databases"]["gidr"]["tables"][table]["columns"]
    return {name: short_name(text) for name, text in columns.items()}


def _meta_names() -> dict[str, str]:
    """The Chinese name of each META column: its `reports` heading."""
    names = _column_names("reports")
    return {name: names.get("id" if name == "report_id" else name, "") for name in META}


def chinese_header(addresses: list[tuple[str, str, str]]) -> list[str]:
    """The header row in Chinese over META and the cell columns: 行 · 列 as the template prints them."""
    names = _meta_names()
    vocab = vocabulary()
    out = [names[m] or m for m in META]
    for section, row, col in addresses:
        sec = vocab.section(section)
        r = next(r for t in TEMPLATES for r in sec.rows_for(t) if r.code == row)
        c = next(c for t in TEMPLATES for c in sec.columns_for(t) if c.code == col)
        parts = [r.group, r.label, c.group, c.label]
        if section not in ("requests", "appeals"):  # art20's sheet holds nine sections
            parts.insert(0, sec.label)
        out.append(" · ".join(p for p in parts if p))
    return out


# The printed tables: 二 (the art20_* sections), 三 requests, 四 appeals.
TABLES = {"art20": "二、主动公开", "requests": "三、依申请公开", "appeals": "四、复议诉讼"}


def _table_of(section: str) -> str:
    return "art20" if section.startswith("art20") else section


def cell_columns() -> dict[str, list[tuple[str, str, str]]]:
    """Each table's cell addresses in template order, every template version's rows included."""
    out: dict[str, list] = defaultdict(list)
    vocab = vocabulary()
    for template in TEMPLATES:
        for sec in vocab.sections_for(template):
            for r in sec.rows_for(template):
                for c in sec.columns_for(template):
                    a = (sec.code, r.code, c.code)
                    if a not in out[_table_of(sec.code)]:
                        out[_table_of(sec.code)].append(a)
    return out


def column_name(address: tuple[str, str, str]) -> str:
    section, row, col = address
    return f"{row}.{col}" if section in ("requests", "appeals") else f"{section}.{row}.{col}"


def wide_tables(db_path: str | Path) -> dict[str, tuple[list[str], list[str], list[list]]]:
    """table → (header, Chinese header, rows): one row per counted report (copies and templates left out)."""
    conn = sqlite3.connect(str(db_path))
    try:
        columns = {r[1] for r in conn.execute("pragma table_info(reports)")}
        # a database an older gidr-etl wrote may lack the copies' and the places' columns
        selected = ", ".join("id" if m == "report_id" else m if m in columns else "null" for m in META)
        reports = conn.execute(
            f"select {selected} from reports"
            f"{' where duplicate_of is null and not is_template' if 'duplicate_of' in columns else ''}"
            " order by agency_key, year, id"
        ).fetchall()
        values: dict[int, dict] = defaultdict(dict)
        for rid, s, r, c, v in conn.execute("select report_id, section, row, col, value from cells"):
            values[rid][s, r, c] = v
        checks = scorecard.sheet(conn)  # evaluators (issue 25): the scorecard, a sheet of its own
    finally:
        conn.close()
    out = {}
    for table, addresses in cell_columns().items():
        header = list(META) + [column_name(a) for a in addresses]
        rows = [list(rep) + [values[rep[0]].get(a) for a in addresses] for rep in reports]
        out[table] = (header, chinese_header(addresses), rows)
    if checks is not None:
        header, rows = checks
        names = _column_names(scorecard.VIEW)
        out[scorecard.VIEW] = (header, [names.get(h) or h for h in header], rows)
    return out


def export(db_path: str | Path, out_dir: str | Path, formats=FORMATS, csv_header: str = "code") -> list[Path]:
    """Write the wide tables in each format into out_dir; returns the files written.

    csv_header is one of CSV_HEADERS: which header rows the CSVs carry.
    """
    if csv_header not in CSV_HEADERS:
        raise ExportError(f"CSV header {csv_header!r}: one of {', '.join(CSV_HEADERS)}")
    check_database(db_path)
    out_dir = Path(out_dir)
    tables = wide_tables(db_path)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    if "csv" in formats:
        for table, (header, names, rows) in tables.items():
            path = out_dir / f"{table}.csv"
            with path.open("w", encoding="utf-8-sig", newline="") as f:
                w = csv.writer(f)
                w.writerows({"code": [header], "zh": [names], "both": [names, header]}[csv_header])
                w.writerows(rows)
            written.append(path)
    if "xlsx" in formats:
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        for table, (header, names, rows) in tables.items():
            ws = wb.create_sheet(table)
            ws.freeze_panes = "A3"  # write-only sheets take it before the first row
            ws.append(names)  # Chinese over the codes: the sheet people read in Excel
            ws.append(header)
            for row in rows:
                ws.append(row)
        path = out_dir / "gidr.xlsx"
        wb.save(path)
        written.append(path)
    if "json" in formats:
        path = out_dir / "gidr.json"
        path.write_text(
            json.dumps(
                {t: [dict(zip(h, r)) for r in rows] for t, (h, _, rows) in tables.items()}, ensure_ascii=False, indent=1
            ),
            "utf-8",
        )
        written.append(path)
    return written


def export_report(db_path: str | Path, report_id: int, path: str | Path) -> Path:
    """One report's tables as an XLSX in the official layout, merged headings and all."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.worksheet import Worksheet

    check_database(db_path, report_id)
    conn = sqlite3.connect(str(db_path))
    try:
        rep = conn.execute(
            "select agency, year, template, source_path from reports where id = ?", [report_id]
        ).fetchone()
        cells = {
            (s, r, c): v
            for s, r, c, v in conn.execute(
                "select section, row, col, value from cells where report_id = ?", [report_id]
            )
        }
    finally:
        conn.close()
    agency, year, template, source = rep
    wb = Workbook()
    ws = wb.active
    assert isinstance(ws, Worksheet)  # a new workbook's one sheet; openpyxl types it as possibly none or a chart
    ws.title = f"report {report_id}"
    ws.append([f"{agency or ''} {year or ''} 年度报告 · report {report_id}"])
    ws.append([f"源文件 source: {source}"])
    row_no = 3
    part = None
    for code in report_page.sections_for(template or "2021"):
        lay = report_page.layout(code, template or "2021")
        row_no += 1
        if report_page.part_of(code) != part:
            part = report_page.part_of(code)
            ws.cell(row_no, 1, part).font = Font(bold=True)
            row_no += 1
        ws.cell(row_no, 1, lay.caption).font = Font(italic=True)
        row_no += 1
        taken: set[tuple[int, int]] = set()  # cells a merged heading above already covers
        # Each line: its headings, then (in the body) the addresses of its cells.
        grid: list[list[report_page.Head | tuple[str, str, str]]] = [list(heads) for heads in lay.head]
        grid += [[*heads, *addresses] for heads, addresses in lay.body]
        for line in grid:
            col = 1
            for item in line:
                while (row_no, col) in taken:
                    col += 1
                if not isinstance(item, report_page.Head):
                    ws.cell(row_no, col, cells.get(item))
                    col += 1
                    continue
                head = item
                target = ws.cell(row_no, col, head.text)
                target.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
                if head.colspan > 1 or head.rowspan > 1:
                    ws.merge_cells(
                        start_row=row_no,
                        start_column=col,
                        end_row=row_no + head.rowspan - 1,
                        end_column=col + head.colspan - 1,
                    )
                taken |= {(row_no + i, col + j) for i in range(head.rowspan) for j in range(head.colspan)}
                col += head.colspan
            row_no += 1
    path = Path(path)
    wb.save(path)
    return path
