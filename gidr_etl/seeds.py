"""The five seed reports, shipped with gidr-etl, and their renderings in the official layout.

The seeds are real reports (sample_inputs/ and tests/gold/seeds/ hold the same files);
here they are package data so that any plugin's tests can use them (gidr_etl.testing).
A rendering is built from a seed's gold (cells, metadata) and a few paragraphs of its
real prose, so what a format plugin reads back can be compared with the gold. The
tables follow the 2021 template (国办公开办函〔2021〕30号) or the 2019 one, with the
group labels in merged cells, as real reports print them. Labels come from the vocabulary.

`outline(seed)` is the report as a list of blocks; a plugin author renders it in their
format. `write_html` and `render_docx` are two such renderings.
"""
from __future__ import annotations

import datetime
import html
import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .vocabulary import vocabulary

_DATA = resources.files("gidr_etl").joinpath("data/seeds")
SEEDS = sorted(p.name[: -len(".json")] for p in _DATA.iterdir() if p.name.endswith(".json"))

CN = "一二三四五六七八九十"
BALANCE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
PARTS = {
    "active": "二、主动公开政府信息情况",
    "requests": "三、收到和处理政府信息公开申请情况",
    "appeals": "四、政府信息公开行政复议、行政诉讼情况",
}
CLOSING = [
    ("五、存在的主要问题及改进情况", "政府信息公开工作仍存在信息更新不够及时、政策解读形式较为单一等问题，下一步将持续改进。"),
    ("六、其他需要报告的事项", "本机关未收取信息处理费。"),
]


@dataclass
class Cell:
    """A printed cell as HTML anchors it: text, spans, and whether it is a label."""

    text: str
    rowspan: int = 1
    colspan: int = 1
    header: bool = False


Rows = list[list[Cell]]


def gold(seed: str) -> dict:
    """The seed's gold: metadata, every template cell as [section, row, col, value], findings."""
    return json.loads(_DATA.joinpath(f"{seed}.json").read_text("utf-8"))


def _values(g: dict) -> dict[tuple[str, str, str], object]:
    return {(s, r, c): v for s, r, c, v in g["cells"]}


def agency(md: dict) -> str | None:
    """The agency of gold metadata (the first, when the gold accepts several spellings)."""
    return _first(md["agency"])


def text(seed: str) -> str:
    """The seed report as the crawler saved it."""
    return _DATA.joinpath(f"{seed}.txt").read_text("utf-8")


def _first(value):
    return next((v for v in value if v), None) if isinstance(value, list) else value


