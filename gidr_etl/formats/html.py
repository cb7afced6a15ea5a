"""HTML input format: tables with their rowspan/colspan, text blocks in document order.

Parsed with the standard library's html.parser: report pages are small and often
malformed (unclosed <td>, Word's <o:p>, conditional comments), and a tolerant event
parser that we drive ourselves keeps the HTML table algorithm explicit without adding
a dependency.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from gidr_etl.errors import ExtractionError
from gidr_etl.formats.base import TEXT_MAX_BYTES, InputFormat
from gidr_etl.formats.pictures import Picture, saved_page_image, with_pictures
from gidr_etl.hookspecs import hookimpl
from gidr_etl.model import Block, Document, Provenance, Table, TableCell, TextBlock
from gidr_etl.reading.metadata import metadata_hints
from gidr_etl.text.cjk import IDEOGRAPHS, has_ideograph, join_lines
from gidr_etl.text.encoding import UndecodableError, decode

_HTML_TAG = re.compile(r"<(?:!doctype\s+html|html|head|body|table|meta|div|p|title)[\s>/]", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)

# Elements whose content is never shown. <xml> holds Word's document properties.
_SKIP = {"script", "style", "xml", "template", "noscript"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
# Elements that end a run of text (a TextBlock outside tables, a line inside a cell).
_BLOCK = _HEADINGS | {
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "blockquote",
    "pre",
    "section",
    "article",
    "header",
    "footer",
    "nav",
    "aside",
    "main",
    "center",
    "form",
    "hr",
    "address",
    "figure",
    "figcaption",
    "caption",
    "body",
    "br",
    "table",
    "tr",
    "title",
}
# A table in a cell plus this much prose beside it: the outer table is page layout.
_LAYOUT_TEXT = 300


# A source line break between CJK characters is not a space (join_lines); other white
# space collapses. HTML's white space only: an &nbsp; is text.
_HTML_SPACE = " \t\r\f"
_WHITE = re.compile(r"[ \t\r\n\f]+")


def _collapse(text: str) -> str:
    if "\n" in text:
        text = join_lines([line.strip(_HTML_SPACE) for line in text.split("\n")])
    # strip() also removes &nbsp; and U+3000 at the edges, so a &nbsp;-only cell is "".
    return _WHITE.sub(" ", text).strip()


# ------------------------------------------------------------------ sniffing, decoding


def _head_text(head: bytes) -> str:
    # Tags are ASCII: latin-1 shows them for UTF-8 and GBK alike; UTF-16 needs decoding.
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return head.decode("utf-16", "replace")
    if len(head) >= 4 and head[1::2][:32].count(0) > 8:
        return head.decode("utf-16-le", "replace")
    if len(head) >= 4 and head[0::2][:32].count(0) > 8:
        return head.decode("utf-16-be", "replace")
    return head.decode("latin-1").removeprefix("\xef\xbb\xbf")


def looks_like_html(head: bytes) -> bool:
    """Whether the file starts (after BOM and white space) with an HTML tag."""
    text = _head_text(head).lstrip("\ufeff \t\r\n")
    return text.startswith("<") and _HTML_TAG.search(text[:1024]) is not None


def decode_html(data: bytes) -> tuple[str, str]:
    """BOM, then the declared <meta> charset, then detection (gidr_etl.text.encoding)."""
    declared = _META_CHARSET.search(data[:4096])
    try:
        return decode(data, declared.group(1).decode("ascii") if declared else None)
    except UndecodableError as exc:
        raise ExtractionError(f"undecodable HTML: {exc}") from exc


# ------------------------------------------------------------------ parsing


class _CellContent:
    """A <td>/<th> being read: its first line, its spans, and what it holds so far."""

    def __init__(self, line: int, rowspan: int, colspan: int):
        self.line, self.rowspan, self.colspan = line, rowspan, colspan
        # ("t", text, line) | ("b", kind) a break that ends a line of `kind` | ("sub", blocks)
        self.parts: list[tuple] = []


class _TableBuilder:
    def __init__(self, out: list, line: int):
        self.out, self.line = out, line  # out: where this table's blocks go, in order
        self.rows: list[list[_CellContent]] = []
        self.cell: _CellContent | None = None


def _span(value: str | None, default: int, limit: int) -> int:
    m = re.match(r"\s*(\d+)", value or "")
    return min(int(m.group(1)), limit) if m else default


class _Parser(HTMLParser):
    def __init__(self, source: str):
        super().__init__(convert_charrefs=True)
        self.source = source
        self.blocks: list = []  # Blocks, and lists of Blocks where tables go
        self.buf: list[tuple] = []  # text parts of the current block outside any cell
        self.kind = "paragraph"
        self.tables: list[_TableBuilder] = []
        self.skip: list[str] = []
        self.in_title = False
        self.title: list[str] = []
        self.h1: str | None = None
        self.htag = ""
        self.scripts: list[tuple[str, int]] = []
        self.images: list[tuple[int, _Img]] = []  # filled by parse_html

    # -- events

    def handle_starttag(self, tag, attrs):
        tag = tag.lower()
        if self.skip:
            if tag == self.skip[-1]:
                self.skip.append(tag)
            return
        if tag == "title":
            self.in_title = True
            return
        if tag in _SKIP:
            self.skip.append(tag)
            return
        if tag == "img":
            # Where the picture stands among the blocks: a table pasted as a picture is read there.
            self._break(self.kind)
            a = dict(attrs)
            self._target_list().append(_Img(a.get("src") or "", a.get("width"), self.getpos()[0]))
            return
        if tag == "table":
            self._break("paragraph")
            out: list = []
            self._target_list().append(out)
            self.tables.append(_TableBuilder(out, self.getpos()[0]))
        elif self.tables and tag == "tr":
            self._close_cell()
            self.tables[-1].rows.append([])
        elif self.tables and tag in ("td", "th"):
            t = self.tables[-1]
            self._close_cell()
            if not t.rows:
                t.rows.append([])
            a = dict(attrs)
            t.cell = _CellContent(
                self.getpos()[0], _span(a.get("rowspan"), 1, 65534), max(1, _span(a.get("colspan"), 1, 1000))
            )
            t.rows[-1].append(t.cell)
        elif tag in _HEADINGS:
            self._break(self.kind)
            self.kind, self.htag = "heading", tag
        elif tag in _BLOCK:
            self._break(self.kind)

    def handle_endtag(self, tag):
        tag = tag.lower()
        if self.skip:
            if tag == self.skip[-1]:
                self.skip.pop()
            return
        if tag == "title":
            self.in_title = False
        elif tag == "table" and self.tables:
            self._close_cell()
            self._finish_table(self.tables.pop())
        elif self.tables and tag in ("td", "th", "tr"):
            self._close_cell()
        elif tag in _HEADINGS:
            self._break("heading")
            self.kind = "paragraph"
        elif tag in _BLOCK:
            self._break(self.kind)

    def handle_data(self, data):
        if self.skip:
            if self.skip[-1] == "script":
                self.scripts.append((data, self.getpos()[0]))
            return
        if self.in_title:
            self.title.append(data)
            return
        self._parts().append(("t", data, self.getpos()[0]))

    def close(self):
        super().close()
        self._break(self.kind)
        while self.tables:
            self._close_cell()
            self._finish_table(self.tables.pop())

    # -- where text goes

    def _cell(self) -> _CellContent | None:
        return self.tables[-1].cell if self.tables else None

    def _parts(self) -> list[tuple]:
        cell = self._cell()
        return cell.parts if cell else self.buf

    def _target_list(self) -> list:
        cell = self._cell()
        if cell is None:
            return self.tables[-1].out if self.tables else self.blocks
        sub: list = []
        cell.parts.append(("sub", sub))
        return sub

    def _break(self, kind: str) -> None:
        """End the current line: a line break inside a cell, a TextBlock outside."""
        cell = self._cell()
        if cell is not None:
            cell.parts.append(("b", kind))
            return
        text = _collapse("".join(p[1] for p in self.buf))
        if text:
            line = next(p[2] for p in self.buf if p[1].strip())
            if kind == "heading" and self.htag == "h1" and self.h1 is None:
                self.h1 = text
            (self.tables[-1].out if self.tables else self.blocks).append(
                TextBlock(text, Provenance(self.source, line=line), kind)
            )
        self.buf = []

    def _close_cell(self) -> None:
        if self.tables:
            self.tables[-1].cell = None

    # -- tables

    def _finish_table(self, t: _TableBuilder) -> None:
        cells = [c for row in t.rows for c in row]
        if not cells:
            return
        if _is_layout(t):
            for cell in cells:
                t.out.extend(_cell_blocks(cell, self.source))
            return
        t.out.append(_grid(t, self.source))
        t.out.extend(p[1] for c in cells for p in c.parts if p[0] == "sub")


def _segments(cell: _CellContent):
    """A cell's own text line by line as (text, line, kind), and its nested tables, in order."""
    run = []
    for part in cell.parts + [("b", "paragraph")]:
        if part[0] == "t":
            run.append(part)
            continue
        text = _collapse("".join(p[1] for p in run))
        if text:
            yield text, next(p[2] for p in run if p[1].strip()), part[1] if part[0] == "b" else "paragraph"
        run = []
        if part[0] == "sub":
            yield part[1]


