"""Variants of the gold reports, each with the values its own text says (issue #12).

A variant is a file (TXT, HTML or DOCX bytes) written from a gold report, and the cells
that file states: `expected[key]` is the set of numbers a reader may put in the cell
(NULL is always allowed: it comes with a finding), and `definite` the cells whose
value the text fixes, which recall counts. A cell holding a number outside its set is
a WRONG NUMBER, the one outcome the project never allows.

Two families, each a named class so that recall is measured per class:

* structured variants: the gold's three tables laid out as the official template
  prints them (testing/layout.py), mutated as a grid of printed cells, then written in
  every layout the TXT reader knows, as HTML or as DOCX. Because the generator knows
  which printed cell holds which template cell, a mutation's effect is known: a row
  printed with one value more or less makes every cell of that row "NULL or the
  original"; a label block printed apart from its values makes the block's cells so;
  a moved, swapped or duplicated row keeps its label and so its values.
* real texts: the project's real source texts (crawler dumps, pdftotext conversions)
  edited line by line; the rows near an edit (by the provenance of the unedited
  reading, which equals the gold) become "NULL or the original", the rest keep the gold.

The module is in the package, beside layout.py and render.py which it reuses, so that the
tests, bench/fuzz.py and a plugin's own tests draw the same variants.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import Path

from gidr_etl.template.vocabulary import vocabulary
from gidr_etl.testing import layout
from gidr_etl.testing.layout import CLOSING, PARTS, PrintedCell, metadata_lines, title
from gidr_etl.testing.render import build_docx, render_html
from gidr_etl.text.normalize import to_traditional

Key = tuple[str, str, str]

# A sentinel value marks which printed cell holds which template cell (see _grid).
_SENTINEL = 70_000_000
NEUTRAL_PROSE = "本机关坚持以公开为常态、不公开为例外，认真贯彻落实《中华人民共和国政府信息公开条例》。"


# ------------------------------------------------------------------ the gold as a grid


@dataclass
class Item:
    """A printed cell of a table: a label or header (`key` None) or the value of `key`."""

    text: str
    key: Key | None = None
    rowspan: int = 1
    colspan: int = 1
    header: bool = False
    junk: bool = False  # a line a converter left inside the table (page number, footer, URL)


Row = list[Item]


def _grid(g: dict) -> dict[str, list[Row]]:
    """The gold's tables as layout.py prints them, each value cell tagged with its key."""
    keys = [tuple(c[:3]) for c in g["cells"]]
    tagged = dict(g, cells=[[*k, _SENTINEL + i] for i, k in enumerate(keys)])
    out: dict[str, list[Row]] = {}
    for table, rows_of in layout.TABLES.items():
        out[table] = []
        for row in rows_of(tagged):
            items = []
            for cell in row:
                digits = re.sub(r"\D", "", cell.text)
                key = keys[int(digits) - _SENTINEL] if not cell.header and digits and int(digits) >= _SENTINEL else None
                items.append(Item("" if key else cell.text, key, cell.rowspan, cell.colspan, cell.header))
            out[table].append(items)
    return out


def value_rows(rows: list[Row]) -> list[int]:
    return [i for i, row in enumerate(rows) if any(it.key for it in row)]


def _own_label(row: Row) -> int | None:
    """Index of the row's own label: the last header before its first value."""
    first_value = next((i for i, it in enumerate(row) if it.key), len(row))
    return next((i for i in range(first_value - 1, -1, -1) if row[i].header), None)


def _group(row: Row) -> tuple:
    """Rows that may trade places keep their labels' meaning: same section and template group."""
    key = next(it.key for it in row if it.key)
    term = next((r for r in vocabulary().section(key[0]).rows if r.code == key[1]), None)
    return key[0], term.group if term else None


# ------------------------------------------------------------------ values


def random_values(g: dict, rng: random.Random) -> dict[Key, object]:
    """Other figures for the gold's cells that keep every sum of the template true, so a
    reader that uses the arithmetic meets a consistent table; large ones for separators."""
    gold = _gold_values(g)
    template = g["metadata"]["template"]
    out = {}

    def n(big=False):
        r = rng.random()
        return (
            0
            if r < 0.45
            else rng.randint(1, 9)
            if r < 0.7
            else rng.randint(10, 999)
            if r < 0.93 or not big
            else rng.randint(1000, 99999)
        )

    vocab = vocabulary()
    req = vocab.section("requests")
    rows = [r.code for r in req.rows_for(template)]
    cols = [c.code for c in req.columns_for(template)]
    parts = [c for c in cols if c != "total"]
    outcomes = rows[rows.index("granted") : rows.index("total")]
    for row in outcomes + ["carried_forward"]:
        for c in parts:
            out[("requests", row, c)] = n(big=row == "granted")
    for c in parts:
        total = sum(out[("requests", r, c)] for r in outcomes)
        out[("requests", "total", c)] = total
        co = rng.randint(0, total + out[("requests", "carried_forward", c)])
        out[("requests", "carried_over", c)] = co
        out[("requests", "new", c)] = total + out[("requests", "carried_forward", c)] - co
    for row in rows:
        out[("requests", row, "total")] = sum(out[("requests", row, c)] for c in parts)
    app = vocab.section("appeals")
    acols = [c.code for c in app.columns_for(template)]
    for r in app.rows_for(template):
        for c in acols[:-1]:
            out[("appeals", r.code, c)] = n()
        out[("appeals", r.code, acols[-1])] = sum(out[("appeals", r.code, c)] for c in acols[:-1])
    for key, v in gold.items():
        if key[0] in ("requests", "appeals"):
            continue
        if isinstance(v, float) or key[2] == "amount":
            out[key] = round(rng.uniform(0, 9999), 2)
        elif key[2] == "change":
            out[key] = rng.randint(-40, 40)
        else:
            out[key] = n(big=True)
    # Cells the gold prints blank stay blank; cells the gold does not hold are not printed.
    return {k: (None if gold[k] is None else out.get(k, gold[k])) for k in gold}


