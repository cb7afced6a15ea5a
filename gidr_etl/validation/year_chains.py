"""Checks across reports: one agency's consecutive years must chain.

What a report carries forward, the next year's report carries over; what is in
force is what was in force, plus what was issued, less what was repealed. Both
are warnings (either year may be the misprint), recomputed over the whole
database after every ingest, and attached to the later year's report.

Agencies print their names more or less fully from one year to the next
(洪泽区人民政府, 淮安市洪泽区人民政府), so reports are grouped by an agency key: a
name that is the tail of exactly one fuller name in the database, the fuller part
being only higher divisions (省/市/州…), takes that fuller name as its key. Two
fuller names sharing the tail (南京市鼓楼区…, 福州市鼓楼区…) leave it alone. An agency
placed in the administrative divisions (reading/places.py) keeps the key its place
gives it (code, kind, canonical name), whatever the spelling; only unplaced names are
keyed by this rule.

After a batch only the agency-years it touched are redone (`update`), each value set
built once (`Prior`), so a check costs what the batch costs.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from gidr_etl.database.chunks import CHUNK, drop_findings, marks, select_in
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


def tails(name: str) -> list[str]:
    """The shorter names `name` is a fuller printing of: 江苏省淮安市洪泽区人民政府 → 淮安市洪泽区人民政府, 洪泽区人民政府."""
    # every point where a chain of divisions ends: 江苏省|淮安市|洪泽区人民政府
    return [
        name[m.end() :]
        for m in _DIVISION_END.finditer(name)
        if m.end() < len(name) and _DIVISIONS.fullmatch(name[: m.end()])
    ]


def place_tails(name: str) -> list[str]:
    """The shorter printings of `name` that still begin with a place: 淮安市洪泽区人民政府 →
    洪泽区人民政府, but 淮安市人民政府 → none (人民政府 alone would be every city's)."""
    return [t for t in tails(name) if _PLACE.match(t)]


def key_for(name: str, longer: set[str]) -> str:
    """The key of `name`, given the fuller names in the database that have it as a tail."""
    if not _PLACE.match(name):
        return name
    longest = max(longer, key=len, default=None)
    # all the fuller names must be one name printed more or less fully
    return longest if longest and all(longest.endswith(n) for n in longer) else name


def agency_keys(names: set[str]) -> dict[str, str]:
    """Each agency name → the key its reports are grouped by (see the module's note)."""
    fuller: dict[str, set[str]] = defaultdict(set)
    for name in names:
        for tail in tails(name):
            fuller[tail].add(name)
    return {name: key_for(name, fuller.get(name, set())) for name in names}


class Prior:
    """One agency's reports of one year, as the next year's checks read them: each value
    set is built once however many reports of the next year read it."""

    def __init__(self, reports: list[Year]):
        self.reports = reports
        self._values: dict = {}
        self._ids: dict = {}
        self._of_2021: Prior | None = None

    def values(self, cell) -> dict:
        """The distinct values of `cell` among these reports, in order (a dict as an ordered set)."""
        if cell not in self._values:
            self._values[cell] = {r.cells[cell]: None for r in self.reports if r.cells.get(cell) is not None}
        return self._values[cell]

    def ids(self, cell) -> str:
        if cell not in self._ids:
            # which three: the first by content (the reports' order); shown by id, for a reader
            ids = [r.id for r in self.reports if r.cells.get(cell) is not None]
            shown = ", ".join(map(str, sorted(ids[:3])))
            self._ids[cell] = "report id " + shown + (" …" if len(ids) > 3 else "")
        return self._ids[cell]

    def of_2021(self) -> Prior:
        if self._of_2021 is None:
            self._of_2021 = Prior([p for p in self.reports if p.template == "2021"])
        return self._of_2021


def check_year(before: Prior, this: Year) -> list[Finding]:
    """The findings for `this` report against the same agency's reports of the year before.

    A collection may hold one year's report more than once (a PDF and its web page, a
    corrected version): the chain holds if it holds with any of them, and a break is
    one finding naming them all, never one per pair.
    """
    found: list[Finding] = []
    over, forwards = this.cells.get(CARRIED_OVER), before.values(CARRIED_FORWARD)
    if over is not None and forwards and over not in forwards:
        found.append(
            Finding(
                CARRIED,
                "warning",
                *CARRIED_OVER,
                bilingual(
                    f"{this.year} 年上年结转为 {_n(over)}，"
                    f"{this.year - 1} 年报告（{before.ids(CARRIED_FORWARD)}）结转下年度为 {_list(forwards)}",
                    f"上年结转 {this.year} is {_n(over)} but the {this.year - 1} report "
                    f"({before.ids(CARRIED_FORWARD)}) carried forward 结转下年度 {_list(forwards)}",
                ),
            )
        )
    if this.template != "2021":
        return found
    earlier = before.of_2021()
    for row, label in in_force_rows().items():
        issued, repealed, now = (this.cells.get((IN_FORCE_SECTION, row, c)) for c in IN_FORCE_COLUMNS)
        cell = (IN_FORCE_SECTION, row, IN_FORCE_COLUMNS[-1])
        in_force = earlier.values(cell)
        if issued is None or repealed is None or now is None or not in_force or now - issued + repealed in in_force:
            continue
        expected = _list({v + issued - repealed: None for v in in_force})
        message = bilingual(
            f"{label} {this.year} 年现行有效 {_n(now)} 件，而 {this.year - 1} 年 {_list(in_force)}"
            f"（{earlier.ids(cell)}）+ 制发 {_n(issued)} − 废止 {_n(repealed)} = {expected}",
            f"{label} 现行有效 {this.year} is {_n(now)} but {this.year - 1}'s {_list(in_force)} "
            f"({earlier.ids(cell)}) + 制发 {_n(issued)} − 废止 {_n(repealed)} = {expected}",
        )
        found.append(Finding(IN_FORCE, "warning", *cell, message))
    return found


def _list(values) -> str:
    """Values in increasing order, however the reports holding them were loaded."""
    shown = [_n(v) for v in sorted(values)[:3]]
    return " or ".join(shown) + (" or …" if len(values) > 3 else "")


def _n(value) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


# Each agency name's tails (see `tails`), kept so that a batch re-keys only the names
# sharing a tail with its own; and the index the per-agency reads go through.
DDL = (
    """create table if not exists agency_tails (
    tail text not null, name text not null, primary key (tail, name)) without rowid""",
    # a batch replaces its names' rows: without it each name's delete scans the table
    "create index if not exists agency_tails_name on agency_tails(name)",
    "create index if not exists reports_agency_key on reports(agency_key, year)",
)


def recompute(conn) -> int:
    """Set every report's agency_key and replace the chain findings, within the caller's
    write transaction (what it reads is what it writes over); returns how many."""
    for ddl in DDL:
        conn.execute(ddl)
    reports = {
        i: (agency, year, template, placed_key if adcode else None, sha)
        for i, agency, year, template, adcode, placed_key, sha in conn.execute(
            "select id, agency, year, template, adcode, agency_key, source_sha256 from reports"
        )
    }
    names = {compact(r[0]) for r in reports.values() if r[0] and not r[3]}
    keys = agency_keys(names)
    report_key = {i: r[3] or (keys[compact(r[0])] if r[0] else None) for i, r in reports.items()}
    conn.executemany("update reports set agency_key = ? where id = ?", [(k, i) for i, k in report_key.items()])
    conn.execute("delete from agency_tails")
    conn.executemany(
        "insert into agency_tails (tail, name) values (?, ?)",
        [(tail, name) for name in names for tail in tails(name)],
    )
    years = _years(conn, [(i, report_key[i], y, t, sha) for i, (a, y, t, _, sha) in reports.items() if y])
    conn.execute(f"delete from findings where rule in ({marks(RULES)})", RULES)
    return _insert(conn, _check(years, years))


def update(conn, changes: list[tuple]) -> tuple[set[tuple[str, int]], set[int]]:
    """After a batch added, replaced or dropped the reports of `changes` ((id, agency,
    agency_key, year) as each was before it went, or as it was loaded), within the
    caller's transaction: re-key the reports the batch can have re-keyed (names sharing
    a tail with the batch's names) and redo the chain findings of the agency-years it
    touched and the years after them.

    Returns the agency-years (key, year) whose reports changed, and the ids of the
    reports whose chain findings were redone."""
    for ddl in DDL:
        conn.execute(ddl)
    groups = {(k, y) for _, _, k, y in changes if k is not None and y is not None}
    names = {compact(a) for _, a, _, _ in changes if a}
    family = names | {t for n in names for t in tails(n)}
    keys = family | {n for (n,) in select_in(conn, "select name from agency_tails where tail in ({})", family)}
    # Every report of a family name is keyed by the name or a fuller one, or is new (no key yet).
    candidates = {
        row[0]: row
        for sql, values in (
            ("select id, agency, agency_key, year, adcode from reports where agency_key in ({})", keys),
            ("select id, agency, agency_key, year, adcode from reports where id in ({})", [c[0] for c in changes]),
        )
        for row in select_in(conn, sql, values)
    }
    present = {compact(a) for _, a, _, _, adcode in candidates.values() if a and not adcode}
    for name in names:
        conn.execute("delete from agency_tails where name = ?", [name])
        if name in present:
            conn.executemany("insert into agency_tails (tail, name) values (?, ?)", [(t, name) for t in tails(name)])
    fuller = {
        name: {n for (n,) in conn.execute("select name from agency_tails where tail = ?", [name])}
        for name in family & present
    }
    for i, agency, key, year, adcode in candidates.values():
        if adcode:  # placed: its key is its place's, set when it was loaded
            continue
        own = compact(agency) if agency else None
        new = key_for(own, fuller[own]) if own in fuller else key if own else None
        if new != key:
            conn.execute("update reports set agency_key = ? where id = ?", [new, i])
            groups |= {(k, year) for k in (key, new) if k is not None and year is not None}
    redo = groups | {(k, y + 1) for k, y in groups}
    # The years checked and the years before them, by agency key and year (the index
    # reports_agency_key): what a batch reads does not grow with its agencies' other years.
    rows = [
        r
        for key, year in sorted(redo | {(k, y - 1) for k, y in redo})
        for r in conn.execute(
            "select id, agency_key, year, template, source_sha256 from reports where agency_key = ? and year = ?",
            [key, year],
        )
    ]
    years = _years(conn, rows)
    targets = [y for y in years if (y.agency, y.year) in redo]
    ids = {y.id for y in targets}
    drop_findings(conn, RULES, ids)
    _insert(conn, _check(years, targets))
    return groups, ids


def _check(years: list[Year], targets: list[Year]) -> list[tuple[int, Finding]]:
    """The chain findings of `targets`, against the reports of `years` (at least every
    report of each target's agency in the year before it); each agency-year's values gathered once."""
    by_key = defaultdict(list)
    for y in years:
        by_key[y.agency, y.year].append(y)
    prior = {k: Prior(g) for k, g in by_key.items()}
    return [
        (y.id, f)
        for y in targets
        if (y.agency, y.year - 1) in prior
        for f in check_year(prior[y.agency, y.year - 1], y)
    ]


def _insert(conn, found: list[tuple[int, Finding]]) -> int:
    conn.executemany(
        "insert into findings (report_id, rule, severity, section, row, col, message) values (?, ?, ?, ?, ?, ?, ?)",
        [(i, f.rule, f.severity, f.section, f.row, f.col, f.message) for i, f in found],
    )
    return len(found)


def _years(conn, reports: list[tuple]) -> list[Year]:
    """`reports` ((id, agency key, year, template, sha256)) with the cells the checks read,
    in the order of their content (SHA-256), never of their row ids."""
    cells: dict[int, dict[tuple[str, str, str], float | int]] = defaultdict(dict)
    chained = year_chain_cells()
    where = " or ".join("(section = ? and row = ? and col = ?)" for _ in chained)
    params = [v for cell in chained for v in cell]
    sql = f"select report_id, section, row, col, value from cells where value is not null and ({where})"
    if len(reports) > CHUNK:  # most of the database: one pass over the cells
        rows = conn.execute(sql, params)
    else:  # a few agencies: their reports' cells by key
        rows = select_in(conn, sql + " and report_id in ({})", [r[0] for r in reports], params)
    for i, section, row, col, value in rows:
        cells[i][section, row, col] = value
    return [
        Year(i, key, year, template, cells[i])
        for i, key, year, template, _ in sorted(reports, key=lambda r: r[4] or "")
        if key and year
    ]
