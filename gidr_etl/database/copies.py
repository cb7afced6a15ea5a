"""One report counts once: copies of a report, and files that are no report at all.

The same report often reaches a collection more than once (a PDF and its web page, a
PDF and a text conversion of it). Reports of one agency (by agency_key, see chains.py)
and one year whose cells agree where both have them are copies: the one with most
cells read and fewest error findings counts (`reports.duplicate_of` NULL), the others
name it. Copies that disagree on some cells are still copies, and each disagreeing
cell is a `copies_disagree` finding on both, so a reader sees which number to doubt.
A report whose agency could not be placed (a name misread by OCR has a key of its own) is
also a copy of one of the same year whose name is one misread from its own, when their
cells agree (see NAME_MIN_FIGURES): an unplaced scan of a report counts once too.

A blank template (no agency, no year, every cell blank) is not a report: its file has
status `template`, and its row in `reports` (kept, so that what was read of it can still
be checked) has is_template = 1, which every count, view and dashboard leaves out.
"""

from __future__ import annotations

from collections import defaultdict

from gidr_etl.database import pause
from gidr_etl.database.chunks import chunks, drop_findings, marks, select_in
from gidr_etl.reading.metadata import edits
from gidr_etl.report import Report, bilingual
from gidr_etl.text.normalize import compact
from gidr_etl.validation.year_chains import place_tails

TEMPLATE = "template"  # files.status of a blank template
RULE = "copies_disagree"
# The one-year reads of the copies by a misread name (_misread_neighbours) go through it: without
# it each reads every year's reports, and a batch's cost grows with its agencies' history.
DDL = ("create index if not exists reports_year_place on reports(year, adcode)",)
# Two reports of one agency and year are one report printed twice when at least this
# share of the cells both read agree: a second, different report of the same agency
# and year (a department's own, say) disagrees almost everywhere.
MIN_AGREEMENT = 0.8
# A report whose agency could not be placed (its name misread by OCR, 洪泽匹 for 洪泽区) has a
# key of its own. It is still a copy of a report of the same year whose agency's name is the
# same or one misread apart (one character changed, lost or added, in a name of MISREAD_CHARS
# or more: two would make 淮安市洪泽区… and 淮安市淮阴区… one) when every cell both read
# agrees and at least NAME_MIN_FIGURES of those are not 0: two agencies' tables of zeros
# agree by nothing.
MISREAD_CHARS = 4
NAME_MIN_FIGURES = 5


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
    """Within one year, among reports of one agency or of names one misread apart:
    copy id → (counted id, its disagreements with the counted copy)."""
    heads: list[dict] = []
    out = {}
    for r in sorted(reports, key=_rank):
        for head in heads:
            a, b = cells[head["id"]], cells[r["id"]]
            shared, differ = _disagreements(a, b)
            if head["key"] == r["key"]:
                same = not shared or (shared - len(differ)) / shared >= MIN_AGREEMENT
            else:
                figures = sum(1 for k in a.keys() & b.keys() if a[k] != 0)
                same = not differ and figures >= NAME_MIN_FIGURES and misread_apart(head["agency"], r["agency"])
            if same:
                out[r["id"]] = (head["id"], differ)
                break
        else:
            heads.append(r)
    return out


def misread_apart(a: str | None, b: str | None) -> bool:
    """Whether two agencies' names, or shorter printings of them (淮安市洪泽区… → 洪泽区…), are
    the same or one misread apart."""
    return bool(a and b) and _apart(_printings(a or ""), _printings(b or ""))


def _printings(name: str) -> list[str]:
    return [compact(name), *place_tails(compact(name))]


def _apart(names_a: list[str], names_b: list[str]) -> bool:
    for x in names_a:
        for y in names_b:
            allowed = int(min(len(x), len(y)) >= MISREAD_CHARS)
            if abs(len(x) - len(y)) <= allowed and edits(x, y) <= allowed:
                return True
    return False


_COLUMNS = "id, agency_key, year, cells_read, errors, format, source_sha256, agency, adcode, duplicate_of"


def recompute(conn) -> int:
    """Set every report's duplicate_of and replace the copies_disagree findings, within the
    caller's write transaction (what it reads is what it writes over); returns copies."""
    for ddl in DDL:
        conn.execute(ddl)
    rows = conn.execute(f"select {_COLUMNS} from reports where agency_key is not null and year is not null")
    pause.at("copies")
    duplicate_of, found = _compare(conn, _components(list(rows)))
    conn.execute("update reports set duplicate_of = null where duplicate_of is not null")
    conn.execute("delete from findings where rule = ?", [RULE])
    _write(conn, duplicate_of, found)
    return len(duplicate_of)