def _as_printed(text: str) -> str:
    return text


def fullwidth(text: str) -> str:
    return text.translate({ord(d): 0xFF10 + i for i, d in enumerate("0123456789")})


def _with_thousands(text: str) -> str:
    return re.sub(r"\d{4,}", lambda m: f"{int(m.group()):,}", text)


def _with_spaces(text: str) -> str:
    return re.sub(r"\d{4,}", lambda m: f"{int(m.group()):,}".replace(",", " "), text)


# Per-value spellings: each keeps the number the cell states.
SPELLINGS = {"thousands": _with_thousands, "spaces_in_numbers": _with_spaces, "fullwidth_digits": fullwidth}


# ------------------------------------------------------------------ layouts (grid → text)


def _texts(row: Row, value_text) -> list[str]:
    return [value_text(it) if it.key else it.text for it in row]


def _pipe_rows(rows, vt):  # 002: "label | 0 | 0 | 0 |"
    return [row[0].text if row[0].junk else " | ".join(_texts(row, vt)) + " |" for row in rows]


def _pipe_cells(rows, vt):  # 000/001: a cell per line ending in " |", rows apart by "||"
    out: list[str] = []
    for row in rows:
        out += [row[0].text] if row[0].junk else [f"{t} |" for t in _texts(row, vt)] + ["||"]
    return out


def _tabs(rows, vt):  # 004
    return [row[0].text if row[0].junk else "\t".join(_texts(row, vt)) for row in rows]


def _cell_paragraphs(rows, vt):  # 003: a cell per paragraph
    out = []
    for row in rows:
        for t in [row[0].text] if row[0].junk else _texts(row, vt):
            out += [t or "/", ""]
    return out


def _gap_line(texts: list[str], rng) -> str:
    if not texts:
        return ""
    label, *rest = texts
    return label.ljust(24) + "".join(" " * rng.randint(2, 6) + t for t in rest)


def _gaps(rows, vt, rng):  # pdftotext -layout
    return ["   " + row[0].text if row[0].junk else _gap_line([t for t in _texts(row, vt) if t], rng) for row in rows]


def _markdown(rows, vt):  # a converter's pipe table: the full grid, spans blank
    out = []
    width = max(sum(it.colspan for it in row) for row in rows)
    for i, row in enumerate(rows):
        if row[0].junk:
            out.append(row[0].text)
            continue
        cells = []
        for it in row:
            cells += [vt(it) if it.key else it.text] + [""] * (it.colspan - 1)
        cells += [""] * (width - len(cells))
        out.append("| " + " | ".join(cells) + " |")
        if i == 0:
            out.append("|" + "---|" * width)
    return out


def _run_on(rows, vt):  # a crawler dump: cells run together, values with no separator
    return ["".join(" " + it.text + " " if it.junk else (vt(it) if it.key else it.text) for row in rows for it in row)]


# Each takes (rows, value_text), and "gaps" an rng too.
LINE_LAYOUTS: dict[str, Callable[..., list[str]]] = {
    "pipe_rows": _pipe_rows,
    "pipe_cells": _pipe_cells,
    "tabs": _tabs,
    "cell_paragraphs": _cell_paragraphs,
    "gaps": _gaps,
    "markdown": _markdown,
    "run_on": _run_on,
}
# Layouts where a line is not a row: a stray line there can join a row's values.
STREAM_LAYOUTS = {"pipe_cells", "cell_paragraphs", "run_on"}
# Layouts where each value is delimited as a cell, so "12 459" is one value.
CELL_LAYOUTS = {"pipe_rows", "pipe_cells", "tabs", "markdown", "html", "docx"}
LAYOUTS = [*LINE_LAYOUTS, "html", "docx"]


# ------------------------------------------------------------------ a variant


@dataclass
class Variant:
    name: str
    klass: str  # what the variant varies; recall is reported per class
    source: str  # the gold file it comes from
    suffix: str  # ".txt", ".html", ".docx"
    data: bytes
    expected: dict[Key, frozenset]  # numbers the text allows in each cell (NULL always allowed)
    definite: set[Key]  # cells whose number the text fixes
    text: str | None = None  # the decoded text (None for DOCX)
    codec: str = "utf-8"
    notes: list[str] = field(default_factory=list)
    # For shrinking: the parts the variant can lose, and the variant printing only some
    # of them, its expectations recomputed.
    units: list = field(default_factory=list)
    rebuild: Callable[[set], Variant] | None = None
    baseline: str | None = None  # a real text before its edit