def _fmt(value, section: str, col: str) -> str:
    """A gold value as a report prints it (None: printed blank)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if col == "change" and value > 0:
        return f"+{value}"
    if section == "art20_9" and col == "amount":
        return f"{value}(元)" if value == 0 else f"{value}万元"
    return str(value)


# ------------------------------------------------------------------ the three tables


def active_rows(g: dict) -> Rows:
    """第二十条 sections stacked in one four-column table, as in the template."""
    template, vals, vocab = g["metadata"]["template"], _values(g), vocabulary()
    rows: Rows = []
    for sec in vocab.sections_for(template, "active"):
        cols = sec.columns_for(template)
        last = 3 - len(cols)  # the last column spreads over what the section leaves free
        widths = [1] * (len(cols) - 1) + [1 + last]
        rows.append([Cell(sec.label, colspan=4, header=True)])
        rows.append([Cell("信息内容", header=True)] + [Cell(c.label, colspan=w, header=True) for c, w in zip(cols, widths)])
        for r in sec.rows_for(template):
            rows.append(
                [Cell(r.label, header=True)]
                + [Cell(_fmt(vals.get((sec.code, r.code, c.code)), sec.code, c.code), colspan=w) for c, w in zip(cols, widths)]
            )
    return rows


def _outcome_entries(rows):
    """The rows of 三、本年度办理结果 grouped as printed: (numbered label, [(sub label, row)])."""
    entries: list[tuple[str, list]] = []
    for r in rows:
        group = r.group if r.group not in (None, "本年度办理结果") else None
        if group and entries and entries[-1][0] == group:
            entries[-1][1].append(r)
        else:
            entries.append((group or r.code, [r]))
    out = []
    for i, (key, members) in enumerate(entries):
        n = f"（{CN[i]}）"
        if len(members) == 1 and members[0].group in (None, "本年度办理结果"):
            out.append((n + members[0].label, [(None, members[0])]))
        else:
            out.append((n + key, [(f"{k}.{m.label}", m) for k, m in enumerate(members, 1)]))
    return out


def requests_rows(g: dict) -> Rows:
    template, vals = g["metadata"]["template"], _values(g)
    sec = vocabulary().section("requests")
    cols = sec.columns_for(template)
    rows_ = sec.rows_for(template)
    orgs = [c for c in cols if c.group]

    def values(row) -> list[Cell]:
        return [Cell(_fmt(vals.get(("requests", row.code, c.code)), "requests", c.code)) for c in cols]

    out: Rows = [
        [Cell(BALANCE, rowspan=3, colspan=3, header=True), Cell("申请人情况", colspan=len(cols), header=True)],
        [Cell(cols[0].label, rowspan=2, header=True), Cell(orgs[0].group, colspan=len(orgs), header=True),
         Cell(cols[-1].label, rowspan=2, header=True)],
        [Cell(c.label, header=True) for c in orgs],
    ]
    by_code = {r.code: r for r in rows_}
    out.append([Cell("一、" + by_code["new"].label, colspan=3, header=True)] + values(by_code["new"]))
    out.append([Cell("二、" + by_code["carried_over"].label, colspan=3, header=True)] + values(by_code["carried_over"]))
    outcome = [r for r in rows_ if r.code not in ("new", "carried_over", "carried_forward")]
    entries = _outcome_entries(outcome)
    first = True
    for label, members in entries:
        for k, (sub, row) in enumerate(members):
            line: list[Cell] = []
            if first:
                line.append(Cell("三、本年度办理结果", rowspan=len(outcome), header=True))
                first = False
            if sub is None:
                line.append(Cell(label, colspan=2, header=True))
            else:
                if k == 0:
                    line.append(Cell(label, rowspan=len(members), header=True))
                line.append(Cell(sub, header=True))
            out.append(line + values(row))
    out.append([Cell("四、" + by_code["carried_forward"].label, colspan=3, header=True)] + values(by_code["carried_forward"]))
    return out


def appeals_rows(g: dict) -> Rows:
    template, vals = g["metadata"]["template"], _values(g)
    sec = vocabulary().section("appeals")
    cols, (review, *suits) = sec.columns_for(template), sec.rows_for(template)
    n = len(cols)
    return [
        [Cell(review.label, colspan=n, header=True), Cell(suits[0].group, colspan=n * len(suits), header=True)],
        [Cell(c.label, rowspan=2, header=True) for c in cols] + [Cell(s.label, colspan=n, header=True) for s in suits],
        [Cell(c.label, header=True) for s in suits for c in cols],
        [Cell(_fmt(vals.get(("appeals", r.code, c.code)), "appeals", c.code)) for r in [review, *suits] for c in cols],
    ]


TABLES = {"active": active_rows, "requests": requests_rows, "appeals": appeals_rows}


# ------------------------------------------------------------------ the document


def title(g: dict) -> str:
    md = g["metadata"]
    return f"{_first(md['agency'])}{md['year']}年政府信息公开工作年度报告"


def prose(seed: str, limit: int = 6) -> list[str]:
    """The seed's own part 一 (heading first): its lines from 一、 up to 二、主动公开."""
    lines = [ln.strip() for ln in text(seed).splitlines()]
    start = next(i for i, ln in enumerate(lines) if re.match(r"一、\s*总|一、\s*總", ln))
    end = next(i for i, ln in enumerate(lines) if re.match(r"二、\s*主[动動]公[开開]", ln))
    return [ln for ln in lines[start:end] if ln][:limit]


def metadata_lines(g: dict) -> list[tuple[str, str]]:
    md = g["metadata"]
    out = []
    if md.get("index_no"):
        out.append(("索引号", md["index_no"]))
    out.append(("发布机构", _first(md["agency"])))
    if md.get("publish_date"):
        out.append(("发布日期", md["publish_date"]))
    return out


def outline(seed: str, g: dict | None = None) -> list[tuple[str, object]]:
    """The report in reading order, as (kind, content) blocks for a renderer to write:
    "title" and "heading" and "paragraph" hold a str, "meta" a list of (key, value)
    lines (索引号, 发布机构, 发布日期), "table" the Rows of a table as printed.
    `g` replaces the seed's gold (bench/ renders copies with other figures)."""
    g = g or gold(seed)
    blocks: list[tuple[str, object]] = [("title", title(g)), ("meta", metadata_lines(g))]
    blocks += [("heading" if i == 0 else "paragraph", line) for i, line in enumerate(prose(seed))]
    for table, heading in PARTS.items():
        blocks += [("heading", heading), ("table", TABLES[table](g))]
    for heading, text in CLOSING:
        blocks += [("heading", heading), ("paragraph", text)]
    return blocks