def update(conn, groups: set[tuple[str, int]]) -> set[int]:
    """Redo the copies among the reports of these agency-years (agency_key, year), and of
    those joined to them by a misread name, within the caller's transaction; returns the
    ids of their reports."""
    # Candidates by agency key and year (the index reports_agency_key), or by a name that may
    # be one misread from one of theirs: never by what they read.
    for ddl in DDL:
        conn.execute(ddl)
    rows: dict[tuple[str, int], list[tuple]] = {}
    unplaced: dict[int, list[tuple]] = {}  # by year, read once: (agency_key, agency) not placed
    todo = set(groups)
    while todo:
        for key, year in sorted(todo):
            rows[key, year] = conn.execute(
                f"select {_COLUMNS} from reports where agency_key = ? and year = ?", [key, year]
            ).fetchall()
        todo = {
            g for key, year in sorted(todo) for g in _misread_neighbours(conn, key, year, rows[key, year], unplaced)
        } - set(rows)
        if not todo:
            # a copy (by name) whose counted report went, or is redone: its own group is redone too
            ids = [r[0] for members in rows.values() for r in members]
            stale = select_in(conn, _COPIES_OF.format(_IN), ids) + conn.execute(_COPIES_OF.format(_GONE)).fetchall()
            todo = {(key, year) for key, year in stale} - set(rows)
    components = _components([r for members in rows.values() for r in members])
    ids = sorted(r[0] for c in components for r in c)
    duplicate_of, found = _compare(conn, components)
    for chunk in chunks(ids):
        conn.execute(
            f"update reports set duplicate_of = null where duplicate_of is not null and id in ({marks(chunk)})", chunk
        )
    drop_findings(conn, [RULE], ids)
    _write(conn, duplicate_of, found)
    return set(ids)


_COPIES_OF = (
    "select agency_key, year from reports r where duplicate_of is not null"
    " and agency_key is not null and year is not null and {}"
)
_IN = "duplicate_of in ({})"
_GONE = "not exists (select 1 from reports c where c.id = r.duplicate_of)"


def _misread_neighbours(
    conn, key: str, year: int, members: list[tuple], unplaced: dict[int, list[tuple]]
) -> set[tuple[str, int]]:
    """The groups (agency_key, year) of the year a name of these reports may be one misread
    from, where one of the two is not placed: for a group with a report not placed, any
    whose name holds one of the first two characters of one of its printings (a misread
    changes one); for a placed one, the groups not placed."""
    printings = sorted({n for r in members if r[7] for n in _printings(r[7])})
    if not printings:
        return set()
    if any(r[8] is None for r in members):
        chars = sorted({c for name in printings for c in list(dict.fromkeys(name))[:2]})
        found = conn.execute(
            "select agency_key, agency from reports where year = ? and agency_key is not null and agency_key != ?"
            f" and ({' or '.join('instr(agency, ?) > 0' for _ in chars)})",
            [year, key, *chars],
        )
    else:
        if year not in unplaced:
            unplaced[year] = conn.execute(
                "select agency_key, agency from reports where year = ? and agency_key is not null and adcode is null",
                [year],
            ).fetchall()
        found = [(k, agency) for k, agency in unplaced[year] if k != key]
    return {(k, year) for k, agency in found if agency and _apart(printings, _printings(agency))}


def _components(rows: list[tuple]) -> list[list[tuple]]:
    """Rows (the columns of _COLUMNS) in the groups whose copies are looked for together:
    one agency key and year, joined with another's of the year where a name not placed is
    the same as or one misread from one of its names."""
    by_key: defaultdict[tuple[str, int], list[tuple]] = defaultdict(list)
    for r in rows:
        by_key[r[1], r[2]].append(r)
    names = {g: sorted({n for r in members if r[7] for n in _printings(r[7])}) for g, members in by_key.items()}
    unplaced = {g for g, members in by_key.items() if any(r[8] is None for r in members)}
    everyone, not_placed = _NameIndex(names), _NameIndex({g: names[g] for g in unplaced})
    seen: set[tuple[str, int]] = set()
    components = []
    for first in sorted(by_key):
        if first in seen:
            continue
        seen.add(first)
        todo, members = [first], []
        while todo:
            g = todo.pop()
            members += by_key[g]
            for other in sorted((everyone if g in unplaced else not_placed).near(names[g])):
                if other not in seen and other[1] == g[1] and _apart(names[g], names[other]):
                    seen.add(other)
                    todo.append(other)
        components.append(members)
    return components


class _NameIndex:
    """The groups by the names they print, and by those names with one character left out:
    two names one misread apart (a character changed, lost or added) share one of these, so
    the groups a name may be one misread from are found without comparing it with every
    agency of the year."""

    def __init__(self, names: dict[tuple[str, int], list[str]]):
        self.groups: defaultdict[str, set] = defaultdict(set)
        for g, printings in names.items():
            for name in printings:
                for variant in _variants(name):
                    self.groups[variant].add(g)

    def near(self, printings: list[str]) -> set[tuple[str, int]]:
        """A superset of the groups one of whose names is one of these or one misread from one."""
        return {g for name in printings for variant in _variants(name) for g in self.groups.get(variant, ())}


def _variants(name: str) -> set[str]:
    if len(name) < MISREAD_CHARS:
        return {name}
    return {name} | {name[:i] + name[i + 1 :] for i in range(len(name))}


def _compare(conn, components: list[list[tuple]]) -> tuple[dict[int, int], list[tuple]]:
    """Over the `components` (see _components): each copy's counted report, and the
    copies_disagree findings (rows for the findings table)."""
    groups = [
        [
            {"id": i, "key": key, "cells_read": n, "errors": e, "format": fmt, "sha256": sha, "agency": agency}
            for i, key, _, n, e, fmt, sha, agency, *_ in component
        ]
        for component in components
        if len(component) > 1
    ]
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