class _Draft:
    """A structured variant in the making: grid, values, expectations."""

    def __init__(self, g: dict, values: dict[Key, object]):
        # The blank template's gold names no agency or year: a variant of it is a filled-in report.
        md = g["metadata"]
        self.g = dict(g, metadata=dict(md, agency=md.get("agency") or "示例县人民政府", year=md.get("year") or 2021))
        self.values = values
        self.tables = _grid(self.g)
        self.expected = {k: frozenset([v]) if v is not None else frozenset() for k, v in values.items()}
        self.definite = {k for k, v in values.items() if v is not None}
        self.spell = _as_printed
        self.notes: list[str] = []
        self.block: list[Row] = []  # rows printed as labels-then-values
        self.block_order: list[Row] = []

    def loosen(self, keys) -> None:
        """The text no longer fixes these cells: NULL or the original."""
        self.definite.difference_update(keys)

    def row_keys(self, row: Row) -> list[Key]:
        return [it.key for it in row if it.key]

    def value_text(self, it: Item) -> str:
        if it.key is None:  # a label: printed as it is
            return it.text
        v = self.values.get(it.key)
        return self.spell(layout.printed(v, it.key[0], it.key[2]))


def _blocks(d: _Draft, table_lines) -> list[tuple[str, str | list]]:
    """The outline of layout.outline(): title, heading and paragraph hold a str, meta and table a list."""
    g = d.g
    blocks: list[tuple[str, str | list]] = [
        ("title", title(g)),
        ("meta", metadata_lines(g)),
        ("heading", "一、总体情况"),
        ("paragraph", NEUTRAL_PROSE),
    ]
    for table, heading in PARTS.items():
        lines = table_lines(table) if d.tables[table] else []  # a shrunk variant may print none
        blocks += [("heading", heading)] + ([("table", lines)] if lines else [])
    for heading, text in CLOSING:
        blocks += [("heading", heading), ("paragraph", text)]
    return blocks


def _write_text(d: _Draft, layout_name: str, rng: random.Random) -> str:
    fn = LINE_LAYOUTS[layout_name]

    def table_lines(table):
        rows = d.tables[table]
        if any(any(r is b for b in d.block) for r in rows):
            return _labels_then_values(d, rows, rng)
        return fn(rows, d.value_text, rng) if layout_name == "gaps" else fn(rows, d.value_text)

    lines = []
    for kind, content in _blocks(d, table_lines):
        if isinstance(content, str):
            lines.append(content)
        elif kind == "meta":
            lines += [f"{k}：{v}" for k, v in content]
        else:
            lines += content
    if layout_name == "run_on":  # a crawler's dump: the body on one line, as the page's text ran
        head = 1 + len(metadata_lines(d.g))
        lines = lines[:head] + [" ".join(lines[head:])]
    sep = "\n\n" if layout_name == "cell_paragraphs" else "\n"
    return sep.join(lines) + "\n"


def _labels_then_values(d: _Draft, rows: list[Row], rng) -> list[str]:
    """A block of labels, then a block of value rows (degraded conversions), in gap layout;
    the value rows in `d.block_order`, which need not be the labels' order."""
    inside = [i for i, r in enumerate(rows) if any(r is b for b in d.block)]
    start, end = inside[0], inside[-1] + 1
    before = _gaps(rows[:start], d.value_text, rng)
    labels = ["  ".join(it.text for it in row if not it.key and it.text) for row in rows[start:end]]
    values = ["   ".join(d.value_text(it) for it in row if it.key) for row in d.block_order]
    return before + labels + ["    " + v for v in values if v] + _gaps(rows[end:], d.value_text, rng)


# ------------------------------------------------------------------ mutations of the grid


def _pick_table(d: _Draft, rng) -> tuple[str, list[Row]]:
    table = rng.choice(["requests", "requests", "active", "appeals"])
    return table, d.tables[table]


def _covering(rows: list[Row], i: int):
    """Anchors of earlier rows whose rowspan reaches row i."""
    return [it for j in range(i) for it in rows[j] if it.rowspan > i - j]


def _cut_tail(row: Row) -> Row:
    """A row's own label and values (its group anchors stay where they are)."""
    own = _own_label(row)
    return row[own if own is not None else 0 :]


def m_delete_row(d, rng, lay):
    table, rows = _pick_table(d, rng)
    i = rng.choice(value_rows(rows))
    drop_row(d, rows, i)
    d.notes.append(f"deleted row {i} of {table}")


