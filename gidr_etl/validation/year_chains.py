"""Checks across reports: one agency's consecutive years must chain.

What a report carries forward, the next year's report carries over; what is in
force is what was in force, plus what was issued, less what was repealed. Both
are warnings (either year may be the misprint), recomputed over the whole
database after every ingest, and attached to the later year's report.

Agencies print their names more or less fully from one year to the next
(洪泽区人民政府, 淮安市洪泽区人民政府), so reports are grouped by an agency key: a
name that is the tail of exactly one fuller name in the database, the fuller part
being only higher divisions (省/市/州…), takes that fuller name as its key. Two
fuller names sharing the tail (南京市鼓楼区…, 福州市鼓楼区…) leave it alone.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import asdict, dataclass

from gidr_etl.report import Finding, bilingual
from gidr_etl.template.arithmetic import (
    CARRIED_FORWARD,
    CARRIED_OVER,
    IN_FORCE_COLUMNS,
    IN_FORCE_SECTION,
    in_force_rows,
    year_chain_cells,
)
from gidr_etl.text.cjk import IDEOGRAPHS
from gidr_etl.text.normalize import compact

# The divisions a fuller name may add in front: 江苏省, 淮安市, 恩施土家族苗族自治州 …
_DIVISION_END = re.compile(r"省|自治区|特别行政区|市|自治州|州|盟|地区")
_DIVISIONS = re.compile(rf"(?:[{IDEOGRAPHS}]{{1,10}}?(?:" + _DIVISION_END.pattern + "))+")
# A short name must itself start with a place, or "人民政府" would join every city.
_PLACE = re.compile(rf"^[{IDEOGRAPHS}]{{1,8}}?(?:市|区|县|旗|镇|乡|街道)")

CARRIED = "chain_carried_over"
IN_FORCE = "chain_in_force"
RULES = (CARRIED, IN_FORCE)


@dataclass
class Year:
    """One report as the checks see it."""

    id: int
    agency: str
    year: int
    template: str | None
    cells: dict[tuple[str, str, str], float | int]


def agency_keys(names: set[str]) -> dict[str, str]:
    """Each agency name → the key its reports are grouped by (see the module's note)."""
    fuller: dict[str, set[str]] = defaultdict(set)
    for name in names:
        # every point where a chain of divisions ends: 江苏省|淮安市|洪泽区人民政府
        for m in _DIVISION_END.finditer(name):
            if m.end() < len(name) and _DIVISIONS.fullmatch(name[: m.end()]):
                fuller[name[m.end() :]].add(name)
    keys = {}
    for name in names:
        longer = fuller.get(name, set()) if _PLACE.match(name) else set()
        longest = max(longer, key=len, default=None)
        # all the fuller names must be one name printed more or less fully
        keys[name] = longest if longest and all(longest.endswith(n) for n in longer) else name
    return keys


def check_year(before: list[Year], this: Year) -> list[Finding]:
    """The findings for `this` report against the same agency's reports of the year before.

    A collection may hold one year's report more than once (a PDF and its web page, a
    corrected version): the chain holds if it holds with any of them, and a break is
    one finding naming them all, never one per pair.
    """
    found: list[Finding] = []
    cell = CARRIED_FORWARD
    over, forwards = this.cells.get(CARRIED_OVER), _values(before, cell)
    if over is not None and forwards and over not in forwards:
        found.append(Finding(CARRIED, "warning", *CARRIED_OVER,
                             bilingual(f"{this.year} 年上年结转为 {_n(over)}，"
                                       f"{this.year - 1} 年报告（{_ids(before, cell)}）结转下年度为 {_list(forwards)}",
                                       f"上年结转 {this.year} is {_n(over)} but the {this.year - 1} report "
                                       f"({_ids(before, cell)}) carried forward 结转下年度 {_list(forwards)}")))
    earlier = [p for p in before if p.template == this.template == "2021"]
    for row, label in in_force_rows().items():
        issued, repealed, now = (this.cells.get((IN_FORCE_SECTION, row, c)) for c in IN_FORCE_COLUMNS)
        cell = (IN_FORCE_SECTION, row, IN_FORCE_COLUMNS[-1])
        in_force = _values(earlier, cell)
        if issued is None or repealed is None or now is None or not in_force or now - issued + repealed in in_force:
            continue
        expected = _list({v + issued - repealed: None for v in in_force})
        message = bilingual(f"{label} {this.year} 年现行有效 {_n(now)} 件，而 {this.year - 1} 年 {_list(in_force)}"
                            f"（{_ids(earlier, cell)}）+ 制发 {_n(issued)} − 废止 {_n(repealed)} = {expected}",
                            f"{label} 现行有效 {this.year} is {_n(now)} but {this.year - 1}'s {_list(in_force)} "
                            f"({_ids(earlier, cell)}) + 制发 {_n(issued)} − 废止 {_n(repealed)} = {expected}")
        found.append(Finding(IN_FORCE, "warning", *cell, message))
    return found


def _values(reports: list[Year], cell) -> dict:
    """The distinct values of `cell` among `reports`, in order (a dict as an ordered set)."""
    return {r.cells[cell]: None for r in reports if r.cells.get(cell) is not None}


def _ids(reports: list[Year], cell) -> str:
    ids = [str(r.id) for r in reports if r.cells.get(cell) is not None]
    return "report id " + ", ".join(ids[:3]) + (" …" if len(ids) > 3 else "")


def _list(values) -> str:
    shown = [_n(v) for v in list(values)[:3]]
    return " or ".join(shown) + (" or …" if len(values) > 3 else "")


def _n(value) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def recompute(db) -> int:
    """Set every report's agency_key and replace the chain findings; returns how many."""
    conn = db.conn
    conn.execute("begin immediate")
    try:
        reports = {r["id"]: r for r in db.query("select id, agency, year, template, adcode, agency_key from reports")}
        keys = _report_keys(reports)
        conn.executemany("update reports set agency_key = ? where id = ?", [(k, i) for i, k in keys.items()])
        years = _years(db, reports, keys)
        by_key: dict[tuple[str, int], list[Year]] = defaultdict(list)
        for y in years:
            by_key[y.agency, y.year].append(y)
        found = [{"report_id": y.id, **asdict(f)} for y in years if (y.agency, y.year - 1) in by_key
                 for f in check_year(by_key[y.agency, y.year - 1], y)]
        conn.execute(f"delete from findings where rule in ({','.join('?' * len(RULES))})", RULES)
        db["findings"].insert_all(found)
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
    return len(found)


def _report_keys(reports: dict) -> dict:
    """Each report's agency key: a placed agency's own (places.py: code, kind, canonical name),
    else the key its printed name gets among the unplaced names."""
    unplaced = agency_keys({compact(r["agency"]) for r in reports.values() if r["agency"] and not r["adcode"]})
    return {i: r["agency_key"] if r["adcode"] else unplaced[compact(r["agency"])] if r["agency"] else None
            for i, r in reports.items()}


def _years(db, reports: dict, keys: dict) -> list[Year]:
    cells: dict[int, dict[tuple[str, str, str], float | int]] = defaultdict(dict)
    chained = year_chain_cells()
    where = " or ".join("(section = ? and row = ? and col = ?)" for _ in chained)
    for c in db.query(f"select report_id, section, row, col, value from cells where value is not null and ({where})",
                      [v for cell in chained for v in cell]):
        cells[c["report_id"]][c["section"], c["row"], c["col"]] = c["value"]
    return [Year(i, keys[i], r["year"], r["template"], cells[i]) for i, r in reports.items() if keys[i] and r["year"]]
