"""Two renderings of a seed's layout: an HTML page and a Word document (python-docx)."""

from __future__ import annotations

import datetime
import html
from pathlib import Path

from gidr_etl.testing.layout import Rows, grid_positions, outline, title
from gidr_etl.testing.seeds import gold


def _contents(seed: str | None, g: dict | None, blocks: list | None) -> tuple[dict, list]:
    """The gold and the blocks to render: given ones stand in for the seed's (a variant has no seed)."""
    if seed is None:
        if not g or not blocks:
            raise ValueError("a rendering without a seed needs its gold and its blocks")
        return g, blocks
    g = g or gold(seed)
    return g, blocks or outline(seed, g)


# ------------------------------------------------------------------ HTML


def _html_table(rows: Rows) -> str:
    out = ['<table border="1" cellspacing="0" cellpadding="2" style="border-collapse:collapse">']
    for row in rows:
        out.append("<tr>")
        for cell in row:
            attrs = (f' rowspan="{cell.rowspan}"' if cell.rowspan > 1 else "") + (
                f' colspan="{cell.colspan}"' if cell.colspan > 1 else ""
            )
            text = html.escape(cell.text) if cell.text else "&nbsp;"
            out.append(f"<td{attrs}><p>{text}</p></td>")
        out.append("</tr>")
    out.append("</table>")
    return "\n".join(out)


_HTML = {
    "title": lambda text: f"<h1>{html.escape(text)}</h1>",
    "meta": lambda pairs: (
        '<table class="meta"><tr>'
        + "".join(f"<td>{k}：</td><td>{html.escape(v)}</td>" for k, v in pairs)
        + "</tr></table>"
    ),
    "heading": lambda text: f"<h3>{html.escape(text)}</h3>",
    "paragraph": lambda text: f"<p>{html.escape(text)}</p>",
    "table": _html_table,
}


def render_html(seed: str | None, charset: str = "utf-8", g: dict | None = None, blocks: list | None = None) -> str:
    """The report as an HTML page; `blocks` replaces the seed's outline (the fuzzer's variants)."""
    g, blocks = _contents(seed, g, blocks)
    t = html.escape(title(g))
    parts = [
        f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="{charset}"><title>{t}</title>',
        "<style>td{font-size:12px}</style><script>var _hmt = _hmt || [];</script></head><body>",
    ]
    parts.extend(_HTML[kind](content) for kind, content in blocks)
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
    # The grid once: python-docx recomputes it on every table.cell(), seconds per table.
    # Merges never overlap, so the cells of later merges stay in the tree.
    grid = table._cells
    for i, width in enumerate(TEMPLATE_WIDTHS.get(n_cols, [9750 // n_cols] * n_cols)):
        table.columns[i].width = Twips(width)
        for r in range(n_rows):
            grid[r * n_cols + i].width = Twips(width)
    covered: set[tuple[int, int]] = set()
    for r, c, cell in placed:
        covered.update((i, j) for i in range(r, r + cell.rowspan) for j in range(c, c + cell.colspan))
        target = grid[r * n_cols + c]
        if cell.rowspan > 1 or cell.colspan > 1:
            # python-docx writes a real merge: gridSpan across, vMerge restart/continue down.
            target = target.merge(grid[(r + cell.rowspan - 1) * n_cols + c + cell.colspan - 1])
        target.text = cell.text
        for run in (run for p in target.paragraphs for run in p.runs):
            run.font.size = Pt(10)  # the template's table text size
    _end_short_rows(grid, n_rows, n_cols, covered)
    return table


def _end_short_rows(grid, n_rows: int, n_cols: int, covered: set) -> None:
    """A row printing fewer cells than the grid ends early, as Word writes it (its cells, then
    w:gridAfter for the grid columns it leaves), never padded with empty cells: python-docx's
    full grid would add blank cells no real writer makes (a row of a variant one value short)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    for r in range(n_rows):
        left = [c for c in range(n_cols) if (r, c) not in covered]
        if not left or any((r, c) in covered for c in range(left[0], n_cols)):
            continue  # none left, or a hole before a cell merged from above: kept as printed
        tr = grid[r * n_cols + left[0]]._tc.getparent()
        for c in left:
            tc = grid[r * n_cols + c]._tc
            tc.getparent().remove(tc)
        after = OxmlElement("w:gridAfter")
        after.set(qn("w:val"), str(len(left)))
        tr.get_or_add_trPr().append(after)


def build_docx(seed: str | None, g: dict | None = None, blocks: list | None = None):
    import docx

    doc = docx.Document()
    add = {
        "title": lambda text: doc.add_heading(text, level=0),
        "meta": lambda pairs: [doc.add_paragraph(f"{key}：{value}") for key, value in pairs],
        "heading": lambda text: doc.add_heading(text, level=1),
        "paragraph": doc.add_paragraph,
        "table": lambda rows: _docx_table(doc, rows),
    }
    g, blocks = _contents(seed, g, blocks)
    for kind, content in blocks:
        add[kind](content)
    doc.core_properties.title = title(g)
    # python-docx's default package is dated 2013: date it like a real report instead.
    md = g["metadata"]
    when = (
        datetime.date.fromisoformat(md["publish_date"])
        if md.get("publish_date")
        else datetime.date(md["year"] + 1, 1, 15)
    )
    doc.core_properties.created = doc.core_properties.modified = datetime.datetime.combine(when, datetime.time(9))
    return doc


def render_docx(seed: str, path: Path, g: dict | None = None) -> Path:
    build_docx(seed, g).save(str(path))
    return Path(path)