def drop_row(d, rows: list[Row], i: int) -> None:
    """Row i unprinted: its cells become NULL-or-original; group labels anchored on it stay."""
    row = rows[i]
    d.loosen(d.row_keys(row))
    d.block = [b for b in d.block if b is not row]
    d.block_order = [b for b in d.block_order if b is not row]
    own = _own_label(row)
    anchors = row[:own] if own else []
    for it in _covering(rows, i):
        it.rowspan -= 1
    if anchors:  # the group labels anchored on this row are still printed
        rows[i] = anchors
        for it in anchors:
            it.rowspan = max(1, it.rowspan - 1)
    else:
        del rows[i]


def m_duplicate_row(d, rng, lay):
    table, rows = _pick_table(d, rng)
    i = rng.choice(value_rows(rows))
    copy = [Item(it.text, it.key, 1, it.colspan, it.header) for it in _cut_tail(rows[i])]
    for it in _covering(rows, i + 1) + [it for it in rows[i] if it.rowspan > 1]:
        it.rowspan += 1
    rows.insert(i + 1, copy)
    d.notes.append(f"duplicated row {i} of {table}")


def _swappable(rows, rng):
    vr = value_rows(rows)
    pairs = [
        (a, b)
        for a in vr
        for b in vr
        if a < b and _group(rows[a]) == _group(rows[b]) and len(_cut_tail(rows[a])) == len(_cut_tail(rows[b]))
    ]
    return rng.choice(pairs) if pairs else None


def m_swap_rows(d, rng, lay):
    table, rows = _pick_table(d, rng)
    pair = _swappable(rows, rng)
    if pair is None:
        return False
    a, b = pair
    ta, tb = _cut_tail(rows[a]), _cut_tail(rows[b])
    rows[a] = rows[a][: len(rows[a]) - len(ta)] + tb
    rows[b] = rows[b][: len(rows[b]) - len(tb)] + ta
    d.notes.append(f"swapped rows {a} and {b} of {table}")


def m_move_row(d, rng, lay):
    """A row without group anchors moved elsewhere among rows of its group."""
    table, rows = _pick_table(d, rng)
    pair = _swappable(rows, rng)
    if pair is None:
        return False
    a, b = pair
    if _own_label(rows[a]) or _own_label(rows[b]):  # anchors on one of them: swap instead
        return m_swap_rows(d, rng, lay)
    rows.insert(b, rows.pop(a))
    d.notes.append(f"moved row {a} of {table} to {b}")


def _misaligned_row(d, rng):
    """A value row about to get one value more or less: every cell of it depends on the alignment."""
    table, rows = _pick_table(d, rng)
    row = rows[rng.choice(value_rows(rows))]
    d.loosen(d.row_keys(row))
    return table, row, [j for j, it in enumerate(row) if it.key]


def m_delete_value(d, rng, lay):
    table, row, vals = _misaligned_row(d, rng)
    before = _grid_columns(row)
    keys = d.row_keys(row)
    del row[rng.choice(vals)]
    if lay == "run_on":
        # A dump prints the values left run together ("规章" "0" "65" → "规章065"): where their
        # digits are as many as the row's cells, the text says one digit a cell, as a crawler's
        # dump that prints its zeros does (Pingtan 2021), and nothing tells the deletion apart.
        printed = "".join(d.value_text(it) for it in row if it.key)
        if len(printed) == len(keys) and printed.isdigit():
            for key, digit in zip(keys, printed):
                d.expected[key] = d.expected[key] | {int(digit)}
    elif lay == "markdown":
        # A converter's pipe table prints the grid full, the row padded to the table's width:
        # each value now stands under the column of the one before it, and the text says so (no
        # other sign of the gap). A Word table's row ends early instead (render._end_short_rows).
        after = {col: key for key, col in _grid_columns(row).items()}
        for key, col in before.items():
            if (moved := after.get(col)) is not None and moved != key and d.values.get(moved) is not None:
                d.expected[key] = d.expected[key] | {d.values[moved]}
    d.notes.append(f"deleted a value in {table}")


def _grid_columns(row: Row) -> dict[Key, int]:
    """The grid column each value of a printed row starts in."""
    out, col = {}, 0
    for it in row:
        if it.key:
            out[it.key] = col
        col += it.colspan
    return out


def m_insert_value(d, rng, lay):
    table, row, vals = _misaligned_row(d, rng)
    extra = rng.choice([0, 1, 3, 12, 98, 250])
    item = Item(str(extra))
    row.insert(rng.choice(vals + [vals[-1] + 1]), item)
    if lay == "run_on":
        # A dump prints the extra run together with the row's values ("行政许可" "98" "2293" →
        # "行政许可982293"; "规章" "0" "3" "0" "0" → "规章0300"): the text now says whatever a cut
        # of those digits into the row's cells says, and nothing tells the extra apart.
        keys = d.row_keys(row)
        printed = "".join(d.value_text(it) if it.key else it.text for it in row if it.key or it is item)
        for key, said in zip(keys, _cuts(printed, len(keys))):
            d.expected[key] = d.expected[key] | said
    elif lay == "gaps":
        # A blank cell prints nothing in a gapped line ("行政许可" blank → "行政许可   0" with the
        # extra 0): where the row's printed values are now as many as its cells, the line says
        # one value a cell, in order, and nothing tells the extra apart.
        keys = d.row_keys(row)
        shown = [t for t in (d.value_text(it) if it.key else it.text for it in row if it.key or it is item) if t]
        if len(shown) == len(keys) and all(re.fullmatch(r"\d+(?:\.\d+)?", t) for t in shown):
            for key, text in zip(keys, shown):
                d.expected[key] = d.expected[key] | {_number(text)}
    d.notes.append(f"inserted {extra} in a row of {table}")