def _cell_lines(cell: _CellContent) -> list[tuple[str, int, str]]:
    """(text, line, kind) of each line of a cell's own text."""
    return [s for s in _segments(cell) if isinstance(s, tuple)]


def _cell_text(cell: _CellContent) -> str:
    return join_lines([text for text, _, _ in _cell_lines(cell)])


def _is_layout(t: _TableBuilder) -> bool:
    # A one-column table, or one whose cell holds a table beside a page of prose, is
    # layout around the report, not a statistics table: its text becomes TextBlocks.
    cells = [c for row in t.rows for c in row]
    if all(len(row) <= 1 and (not row or row[0].colspan == 1) for row in t.rows):
        return any(len(_cell_lines(c)) > 1 or any(p[0] == "sub" for p in c.parts) for c in cells) or (
            sum(len(_cell_text(c)) for c in cells) > _LAYOUT_TEXT
        )
    return any(any(p[0] == "sub" for p in c.parts) and len(_cell_text(c)) > _LAYOUT_TEXT for c in cells)


def _cell_blocks(cell: _CellContent, source: str) -> list:
    """A layout cell's content as TextBlocks, its nested tables in place."""
    return [
        TextBlock(s[0], Provenance(source, line=s[1]), s[2]) if isinstance(s, tuple) else s for s in _segments(cell)
    ]


