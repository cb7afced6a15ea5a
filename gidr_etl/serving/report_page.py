"""One report's tables laid out as the official template prints them, to check a number against.

`layout(section, template)` says which printed heading sits over which cell (header rows
with merged cells, then body rows); the HTML page (serving/plugin.py) and the XLSX
export (export.py) both draw from it, so the two never disagree on the layout.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TypeVar

import yaml

from gidr_etl.template.vocabulary import vocabulary


@lru_cache(maxsize=1)
def chinese_names() -> dict[str, dict[str, str]]:
    """data/labels_zh.yml: kind (rule, severity, status) → code → Chinese name."""
    return yaml.safe_load(resources.files("gidr_etl").joinpath("data/labels_zh.yml").read_text("utf-8"))


def zh(kind: str, code: str | None) -> str:
    return chinese_names().get(kind, {}).get(code or "", "")


# The printed parts the sections belong to.
PART_ZH = {
    "art20": "二、主动公开政府信息情况",
    "requests": "三、收到和处理政府信息公开申请情况",
    "appeals": "四、政府信息公开行政复议、行政诉讼情况",
}


@dataclass
class Head:
    """A heading cell: its text and how many columns/rows it spans."""

    text: str
    colspan: int = 1
    rowspan: int = 1


@dataclass
class Layout:
    caption: str
    head: list[list[Head]]  # header rows
    body: list[tuple[list[Head], list[tuple[str, str, str]]]]  # (row headings, cell addresses)


T = TypeVar("T")
K = TypeVar("K")


def _runs(items: Iterable[T], key: Callable[[T], K]) -> list[tuple[K, list[T]]]:
    """Consecutive items with the same key, as (key, items)."""
    out: list[tuple[K, list[T]]] = []
    for item in items:
        k = key(item)
        if out and out[-1][0] == k and k is not None:
            out[-1][1].append(item)
        else:
            out.append((k, [item]))
    return out


def layout(section_code: str, template: str) -> Layout:
    """The printed layout of one section of the template."""
    sec = vocabulary().section(section_code)
    rows, cols = sec.rows_for(template), sec.columns_for(template)
    caption = f"{sec.label} · {sec.en}"
    if section_code == "appeals":
        return _one_row_layout(section_code, caption, rows, cols)
    row_groups = any(r.group for r in rows)
    col_groups = any(c.group for c in cols)
    depth = 2 if col_groups else 1
    corner = Head("信息内容" if section_code.startswith("art20") else "", 2 if row_groups else 1, depth)
    top, second = [corner], []
    for group, members in _runs(cols, lambda c: c.group):
        if group is None:
            top += [Head(c.label, 1, depth) for c in members]
        else:
            top.append(Head(group, len(members)))
            second += [Head(c.label) for c in members]
    head = [top] + ([second] if col_groups else [])
    body = []
    for group, members in _runs(rows, lambda r: r.group):
        for i, r in enumerate(members):
            headings = []
            if group is None:
                headings.append(Head(r.label, 2 if row_groups else 1))
            else:
                if i == 0:
                    headings.append(Head(group, 1, len(members)))
                headings.append(Head(r.label))
            body.append((headings, [(section_code, r.code, c.code) for c in cols]))
    return Layout(caption, head, body)


def _one_row_layout(section_code: str, caption: str, rows, cols) -> Layout:
    # 行政复议 | 行政诉讼 (未经复议直接起诉 | 复议后起诉), each over the five outcomes: one printed row.
    top, middle = [], []
    for group, members in _runs(rows, lambda r: r.group):
        if group is None:
            top += [Head(r.label, len(cols), 2) for r in members]
        else:
            top.append(Head(group, len(cols) * len(members)))
            middle += [Head(r.label, len(cols)) for r in members]
    bottom = [Head(c.label) for _ in rows for c in cols]
    return Layout(caption, [top, middle, bottom], [([], [(section_code, r.code, c.code) for r in rows for c in cols])])


def sections_for(template: str) -> list[str]:
    return [s.code for s in vocabulary().sections_for(template)]


def part_of(section_code: str) -> str:
    return PART_ZH["art20" if section_code.startswith("art20") else section_code]


def status_of(cell: dict | None) -> str:
    if cell is None:
        return "missing"
    return "inferred" if cell.get("inferred") else (cell.get("status") or "missing")


def _number(value) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def _head_html(h: Head, tag: str = "th") -> str:
    span = (f' colspan="{h.colspan}"' if h.colspan > 1 else "") + (f' rowspan="{h.rowspan}"' if h.rowspan > 1 else "")
    return f"<{tag}{span}>{html.escape(h.text)}</{tag}>"


def position(page: int | None, line: int | None) -> str:
    """Where a cell was printed, as far as it is known: a PDF knows the page, a text file the line."""
    known = [f"第 {page} 页 page {page}" if page else "", f"第 {line} 行 line {line}" if line else ""]
    return "，".join(k for k in known if k)


def place(report: dict) -> str:
    """The report's place: province / city / county as placed (reading/places.py), the code beside."""
    where = " / ".join(report[k] for k in ("province", "city", "county") if report.get(k))
    return f"{where}（{report['adcode']}）" if where and report.get("adcode") else where