# A number a dump's digits may be cut into: no leading zero (as the reader's solver cuts them).
_PIECE = re.compile(r"(?:0|[1-9]\d{0,9})(?:\.\d+)?")


def _cuts(digits: str, n: int) -> list[set]:
    """Per cell, every number some cut of `digits` into n numbers gives it (none: no cut)."""
    if not re.fullmatch(r"[\d.]+", digits):
        return [set() for _ in range(n)]  # signs, units: cut where the reader would, not here
    ok = lru_cache(maxsize=None)(lambda a, b: _PIECE.fullmatch(digits, a, b) is not None)
    size = len(digits)
    heads = [{0}]  # positions n pieces from the start reach
    for _ in range(n):
        heads.append({b for a in heads[-1] for b in range(a + 1, size + 1) if ok(a, b)})
    tails = [{size}]  # positions from which k pieces reach the end
    for _ in range(n):
        tails.append({a for a in range(size) for b in tails[-1] if b > a and ok(a, b)})
    return [{_number(digits[a:b]) for a in heads[j] for b in tails[n - j - 1] if b > a and ok(a, b)} for j in range(n)]


def _number(text: str) -> int | float:
    return float(text) if "." in text else int(text)


def _junk(d, rng, lay, texts):
    table, rows = _pick_table(d, rng)
    vr = value_rows(rows)
    i = rng.choice(vr[1:] or vr)
    rows.insert(i, [Item(rng.choice(texts), junk=True)])
    if lay in STREAM_LAYOUTS:  # the stray line may join the rows on either side
        before = max((j for j in vr if j < i), default=None)
        for j in (before, i + 1):
            if j is not None and j < len(rows):
                d.loosen(d.row_keys(rows[j]))
    d.notes.append(f"junk line before row {i} of {table}")


def m_page_number(d, rng, lay):
    _junk(d, rng, lay, ["12", "0", "3", "27"])


def m_footer(d, rng, lay):
    _junk(d, rng, lay, ["— 3 —", "-7-", "第 3 页", "第 2 页 共 9 页", "- 12 -"])


def m_url(d, rng, lay):
    _junk(
        d,
        rng,
        lay,
        [
            "http://www.gov.cn/zhengce/2022-01/05/content_5666.htm",
            "www.huaian.gov.cn/col/16544/art/2023/art_17.html",
            "https://xxgk.example.gov.cn/2021/12/31/index_3.shtml 2022/1/5 16:07",
        ],
    )


def m_drop_headers(d, rng, lay):
    for table in ("requests", "appeals"):
        rows = d.tables[table]
        first = value_rows(rows)[0]
        keep = rows[first:]
        # An anchor on a header row that spans into the values (三、本年度办理结果) is not a header row.
        d.tables[table] = keep
    d.notes.append("column headers dropped")


def m_wrap_label(d, rng, lay):
    table, rows = _pick_table(d, rng)
    cands = [(i, o) for i in value_rows(rows) if (o := _own_label(rows[i])) is not None and len(rows[i][o].text) >= 6]
    if not cands:
        return False
    i, o = rng.choice(cands)
    text = rows[i][o].text
    cut = rng.randint(2, len(text) - 2)
    head = rows[i][:o] + [Item(text[:cut], header=True)]
    for it in rows[i][:o]:
        it.rowspan += 1
    for it in _covering(rows, i):
        it.rowspan += 1
    rows[i] = [Item(text[cut:], header=True)] + rows[i][o + 1 :]
    rows.insert(i, head)
    d.notes.append(f"wrapped label {text} of {table}")


_TYPO_CHARS = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研须"


def m_typo_label(d, rng, lay):
    table, rows = _pick_table(d, rng)
    i = rng.choice(value_rows(rows))
    o = _own_label(rows[i])
    if o is None or len(rows[i][o].text) < 2:
        return False
    text = rows[i][o].text
    cjk = [j for j, ch in enumerate(text) if "\u4e00" <= ch <= "\u9fff"]
    if not cjk:
        return False
    j = rng.choice(cjk)
    rows[i][o] = Item(
        text[:j] + rng.choice(_TYPO_CHARS) + text[j + 1 :], None, rows[i][o].rowspan, rows[i][o].colspan, True
    )
    d.loosen(d.row_keys(rows[i]))
    d.notes.append(f"typo in {text} of {table}")