def grid_positions(rows: Rows) -> tuple[list[tuple[int, int, Cell]], int, int]:
    """Anchor each cell at the first free grid slot (the HTML table algorithm)."""
    taken, placed = set(), []
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            taken.update((i, j) for i in range(r, r + cell.rowspan) for j in range(c, c + cell.colspan))
            placed.append((r, c, cell))
            c += cell.colspan
    return placed, len(rows), 1 + max(j for _, j in taken)


# ------------------------------------------------------------------ HTML


def _html_table(rows: Rows) -> str:
    out = ['<table border="1" cellspacing="0" cellpadding="2" style="border-collapse:collapse">']
    for row in rows:
        out.append("<tr>")
        for cell in row:
            attrs = (f' rowspan="{cell.rowspan}"' if cell.rowspan > 1 else "") + (f' colspan="{cell.colspan}"' if cell.colspan > 1 else "")
            text = html.escape(cell.text) if cell.text else "&nbsp;"
            out.append(f"<td{attrs}><p>{text}</p></td>")
        out.append("</tr>")
    out.append("</table>")
    return "\n".join(out)


_HTML = {
    "title": lambda text: f"<h1>{html.escape(text)}</h1>",
    "meta": lambda pairs: '<table class="meta"><tr>' + "".join(f"<td>{k}：</td><td>{html.escape(v)}</td>" for k, v in pairs) + "</tr></table>",
    "heading": lambda text: f"<h3>{html.escape(text)}</h3>",
    "paragraph": lambda text: f"<p>{html.escape(text)}</p>",
    "table": _html_table,
}


def render_html(seed: str, charset: str = "utf-8", g: dict | None = None) -> str:
    t = html.escape(title(g or gold(seed)))
    parts = [
        f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="{charset}"><title>{t}</title>',
        "<style>td{font-size:12px}</style><script>var _hmt = _hmt || [];</script></head><body>",
    ]
    parts.extend(_HTML[kind](content) for kind, content in outline(seed, g))
    parts.append("</body></html>\n")
    return "\n".join(parts)


def write_html(seed: str, path: Path, charset: str = "utf-8", g: dict | None = None) -> Path:
    """The HTML rendering written in `charset` (GBK pages are written as GB18030, its superset)."""
    codec = "gb18030" if charset.lower() in ("gbk", "gb2312", "gb18030") else charset
    Path(path).write_bytes(render_html(seed, charset, g).encode(codec))
    return Path(path)


# ------------------------------------------------------------------ DOCX


# Column widths (twips) of the official 2021 template's tables, by column count.
TEMPLATE_WIDTHS = {4: [2435] * 4, 10: [754, 921, 3271] + [685] * 7, 15: [649] * 7 + [650] * 8}


def _docx_table(doc, rows: Rows):
    from docx.shared import Pt, Twips

    placed, n_rows, n_cols = grid_positions(rows)
    table = doc.add_table(rows=n_rows, cols=n_cols)
    table.style = "Table Grid"
    table.autofit = False
    for i, width in enumerate(TEMPLATE_WIDTHS[n_cols]):
        table.columns[i].width = Twips(width)
        for cell in table.columns[i].cells:
            cell.width = Twips(width)
    for r, c, cell in placed:
        target = table.cell(r, c)
        if cell.rowspan > 1 or cell.colspan > 1:
            # python-docx writes a real merge: gridSpan across, vMerge restart/continue down.
            target = target.merge(table.cell(r + cell.rowspan - 1, c + cell.colspan - 1))
        target.text = cell.text
        for run in (run for p in target.paragraphs for run in p.runs):
            run.font.size = Pt(10)  # the template's table text size
    return table


def build_docx(seed: str, g: dict | None = None):
    import docx

    doc = docx.Document()
    add = {
        "title": lambda text: doc.add_heading(text, level=0),
        "meta": lambda pairs: [doc.add_paragraph(f"{key}：{value}") for key, value in pairs],
        "heading": lambda text: doc.add_heading(text, level=1),
        "paragraph": doc.add_paragraph,
        "table": lambda rows: _docx_table(doc, rows),
    }
    g = g or gold(seed)
    for kind, content in outline(seed, g):
        add[kind](content)
    doc.core_properties.title = title(g)
    # python-docx's default package is dated 2013: date it like a real report instead.
    md = g["metadata"]
    when = datetime.date.fromisoformat(md["publish_date"]) if md.get("publish_date") else datetime.date(md["year"] + 1, 1, 15)
    doc.core_properties.created = doc.core_properties.modified = datetime.datetime.combine(when, datetime.time(9))
    return doc


def render_docx(seed: str, path: Path, g: dict | None = None) -> Path:
    build_docx(seed, g).save(str(path))
    return Path(path)