def _cell_html(address, cell: dict | None, flagged: dict) -> str:
    status = status_of(cell)
    status_zh = zh("status", status)
    notes = [f"状态 {status_zh} {status}"]
    if cell:
        if cell.get("raw") is not None:
            notes.append(f"原文 printed: {cell['raw']}")
        if where := position(cell.get("page"), cell.get("line")):
            notes.append(f"位置 {where}")
        if cell.get("note"):
            notes.append(f"附注 {cell['note']}")
    found = flagged.get(address, [])
    notes += [f"⚠ {m}" for m in found]
    classes = f"cell status-{status}" + (" flagged" if found else "")
    return (
        f'<td class="{classes}" data-cell="{".".join(address)}" data-status="{status}"'
        f' title="{html.escape(chr(10).join(notes))}">{html.escape(_number(cell and cell.get("value")))}'
        f"<small>{status_zh}</small></td>"
    )


def flagged_cells(findings: list[dict], layouts: list[Layout]) -> dict[tuple, list[str]]:
    """Cell address → the messages of the findings that name it (a row finding names its row)."""
    out: dict[tuple, list[str]] = {}
    addresses = [a for lay in layouts for _, cells in lay.body for a in cells]
    for f in findings:
        if not f.get("section") or not f.get("row"):
            continue
        for a in addresses:
            if a[0] == f["section"] and a[1] == f["row"] and (not f.get("col") or a[2] == f["col"]):
                out.setdefault(a, []).append(f"{f['rule']}: {f['message']}")
    return out


def tables_html(template: str, cells: dict[tuple, dict], findings: list[dict]) -> str:
    """The report's tables as HTML in the printed layout; `cells` keyed by (section, row, col)."""
    layouts = [(code, layout(code, template)) for code in sections_for(template)]
    flagged = flagged_cells(findings, [lay for _, lay in layouts])
    out, part = [], None
    for code, lay in layouts:
        if part_of(code) != part:
            part = part_of(code)
            out.append(f"<h2>{html.escape(part)}</h2>")
        out.append(
            f'<table class="official" data-section="{code}"><caption>{html.escape(lay.caption)}</caption><thead>'
        )
        out += ["<tr>" + "".join(_head_html(h) for h in row) + "</tr>" for row in lay.head if row]
        out.append("</thead><tbody>")
        for headings, addresses in lay.body:
            out.append(
                "<tr>"
                + "".join(_head_html(h) for h in headings)
                + "".join(_cell_html(a, cells.get(a), flagged) for a in addresses)
                + "</tr>"
            )
        out.append("</tbody></table>")
    return "\n".join(out)