MUTATIONS = {
    "delete_row": m_delete_row,
    "duplicate_row": m_duplicate_row,
    "move_row": m_move_row,
    "swap_rows": m_swap_rows,
    "delete_value": m_delete_value,
    "insert_value": m_insert_value,
    "page_number_line": m_page_number,
    "footer_line": m_footer,
    "url_line": m_url,
    "drop_headers": m_drop_headers,
    "wrap_label": m_wrap_label,
    "typo_label": m_typo_label,
}
JUNK_MUTATIONS = {"page_number_line", "footer_line", "url_line"}
# Whole-text transforms: script and encodings (codec, whether the text goes Traditional first).
ENCODINGS = {"gbk": ("gbk", False), "big5": ("big5", True), "utf16": ("utf-16", False), "utf16le": ("utf-16-le", False)}


def _encode(text: str, codec: str) -> bytes:
    if codec == "utf-16-le":  # no BOM: the reader must tell it from the bytes
        return text.encode(codec)
    return text.encode(codec, errors="replace")


# ------------------------------------------------------------------ the generator


@dataclass
class Gold:
    name: str
    g: dict
    text: str | None = None  # the real source text, when the project holds it as text


def golds(root: Path) -> list[Gold]:
    """Every gold file of the repository at `root` (seeds, realdocs, converted), with its
    source text where that is a text file; golds with the same cells appear once for the
    structured family (the converted PDFs' gold equals the PDFs')."""
    out = []
    for folder in ("seeds", "realdocs", "converted"):
        for path in sorted((root / "tests" / "gold" / folder).glob("*.json")):
            g = json.loads(path.read_text("utf-8"))
            src = next(
                (
                    p
                    for p in (
                        root / "sample_inputs" / g["source"],
                        root / "tests" / "fixtures" / "converted" / g["source"],
                    )
                    if p.exists()
                ),
                None,
            )
            text = src.read_text("utf-8") if src and src.suffix == ".txt" else None
            out.append(Gold(f"{folder}/{path.stem}", g, text))
    return out


def _structured_classes() -> list[str]:
    return (
        [f"layout:{name}" for name in LAYOUTS]
        + ["layout:labels_then_values", "layout:labels_then_values_shuffled"]
        + [f"mutation:{m}" for m in MUTATIONS]
        + [f"spelling:{s}" for s in SPELLINGS]
        + ["script:traditional"]
        + [f"encoding:{e}" for e in ENCODINGS]
    )


REALTEXT_EDITS = [
    "delete_line",
    "duplicate_line",
    "swap_lines",
    "page_number_line",
    "footer_line",
    "url_line",
    "fullwidth_digits",
    "traditional",
    "gbk",
    "big5",
    "utf16",
]
CLASSES = _structured_classes() + [f"realtext:{e}" for e in REALTEXT_EDITS]


def structured(gold: Gold, klass: str, rng: random.Random) -> Variant | None:
    g = gold.g
    kind, _, what = klass.partition(":")
    if kind == "layout":
        lay = what if what in LAYOUTS else "gaps"
    elif kind == "mutation":
        # Converters' stray lines are a text matter: HTML and DOCX get the other mutations.
        lay = rng.choice([lay for lay in LAYOUTS if not (what in JUNK_MUTATIONS and lay in ("html", "docx"))])
    elif kind == "spelling":
        lay = rng.choice(
            sorted(
                CELL_LAYOUTS
                if what == "spaces_in_numbers"
                else set(LAYOUTS) - {"run_on"}
                if what == "thousands"
                else set(LAYOUTS)
            )
        )
    else:
        lay = rng.choice([lay for lay in LAYOUTS if lay != "docx"])
    values = random_values(g, rng)
    # The gold's own figures (but for cells it leaves unscored, "?"); more often in dumps,
    # whose run-together digits real tables' sparse small figures keep splittable.
    if rng.random() < (0.6 if lay == "run_on" else 0.3):
        values = {k: values[k] if v == "?" else v for k, v in _gold_values(g).items()}
    d = _Draft(g, values)
    if kind == "spelling":
        d.spell = SPELLINGS[what]
    if kind == "mutation" and MUTATIONS[what](d, rng, lay) is False:
        return None
    if what.startswith("labels_then_values"):
        rows = d.tables["requests"]
        vr = value_rows(rows)
        start = rng.randrange(0, len(vr) - 3)
        d.block = rows[vr[start] : vr[min(len(vr), start + rng.randint(3, 8)) - 1] + 1]
        d.block_order = [r for r in d.block if d.row_keys(r)]
        if what.endswith("shuffled"):
            rng.shuffle(d.block_order)
        d.loosen(k for row in d.block for k in d.row_keys(row))
    if lay in ("gaps", "run_on") or d.block:
        # These layouts print a blank cell as nothing: a row with blanks among values
        # no longer says which cell is blank.
        for rows in d.tables.values():
            for row in rows:
                keys = d.row_keys(row)
                if any(d.values.get(k) is None for k in keys):
                    d.loosen(keys)
    codec, traditional = "utf-8", what == "traditional"
    if kind == "encoding":
        codec, traditional = ENCODINGS[what]
    # Crawler dumps are their own family (digit runs): a mutation of one is measured apart.
    klass = klass + "@dump" if lay == "run_on" and kind != "layout" else klass
    name = (
        f"{klass.replace(':', '-').replace('@', '-')}_{gold.name.split('/')[-1][:12]}_{lay}_{rng.randrange(10**8):08d}"
    )
    return _render(d, lay, klass, gold, name, codec, traditional, rng.randrange(2**30))