def _grid(t: _TableBuilder, source: str) -> Table:
    """The HTML table algorithm: each cell anchored at the first free slot of its row."""
    n_rows = len(t.rows)
    taken: set[tuple[int, int]] = set()
    cells = []
    for r, row in enumerate(t.rows):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            # rowspan=0 means "to the end of the table"; no span reaches past the end.
            rs = max(1, min(cell.rowspan or n_rows - r, n_rows - r))
            taken.update((i, j) for i in range(r, r + rs) for j in range(c, c + cell.colspan))
            cells.append(TableCell(_cell_text(cell), r, c, rs, cell.colspan, Provenance(source, line=cell.line)))
            c += cell.colspan
    return Table(cells, Provenance(source, line=t.line), explicit_cells=True)


def _flatten(items: list) -> list[Block | _Img]:
    """The blocks (and <img>s) of nested lists in order, with a stack of our own: the nesting is the
    input's (10,000 tables inside each other), so it must not be Python's recursion."""
    out: list[Block | _Img] = []
    stack = [iter(items)]
    while stack:
        item = next(stack[-1], None)  # the lists hold no None
        if item is None:
            stack.pop()
        elif isinstance(item, list):
            stack.append(iter(item))
        else:
            out.append(item)
    return out


# ------------------------------------------------------------------ scripts

