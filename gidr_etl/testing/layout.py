"""A seed report laid out as the official template prints it, for renderers to write.

A layout is built from a seed's gold (cells, metadata) and a few paragraphs of its real
prose, so what a format plugin reads back can be compared with the gold. The tables
follow the 2021 template (国办公开办函〔2021〕30号) or the 2019 one, with the group labels
in merged cells, as real reports print them. Labels come from the vocabulary.

`outline(seed)` is the report as a list of blocks; a plugin author renders it in their
format (render.py holds an HTML and a DOCX rendering).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gidr_etl.template.vocabulary import Term, vocabulary
from gidr_etl.testing.seeds import cell_values, first, gold, text
from gidr_etl.text.cjk import NUMERALS

BALANCE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
PARTS = {
    "active": "二、主动公开政府信息情况",
    "requests": "三、收到和处理政府信息公开申请情况",
    "appeals": "四、政府信息公开行政复议、行政诉讼情况",
}
CLOSING = [
    (
        "五、存在的主要问题及改进情况",
        "政府信息公开工作仍存在信息更新不够及时、政策解读形式较为单一等问题，下一步将持续改进。",
    ),
    ("六、其他需要报告的事项", "本机关未收取信息处理费。"),
]


@dataclass
class PrintedCell:
    """A printed cell as HTML anchors it: text, spans, and whether it is a label."""

    text: str
    rowspan: int = 1
    colspan: int = 1
    header: bool = False


Rows = list[list[PrintedCell]]


def printed(value, section: str, col: str) -> str:
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
    template, vals, vocab = g["metadata"]["template"], cell_values(g), vocabulary()
    rows: Rows = []
    for sec in vocab.sections_for(template, "active"):
        cols = sec.columns_for(template)
        last = 3 - len(cols)  # the last column spreads over what the section leaves free
        widths = [1] * (len(cols) - 1) + [1 + last]
        rows.append([PrintedCell(sec.label, colspan=4, header=True)])
        rows.append(
            [PrintedCell("信息内容", header=True)]
            + [PrintedCell(c.label, colspan=w, header=True) for c, w in zip(cols, widths)]
        )
        for r in sec.rows_for(template):
            rows.append(
                [PrintedCell(r.label, header=True)]
                + [
                    PrintedCell(printed(vals.get((sec.code, r.code, c.code)), sec.code, c.code), colspan=w)
                    for c, w in zip(cols, widths)
                ]
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
    out: list[tuple[str, list[tuple[str | None, Term]]]] = []
    for i, (key, members) in enumerate(entries):
        n = f"（{NUMERALS[i]}）"
        if len(members) == 1 and members[0].group in (None, "本年度办理结果"):
            out.append((n + members[0].label, [(None, members[0])]))
        else:
            out.append((n + key, [(f"{k}.{m.label}", m) for k, m in enumerate(members, 1)]))
    return out


def requests_rows(g: dict) -> Rows:
    template, vals = g["metadata"]["template"], cell_values(g)
    sec = vocabulary().section("requests")
    cols = sec.columns_for(template)
    rows_ = sec.rows_for(template)
    orgs = [c for c in cols if c.group]
    org_group = orgs[0].group or ""

    def values(row) -> list[PrintedCell]:
        return [PrintedCell(printed(vals.get(("requests", row.code, c.code)), "requests", c.code)) for c in cols]

    out: Rows = [
        [
            PrintedCell(BALANCE, rowspan=3, colspan=3, header=True),
            PrintedCell("申请人情况", colspan=len(cols), header=True),
        ],
        [
            PrintedCell(cols[0].label, rowspan=2, header=True),
            PrintedCell(org_group, colspan=len(orgs), header=True),
            PrintedCell(cols[-1].label, rowspan=2, header=True),
        ],
        [PrintedCell(c.label, header=True) for c in orgs],
    ]
    by_code = {r.code: r for r in rows_}
    out.append([PrintedCell("一、" + by_code["new"].label, colspan=3, header=True)] + values(by_code["new"]))
    out.append(
        [PrintedCell("二、" + by_code["carried_over"].label, colspan=3, header=True)] + values(by_code["carried_over"])
    )
    outcome = [r for r in rows_ if r.code not in ("new", "carried_over", "carried_forward")]
    entries = _outcome_entries(outcome)
    first = True
    for label, members in entries:
        for k, (sub, row) in enumerate(members):
            line: list[PrintedCell] = []
            if first:
                line.append(PrintedCell("三、本年度办理结果", rowspan=len(outcome), header=True))
                first = False
            if sub is None:
                line.append(PrintedCell(label, colspan=2, header=True))
            else:
                if k == 0:
                    line.append(PrintedCell(label, rowspan=len(members), header=True))
                line.append(PrintedCell(sub, header=True))
            out.append(line + values(row))
    out.append(
        [PrintedCell("四、" + by_code["carried_forward"].label, colspan=3, header=True)]
        + values(by_code["carried_forward"])
    )
    return out


def appeals_rows(g: dict) -> Rows:
    template, vals = g["metadata"]["template"], cell_values(g)
    sec = vocabulary().section("appeals")
    cols, (review, *suits) = sec.columns_for(template), sec.rows_for(template)
    n = len(cols)
    return [
        [
            PrintedCell(review.label, colspan=n, header=True),
            PrintedCell(suits[0].group or "", colspan=n * len(suits), header=True),
        ],
        [PrintedCell(c.label, rowspan=2, header=True) for c in cols]
        + [PrintedCell(s.label, colspan=n, header=True) for s in suits],
        [PrintedCell(c.label, header=True) for s in suits for c in cols],
        [
            PrintedCell(printed(vals.get(("appeals", r.code, c.code)), "appeals", c.code))
            for r in [review, *suits]
            for c in cols
        ],
    ]


TABLES = {"active": active_rows, "requests": requests_rows, "appeals": appeals_rows}


# ------------------------------------------------------------------ the document


def title(g: dict) -> str:
    md = g["metadata"]
    return f"{first(md['agency'])}{md['year']}年政府信息公开工作年度报告"


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
    out.append(("发布机构", first(md["agency"])))
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
    for heading, paragraph in CLOSING:
        blocks += [("heading", heading), ("paragraph", paragraph)]
    return blocks


def grid_positions(rows: Rows) -> tuple[list[tuple[int, int, PrintedCell]], int, int]:
    """Anchor each cell at the first free grid slot (the HTML table algorithm)."""
    taken: set[tuple[int, int]] = set()
    placed: list[tuple[int, int, PrintedCell]] = []
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            taken.update((i, j) for i in range(r, r + cell.rowspan) for j in range(c, c + cell.colspan))
            placed.append((r, c, cell))
            c += cell.colspan
    return placed, len(rows), 1 + max(j for _, j in taken)