def _render(d: _Draft, lay, klass, gold, name, codec, traditional, seed, keep: set | None = None) -> Variant:
    """The variant of draft `d`; with `keep`, only those rows ((table, index) pairs) are
    printed and the rest are dropped as by drop_row, so what the text says stays known
    (the shrinker's way of cutting a structured variant)."""
    if keep is not None:
        d = copy.deepcopy(d)
        for table, rows in d.tables.items():
            for i in range(len(rows) - 1, -1, -1):
                if (table, i) not in keep:
                    if d.row_keys(rows[i]):
                        drop_row(d, rows, i)
                    else:
                        for it in _covering(rows, i):
                            it.rowspan -= 1
                        del rows[i]
    rebuild = partial(_render, d, lay, klass, gold, name, codec, traditional, seed)
    rows_of = [(t, i) for t, rows in d.tables.items() for i in range(len(rows))]
    if lay == "docx":
        v = _docx_variant(d, klass, gold, name, traditional)
    elif lay == "html":
        charset = {"utf-8": "utf-8", "gbk": "gbk", "big5": "big5"}.get(codec, "utf-8")
        codec = charset if codec in ("gbk", "big5") else codec

        text = render_html(None, charset, d.g, blocks=_blocks(d, lambda t: _printed_rows(d, t)))
        if traditional:
            text = to_traditional(text)
        v = Variant(
            name, klass, gold.name, ".html", _encode(text, codec), d.expected, set(d.definite), text, codec, d.notes
        )
    else:
        text = _write_text(d, lay, random.Random(seed))
        if traditional:
            text = to_traditional(text)
        v = Variant(
            name,
            klass,
            gold.name,
            ".txt",
            _encode(text, codec),
            d.expected,
            set(d.definite),
            text,
            codec,
            d.notes + [lay],
        )
    v.units, v.rebuild = rows_of, rebuild
    return v


def _printed_rows(d: _Draft, table: str) -> list[list[PrintedCell]]:
    return [
        [PrintedCell(d.value_text(it) if it.key else it.text, it.rowspan, it.colspan, it.header) for it in row]
        for row in d.tables[table]
        if not row[0].junk
    ]


def _docx_variant(d: _Draft, klass, gold, name, traditional) -> Variant:
    blocks = _blocks(d, lambda t: _printed_rows(d, t))
    if traditional:
        blocks = [(k, to_traditional(c) if isinstance(c, str) else c) for k, c in blocks]
    buf = io.BytesIO()
    build_docx(None, d.g, blocks=blocks).save(buf)
    return Variant(name, klass, gold.name, ".docx", buf.getvalue(), d.expected, d.definite, None, "docx", d.notes)


# ------------------------------------------------------------------ real texts edited line by line


def row_lines(report) -> dict[tuple[str, str], tuple[int, int]]:
    """The lines each row's cells were read from: (section, row) → (first, last)."""
    spans: dict = {}
    for key, cell in report.cells.items():
        if cell.prov and cell.prov.line:
            lo, hi = spans.get(key[:2], (cell.prov.line, cell.prov.line))
            spans[key[:2]] = (min(lo, cell.prov.line), max(hi, cell.prov.line))
    return spans


def _gold_values(g: dict) -> dict[Key, object]:
    return {tuple(c[:3]): c[3] for c in g["cells"]}


