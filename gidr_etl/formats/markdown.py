"""Markdown input format: what converters to Markdown write of a report.

The producers and what each writes (issue 21):
  * markitdown (markdownify) and pymupdf4llm: GitHub pipe tables, a header row, a delimiter row
    (|---|), one row a line; a merged cell is followed by empty cells where it spans; pymupdf4llm
    marks a line break inside a cell with <br>;
  * html2text: pipe tables without the outer pipes ("规章 | 0 | 0");
  * pandoc gfm: pipe tables, and the HTML <table> itself where a table merges cells;
  * all of them: emphasis (**机关**), headings (#), links, backslash escapes (1\\.).
A pipe table is a Table, each piece between pipes a cell (an empty piece a blank cell, as GFM
says); MultiMarkdown's ^^ (the cell above spans here) is honoured, as hand-written Markdown uses it.
An HTML table is read by the HTML format's parser. Everything else is text, read as the txt
format reads it once its inline markup is gone, so no marker reaches a name or a number.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from gidr_etl.errors import ExtractionError
from gidr_etl.formats.base import TEXT_MAX_BYTES, InputFormat
from gidr_etl.formats.html import parse_html
from gidr_etl.formats.txt import parse_text, read_text
from gidr_etl.hookspecs import hookimpl
from gidr_etl.model import Block, Document, Provenance, Table, TableCell, TextBlock
from gidr_etl.reading.metadata import metadata_hints
from gidr_etl.text.cjk import join_lines

# The row under a pipe table's header: |---|:--:| or html2text's ---|---
_DELIMITER = re.compile(r"\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)(\s+#+)?\s*$")
_RULE = re.compile(r"^\s{0,3}([-*_=])(\s*\1){2,}\s*$")  # a thematic break or a setext underline
_BULLET = re.compile(r"^\s{0,3}(?:>\s?)*(?:[-+*]\s+)?")  # blockquote marks and a bullet; "1." stays: 1.属于国家秘密
_HTML_TABLE_OPEN = re.compile(r"^\s*<table\b", re.I)
_HTML_TABLE_CLOSE = re.compile(r"</table\s*>", re.I)
_BR = re.compile(r"<br\s*/?>", re.I)
_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")
ABOVE, LEFT = "^^", ""  # MultiMarkdown: the cell above spans this row; "||" the cell on the left spans

# Inline markup, stripped in this order: images, links, code, emphasis, escapes.
_INLINE = (
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"`([^`]*)`"), r"\1"),
    (re.compile(r"(\*\*|__|~~)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<![*\w])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![*\w])"), r"\1"),
    (re.compile(r"\\([!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])"), r"\1"),
)


def plain(text: str) -> str:
    """Markdown inline text as printed: no emphasis, link or escape marks, entities decoded."""
    for pattern, repl in _INLINE:
        text = pattern.sub(repl, text)
    return html.unescape(text)


def _pieces(line: str) -> list[str]:
    """The pieces between a pipe row's unescaped pipes, the outer pipes dropped.

    html2text writes no outer pipes ("规章 | 0 | 0"), so there a last pipe opens a blank last cell
    ("0 |    "), never a span."""
    row = line.strip()
    pieces = _UNESCAPED_PIPE.split(row)
    if row.startswith("|"):
        return pieces[1:-1] if len(pieces) > 1 and not pieces[-1].strip() else pieces[1:]
    return [*pieces[:-1], pieces[-1] or " "]


def _cell_text(piece: str) -> str:
    return join_lines([plain(part).strip() for part in _BR.split(piece)])


def _pipe_table(rows: list[tuple[int, list[str]]], source: str) -> Table:
    cells: list[TableCell] = []
    grid: dict[tuple[int, int], TableCell] = {}
    for r, (line, pieces) in enumerate(rows):
        for c, piece in enumerate(pieces):
            owner = grid.get((r - 1, c)) if piece.strip() == ABOVE else grid.get((r, c - 1)) if piece == LEFT else None
            if owner is None:
                owner = TableCell(_cell_text(piece), r, c, prov=Provenance(source, line=line))
                cells.append(owner)
            owner.row_span = max(owner.row_span, r - owner.row + 1)
            owner.col_span = max(owner.col_span, c - owner.col + 1)
            grid[r, c] = owner
    return Table(cells, Provenance(source, line=rows[0][0]))


def _is_pipe_row(line: str) -> bool:
    return bool(line.strip()) and _UNESCAPED_PIPE.search(line) is not None


def parse_markdown(text: str, source: str) -> list[Block]:
    """The blocks of a Markdown text in document order."""
    lines = text.splitlines()
    tables: list[tuple[int, list[Block]]] = []  # (first line index, blocks)
    rest = list(lines)  # the text the txt reader gets: tables blanked, inline markup gone
    headings: set[int] = set()
    i = 0
    while i < len(lines):
        line = lines[i]
        if _HTML_TABLE_OPEN.match(line):
            # pandoc writes a table with merged cells as HTML; blank lines keep its line numbers.
            end = next((j for j in range(i, len(lines)) if _HTML_TABLE_CLOSE.search(lines[j])), len(lines) - 1)
            blocks, _ = parse_html("\n" * i + "\n".join(lines[i : end + 1]), source)
            tables.append((i, [b for b in blocks if isinstance(b, Table)]))
            rest[i : end + 1] = [""] * (end + 1 - i)
            i = end + 1
            continue
        if _is_pipe_row(line) and i + 1 < len(lines) and _DELIMITER.fullmatch(lines[i + 1]):
            rows = [(i + 1, _pieces(line))]
            j = i + 2
            while j < len(lines) and _is_pipe_row(lines[j]) and not _HTML_TABLE_OPEN.match(lines[j]):
                rows.append((j + 1, _pieces(lines[j])))
                j += 1
            # markitdown writes an empty header row over a table that had none.
            if not any(p.strip() for p in rows[0][1]):
                rows = rows[1:]
            if rows:
                tables.append((i, [_pipe_table(rows, source)]))
            rest[i:j] = [""] * (j - i)
            i = j
            continue
        if _RULE.match(line):
            rest[i] = ""
        elif m := _HEADING.match(line):
            rest[i] = plain(m.group(2))
            headings.add(i + 1)
        else:
            rest[i] = plain(_BR.sub(" ", _BULLET.sub("", line, count=1))).rstrip("\\ ")
        i += 1
    text_blocks = parse_text("\n".join(rest), source)
    for block in text_blocks:
        if isinstance(block, TextBlock) and block.prov.line in headings:
            block.kind = "heading"
    placed = [(_line(b), 0, b) for b in text_blocks] + [(first + 1, 1, b) for first, bs in tables for b in bs]
    return [b for _, _, b in sorted(placed, key=lambda t: (t[0], t[1]))]


def _line(block: Block) -> int:
    return block.prov.line or 0


class MarkdownFormat(InputFormat):
    name = "markdown"
    extensions = (".md", ".markdown")
    max_bytes = TEXT_MAX_BYTES

    def extract(self, path: Path) -> Document:
        text, encoding = read_text(path)
        source = str(path)
        blocks = parse_markdown(text, source)
        if not blocks:
            raise ExtractionError("Markdown file has no text")
        doc = Document(source, self.name, blocks=blocks, encoding=encoding)
        # An info block is often a pipe table ("索引号： | 1132…/2021-00061 | 发布日期： | …").
        fragments = [c.text for b in blocks for c in ([b] if isinstance(b, TextBlock) else b.reading_order())]
        doc.hints.update(metadata_hints(fragments))
        return doc


@hookimpl
def register_formats(register):
    register(MarkdownFormat())