# An ideograph as a JavaScript escape writes it ("\u4e2d"): U+3000–9FFF, roughly IDEOGRAPHS.
_ESCAPED_IDEOGRAPH = re.compile(r"\\u[34-9][0-9a-fA-F]{3}")
_JS_STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"|\'((?:[^\'\\\n]|\\.)*)\'|`((?:[^`\\]|\\.)*)`', re.S)


def _script_html(scripts: list[tuple[str, int]]) -> str:
    """The string literals of a page's scripts that carry text: a body built in JavaScript."""
    found = []
    for code, _line in scripts:
        for m in _JS_STRING.finditer(code):
            lit = next(g for g in m.groups() if g is not None)
            if has_ideograph(lit) or _ESCAPED_IDEOGRAPH.search(lit):
                found.append(_js_unescape(lit))
    return "\n".join(found)


def _js_unescape(lit: str) -> str:
    def sub(m: re.Match) -> str:
        esc = m.group(1)
        if esc[0] in "ux":
            return chr(int(esc[1:], 16))
        return {"n": "\n", "t": "\t", "r": ""}.get(esc, esc)

    return re.sub(r"\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)", sub, lit, flags=re.S)


# ------------------------------------------------------------------ the format


@dataclass
class _Img:
    src: str
    width: str | None  # CSS pixels, as printed
    line: int


def parse_html(text: str, source: str) -> tuple[list[Block], _Parser]:
    """The page's blocks; its <img>s on the parser (`images`: (block index, _Img))."""
    parser = _Parser(source)
    parser.feed(text)
    parser.close()
    blocks: list[Block] = []
    for item in _flatten(parser.blocks):
        if isinstance(item, _Img):
            parser.images.append((len(blocks), item))
        else:
            blocks.append(item)
    return blocks, parser


def _pictures(page: Path, images: list[tuple[int, _Img]]) -> list[Picture]:
    pictures = []
    for at, img in images:
        data = saved_page_image(page, img.src)
        width = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(?:px)?\s*", img.width or "")
        if data:
            pictures.append(Picture(at, img.line, data, float(width[1]) * 0.75 if width else None))
    return pictures


def _has_text(blocks: list[Block]) -> bool:
    return any(isinstance(b, Table) or re.search(rf"[{IDEOGRAPHS}\w]", b.text) for b in blocks)


class HtmlFormat(InputFormat):
    name = "html"
    extensions = (".html", ".htm", ".shtml")
    priority = 10  # above TXT: a .txt file holding HTML is read as HTML
    max_bytes = TEXT_MAX_BYTES

    def sniff(self, path: Path, head: bytes) -> int | None:
        if looks_like_html(head):
            return self.CONTENT
        return super().sniff(path, head)

    def extract(self, path: Path) -> Document:
        data = Path(path).read_bytes()
        if not data.strip():
            raise ExtractionError("empty file")
        text, encoding = decode_html(data)
        source = str(path)
        blocks, parser = parse_html(text, source)
        script_blocks: list[Block] = []
        if not any(isinstance(b, Table) for b in blocks) and parser.scripts:
            # The body may be built by JavaScript: read the text its string literals carry.
            script_blocks, _ = parse_html(_script_html(parser.scripts), source)
            if _has_text(script_blocks) and not any(isinstance(b, TextBlock) and has_ideograph(b.text) for b in blocks):
                blocks = script_blocks
        if parser.images and blocks is not script_blocks:
            # Tables saved as pictures: read by OCR when the page has no tables of its own.
            blocks = with_pictures(source, blocks, _pictures(Path(path), parser.images))
        if not _has_text(blocks):
            raise ExtractionError("HTML page has no visible text")
        doc = Document(source=source, format=self.name, blocks=blocks, encoding=encoding)
        title = _collapse("".join(parser.title)) or parser.h1
        if title:
            doc.hints["title"] = title
        fragments = [c.text for b in blocks for c in ([b] if isinstance(b, TextBlock) else b.reading_order())]
        doc.hints.update(metadata_hints(fragments))
        return doc


@hookimpl
def register_formats(register):
    register(HtmlFormat())