def realtext(gold: Gold, edit: str, rng: random.Random, spans: dict) -> Variant | None:
    """The real source text with one edit; rows the edit touches become NULL-or-original."""
    # A gold value "?" is one the gold does not score: the variant does not either.
    gvals = {k: v for k, v in _gold_values(gold.g).items() if v != "?"}
    expected = {k: frozenset([v]) if v is not None else frozenset() for k, v in gvals.items()}
    definite = {k for k, v in gvals.items() if v is not None}
    if gold.text is None:  # no source text to edit
        return None
    original = gold.text.split("\n")
    table_lines = sorted({n for lo, hi in spans.values() for n in (lo, hi)})
    if not table_lines:
        return None
    lo, hi = table_lines[0], table_lines[-1]
    n, fixed, junk, codec, traditional = 0, set(), "", "utf-8", False
    if edit in LINE_EDITS:
        if hi - lo < 2:
            return None
        n = rng.randint(lo, hi)  # 1-based: the edit is on line n, or a line goes in before it
        fixed = {"delete_line": {n - 1}, "duplicate_line": {n - 1}, "swap_lines": {n - 1, n}}.get(edit, set())
        junk = rng.choice(JUNK_LINES.get(edit, [""]))
        touched = {"swap_lines": {n - 1, n, n + 1, n + 2}}.get(edit, {n - 1, n, n + 1} if fixed else {n - 1, n})
        # Rows on or beside the edited lines, and the nearest row either side, depend on it
        # (rows read from one line, as the appeals row of a dump, are all nearest).
        lo_t, hi_t = min(touched), max(touched)
        hit = {r for r, (a, b) in spans.items() if a <= hi_t and b >= lo_t}
        before = max((b for a, b in spans.values() if b < lo_t), default=None)
        after = min((a for a, b in spans.values() if a > hi_t), default=None)
        hit |= {r for r, (a, b) in spans.items() if b == before or a == after}
        definite -= {k for k in definite if k[:2] in hit}
        if edit == "swap_lines" and all(_VALUE_LINE.fullmatch(line) for line in original[n - 1 : n + 1]):
            # Two lines of values traded places: the text prints each number where the other
            # stood, and a row that still adds up says so as well as the original did.
            moved = {_number(x.replace(",", "")) for line in original[n - 1 : n + 1] for x in _NUMBERS.findall(line)}
            expected = {k: a | moved if k[:2] in hit else a for k, a in expected.items()}
    elif edit in ENCODINGS:
        codec, traditional = ENCODINGS[edit]
    name = f"realtext-{edit}_{gold.name.split('/')[-1][:12]}_{rng.randrange(10**8):08d}"

    def build(keep: set | None = None) -> Variant:
        """The edit applied to the original's lines in `keep` (all: None); the lines the
        edit works on are always kept. `baseline` is the unedited text, which a shrinker
        reads to make sure the cut text still says the gold."""
        idx = [i for i in range(len(original)) if keep is None or i in keep or i in fixed]
        lines = [original[i] for i in idx]
        pos = sum(i < n - 1 for i in idx)
        if edit == "delete_line":
            del lines[pos]
        elif edit == "duplicate_line":
            lines.insert(pos + 1, lines[pos])
        elif edit == "swap_lines":
            lines[pos], lines[pos + 1] = lines[pos + 1], lines[pos]
        elif edit in LINE_EDITS:
            lines.insert(pos, junk)
        text = "\n".join(lines)
        text = (
            fullwidth(text)
            if edit == "fullwidth_digits"
            else to_traditional(text)
            if traditional or edit == "traditional"
            else text
        )
        v = Variant(name, f"realtext:{edit}", gold.name, ".txt", _encode(text, codec), expected, definite, text, codec)
        v.units = [i for i in range(len(original)) if i not in fixed]
        v.rebuild = build
        v.baseline = "\n".join(original[i] for i in idx)
        return v

    return build()


# A real text's line of values only (pipe-cell or laid-out), and the numbers on it.
_VALUE_LINE = re.compile(r"[\s|]*[-+]?\d[\d,]*(?:\.\d+)?(?:[\s|]+[-+]?\d[\d,]*(?:\.\d+)?)*[\s|]*")
_NUMBERS = re.compile(r"\d[\d,]*(?:\.\d+)?")
LINE_EDITS = {"delete_line", "duplicate_line", "swap_lines", "page_number_line", "footer_line", "url_line"}
JUNK_LINES = {
    "page_number_line": ["12", "0", "3"],
    "footer_line": ["— 3 —", "-7-", "第 2 页 共 9 页"],
    "url_line": ["http://www.gov.cn/zhengce/2022-01/05/content_5666.htm"],
}


def generate(root: Path, count: int, seed: int, read=None) -> list[Variant]:
    """`count` variants drawn with `seed`, classes in turn; `read(path_text)` gives the
    report of a source text (for the real-text family: the rows' lines)."""
    rng = random.Random(seed)
    all_golds = golds(root)
    seen, struct_golds = set(), []
    for gd in all_golds:
        digest = hashlib.sha256(json.dumps(gd.g["cells"]).encode()).hexdigest()
        if digest not in seen:
            seen.add(digest)
            struct_golds.append(gd)
    text_golds = [gd for gd in all_golds if gd.text]
    spans = {gd.name: row_lines(read(gd)) for gd in text_golds} if read else {}
    out: list[Variant] = []
    attempts = 0
    while len(out) < count and attempts < count * 5:
        klass = CLASSES[attempts % len(CLASSES)]
        attempts += 1
        if klass.startswith("realtext:"):
            if not read:
                continue
            gd = rng.choice(text_golds)
            v = realtext(gd, klass.split(":")[1], rng, spans[gd.name])
        else:
            v = structured(rng.choice(struct_golds), klass, rng)
        if v is not None:
            out.append(v)
    return out


# ------------------------------------------------------------------ the checker


@dataclass
class Verdict:
    wrong: list[tuple[Key, object, list]]  # (cell, number read, numbers the text allows)
    recalled: int  # definite cells read right
    definite: int  # definite cells with a number
    error: str | None = None


def same(a, b) -> bool:
    return a is not None and b is not None and abs(float(a) - float(b)) < 1e-6


def check(expected: dict[Key, frozenset], definite: set[Key], report) -> Verdict:
    wrong, recalled, counted = [], 0, 0
    cells = report.cells if report else {}
    for key, allowed in expected.items():
        got = cells[key].value if key in cells else None
        if got is not None and not any(same(got, a) for a in allowed):
            wrong.append((key, got, sorted(allowed)))
        if key in definite:
            counted += 1
            recalled += any(same(got, a) for a in allowed)
    return Verdict(wrong, recalled, counted)
