"""PDF input format: text lines and ruled tables read from the text layer with pdfplumber.

The pages' characters and graphics come from pdfium or pdfminer (pdf_pages.py).

Tables are found from ruling lines only (the reports' tables are always ruled). Each
printed cell becomes one TableCell whose row/col spans come from its box against the
table's grid lines. A table cut by a page break is joined back into one Table; the
cells of a group label cut in two (“（四）无” / “法提供”) are joined as well.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from pathlib import Path

from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfplumber.utils import chars_to_textmap, extract_text
from pdfplumber.utils.exceptions import PdfminerException

from gidr_etl.errors import ExtractionError
from gidr_etl.formats import pdf_pages, scan
from gidr_etl.formats.base import InputFormat
from gidr_etl.formats.page_layout import GRID_TOL, grid_index, grid_lines, is_footer, join_pieces, page_title, squeeze
from gidr_etl.hookspecs import hookimpl
from gidr_etl.model import Document, Provenance, Table, TableCell, TextBlock
from gidr_etl.reading.metadata import wrapped_block_hints
from gidr_etl.text.cjk import CLOSE, LIST_MARK, NUMERALS, OPEN, join_lines

# Outer table edges on consecutive pages this close belong to one continued table.
_EDGE_TOL = 8.0
# A page needs this many ruling objects before table finding is worth running.
_MIN_RULINGS = 4
# Fewer visible characters than this per page on average: no text layer.
_MIN_CHARS_PER_PAGE = 10
# More than this share of "(cid:N)" glyphs: the fonts carry no Unicode map.
_MAX_CID_SHARE = 0.1

_NUMBER = re.compile(r"[-+]?[\d０-９][\d０-９,.]*")
# Looser than NUMBERING (any numeral, any closing mark): it only has to tell a label's start
# from the tail of a label cut by a page break, which never starts with a numeral and a mark.
_ENUMERATOR = re.compile(rf"{OPEN}?[{NUMERALS}\d]+(?:{CLOSE}|{LIST_MARK})")


class PdfFormat(InputFormat):
    name = "pdf"
    extensions = (".pdf",)
    priority = 0
    # The page reader, "pdfium" or "pdfplumber"; None: $GIDR_ETL_PDF_READER, else pdfium.
    reader: str | None = None

    def sniff(self, path: Path, head: bytes) -> int | None:
        if head.lstrip()[:4] == b"%PDF":
            return self.CONTENT
        return super().sniff(path, head)

    def extract(self, path: Path) -> Document:
        try:
            return _read(path, self.reader)
        except ExtractionError:
            raise
        except PdfminerException as exc:
            cause = exc.args[0] if exc.args else exc
            if isinstance(cause, (PDFPasswordIncorrect, PDFEncryptionError)):
                raise ExtractionError("encrypted PDF") from None
            raise ExtractionError(f"not a readable PDF: {_reason(cause)}") from None
        except (PDFPasswordIncorrect, PDFEncryptionError):
            raise ExtractionError("encrypted PDF") from None
        except Exception as exc:  # pdfminer raises many types on damaged files …
            if _raised_here(exc):  # … but a fault of this module must stay visible
                raise
            raise ExtractionError(f"not a readable PDF: {_reason(exc)}") from None


@hookimpl
def register_formats(register):
    register(PdfFormat())


def _raised_here(exc: BaseException) -> bool:
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and tb.tb_frame.f_code.co_filename in (__file__, pdf_pages.__file__)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


@dataclass
class _CellBox:
    """A printed cell's box before the column grid is fixed: x extent, local rows, text."""

    x0: float
    x1: float
    row: int
    row_span: int
    text: str
    page: int


@dataclass
class _Part:
    """One page's piece of a table; a continued table is a list of them."""

    page: int
    bbox: tuple[float, float, float, float]
    xs: list[float]
    cells: list[_CellBox]
    n_rows: int
    # The pieces on later pages, once joined to this one.
    more: list[_Part] = field(default_factory=list)


def _read(path: Path, reader: str | None = None) -> Document:
    try:
        return _read_pages(path, reader)
    except pdf_pages.RotatedPage:
        return _read_pages(path, "pdfplumber")


def _read_pages(path: Path, reader: str | None) -> Document:
    file = str(path)
    blocks: list = []
    hints: dict[str, str] = {}
    chars = cids = 0
    with pdf_pages.open_pages(path, reader) as pages:
        n_pages = len(pages)
        if not n_pages:
            raise ExtractionError("not a readable PDF: no pages")
        for page in pages:
            glyphs = [c["text"] for c in page.chars if not c["text"].isspace()]
            chars += len(glyphs)
            page_cids = sum(g.startswith("(cid:") for g in glyphs)
            cids += page_cids
            # Unmapped glyphs never reach the output; too many of them is an error below.
            _read_page(page.filter(_mapped) if page_cids else page, file, blocks, hints)
            page.close()  # drop the page's parsed objects: thousands of files go through
    if chars < _MIN_CHARS_PER_PAGE * n_pages:
        return scan.read_pdf(path)  # no text layer: a scan, read by OCR
    if cids > _MAX_CID_SHARE * chars:
        raise ExtractionError(f"fonts without a Unicode map (cid:…) in {cids} of {chars} characters")
    blocks = [_table(b, file) if isinstance(b, _Part) else b for b in blocks]
    return Document(file, "pdf", blocks=blocks, pages=n_pages, hints=hints)


def _mapped(obj: dict) -> bool:
    return obj.get("object_type") != "char" or not obj["text"].startswith("(cid:")


def _read_page(page, file: str, blocks: list, hints: dict[str, str]) -> None:
    """Append a page's text lines and tables to `blocks`, top to bottom."""
    n = page.page_number
    parts = _tables(page, n)
    lines = _lines(page, [p.bbox for p in parts])
    if n == 1 and (title := page_title(lines)):
        hints["title"] = title
    if n == 1:
        # A page printed by a browser with narrow info cells wraps them: 索引/号：, 11320703MB/2021-/00061.
        hints.update(wrapped_block_hints([line["pieces"] for line in lines], _COLUMN_TOL))
    items = sorted([(p.bbox[1], p) for p in parts] + [(line["top"], line) for line in lines], key=lambda i: i[0])
    for i, (_, item) in enumerate(items):
        if not isinstance(item, _Part):
            blocks.append(TextBlock(item["text"], Provenance(file, n, item["line"]), kind="line"))
        elif not (i == 0 and _continues(blocks, item)):
            blocks.append(item)


def _ruling(obj: dict) -> bool:
    """Whether a graphic object can be a table border: not a cell's or a page's fill."""
    if obj.get("object_type") != "rect":
        return True
    # Word processors paint white or shaded boxes behind text; only strokes and
    # hairline fills draw borders.
    return bool(obj.get("stroke")) or min(obj["width"], obj["height"]) < 3


def _tables(page, n: int) -> list[_Part]:
    """The ruled tables on a page, top to bottom."""
    if len(page.lines) + sum(map(_ruling, page.rects)) < _MIN_RULINGS:
        return []
    ruled = page.filter(_ruling)
    found = ruled.find_tables()
    outlines = [_extent(t.bbox, ruled.vertical_edges) for t in found]
    if any(_holed(t) or o != t.bbox for t, o in zip(found, outlines)):
        # A border missing at a table's edge loses the cells along it (Word leaves
        # the bottom rule of a row cut by a page break undrawn, say): draw the
        # outline the vertical rules reach explicitly and look again.
        edges = [_outline(o) for o in outlines]
        found = ruled.find_tables(
            {
                "explicit_horizontal_lines": [e for h, _ in edges for e in h],
                "explicit_vertical_lines": [e for _, v in edges for e in v],
            }
        )
    parts = [_part(t, n) for t in found]
    # A frame around prose is not a table; one row of a table cut by a page break is.
    return [p for p in parts if p and len(p.xs) > 2]


def _extent(bbox, verticals: list[dict]) -> tuple[float, float, float, float]:
    """The table's box stretched to the ends of the vertical rules crossing it."""
    x0, top, x1, bottom = bbox
    for e in verticals:
        if x0 - GRID_TOL <= e["x0"] <= x1 + GRID_TOL and e["top"] < bottom and e["bottom"] > top:
            top, bottom = min(top, e["top"]), max(bottom, e["bottom"])
    # A rule's own width pokes a fraction of a point past the box: that is no missing border,
    # and looking for the tables again would only double the page's table-finding time.
    if top >= bbox[1] - GRID_TOL and bottom <= bbox[3] + GRID_TOL:
        return bbox
    return x0, top, x1, bottom


def _holed(table) -> bool:
    """Whether some of the table's box is in no cell."""
    x0, top, x1, bottom = table.bbox
    covered = sum((c[2] - c[0]) * (c[3] - c[1]) for c in table.cells)
    return covered < 0.99 * (x1 - x0) * (bottom - top)


def _outline(bbox) -> tuple[list[dict], list[dict]]:
    """The four sides of a box as line objects, for pdfplumber's explicit lines."""
    x0, top, x1, bottom = bbox

    def line(left, up, right, down):
        return {
            "object_type": "line",
            "x0": left,
            "top": up,
            "x1": right,
            "bottom": down,
            "width": right - left,
            "height": down - up,
        }

    return [line(x0, y, x1, y) for y in (top, bottom)], [line(x, top, x, bottom) for x in (x0, x1)]


def _part(table, n: int) -> _Part | None:
    """A pdfplumber table as cells anchored on its own grid lines."""
    boxes, texts = [], []
    for row, row_texts in zip(table.rows, _cell_texts(table)):
        for box, text in zip(row.cells, row_texts):
            if box is not None:
                boxes.append(box)
                texts.append(_cell_text(text or ""))
    if not boxes:
        return None
    ys = grid_lines([b[1] for b in boxes] + [b[3] for b in boxes])
    xs = grid_lines([b[0] for b in boxes] + [b[2] for b in boxes])
    cells = []
    for (x0, top, x1, bottom), text in zip(boxes, texts):
        row = grid_index(ys, top)
        cells.append(_CellBox(x0, x1, row, max(grid_index(ys, bottom) - row, 1), text, n))
    return _Part(n, table.bbox, xs, cells, len(ys) - 1)


def _cell_texts(table) -> list[list[str | None]]:
    """What pdfplumber's `table.extract()` gives, the same texts, without testing every
    character of the page against every row (a sixth of a PDF's reading): a character
    belongs to the cell holding its centre, and each row's band is found by bisection."""
    chars = table.page.chars
    centres = [((c["x0"] + c["x1"]) / 2, (c["top"] + c["bottom"]) / 2) for c in chars]
    by_height = sorted(range(len(chars)), key=lambda i: centres[i][1])
    heights = [centres[i][1] for i in by_height]
    texts = []
    for row in table.rows:
        _, top, _, bottom = row.bbox
        band = sorted(by_height[bisect_left(heights, top) : bisect_left(heights, bottom)])  # the page's order
        texts.append([None if cell is None else _text_in(chars, centres, band, cell) for cell in row.cells])
    return texts


def _text_in(chars: list[dict], centres: list[tuple[float, float]], band: list[int], cell) -> str:
    x0, top, x1, bottom = cell
    inside = [chars[i] for i in band if x0 <= centres[i][0] < x1 and top <= centres[i][1] < bottom]
    return extract_text(inside) if inside else ""


def _cell_text(text: str) -> str:
    """A cell's lines as one string: 三/、/本/年… printed a character a line comes out whole."""
    return join_lines([squeeze(line) for line in text.splitlines()])


def _lines(page, bboxes: list[tuple]) -> list[dict]:
    """The text lines outside the tables, top to bottom, page footers dropped."""

    def outside(obj: dict) -> bool:
        x, y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in bboxes)

    chars = [_on_baseline(c) for c in page.chars if outside(c)]
    found: list[dict] = []
    for line in chars_to_textmap(chars, layout_bbox=page.bbox).extract_text_lines(return_chars=True):
        text = squeeze(line["text"])
        if text and not is_footer(text, line["top"], line["bottom"], page.height):
            size = max(c["size"] for c in line["chars"])
            found.append(
                {
                    "text": text,
                    "top": line["top"],
                    "size": size,
                    "line": len(found) + 1,
                    "pieces": _pieces(line["chars"]),
                }
            )
    return found


# A gap between two characters wider than this share of their size parts two pieces (a space).
_PIECE_GAP = 0.25
# Cells of one column start at one x, a browser left-aligning them; a glyph's box may start a
# little right of its origin (Chromium's 日 2 pt right of 发), so within this many points.
_COLUMN_TOL = 3.0


def _pieces(chars: list[dict]) -> list[tuple[float, str]]:
    """A line's pieces: its characters parted at gaps, each with the x it starts at."""
    out: list[tuple[float, str]] = []
    end = None
    for c in sorted((c for c in chars if not c["text"].isspace()), key=lambda c: c["x0"]):
        if end is None or c["x0"] - end > _PIECE_GAP * c["size"]:
            out.append((c["x0"], c["text"]))
        else:
            out[-1] = (out[-1][0], out[-1][1] + c["text"])
        end = c["x1"]
    return out


def _on_baseline(char: dict) -> dict:
    """An upright character placed one font size tall above its baseline, as lines are grouped.

    A line's glyphs share a baseline, not a box: each font's box hangs its descent below it,
    and the descent is what the font descriptor says (LibreOffice writes 0 for fallback
    fonts such as WenQuanYi Micro Hei and AR PL UMing), or, where pdfium finds it unusable,
    the glyph's own outline. "温州市…办公室" in one font and "2022" in another then sat
    over 3 points apart with one reader and not the other, and one line became two.
    """
    a, b, c, d, _, origin = char["matrix"]
    if not (char["upright"] and a > 0 and d > 0 and not b and not c):
        return char
    # pdfminer's and pdfium's y0 and origin are in the same (PDF) frame, bottom in the page's.
    baseline = char["bottom"] + char["y0"] - origin
    top = baseline - char["size"]
    return {**char, "top": top, "bottom": baseline, "doctop": char["doctop"] - char["top"] + top}


def _continues(blocks: list, part: _Part) -> bool:
    """Join `part` to the table that ended the previous page if its columns fit."""
    if not blocks or not isinstance(blocks[-1], _Part):
        return False
    head = blocks[-1]
    last = head.more[-1] if head.more else head
    if last.page != part.page - 1:
        return False
    if abs(last.bbox[0] - part.bbox[0]) > _EDGE_TOL or abs(last.bbox[2] - part.bbox[2]) > _EDGE_TOL:
        return False
    if not (_within(part.xs, last.xs) or _within(last.xs, part.xs)):
        return False
    head.more.append(part)
    return True


def _within(xs: list[float], grid: list[float]) -> bool:
    return all(any(abs(x - g) <= _EDGE_TOL for g in grid) for x in xs)


def _table(head: _Part, file: str) -> Table:
    """The anchored cells of a table and its continuations, on their common column grid."""
    cells, n_rows = list(head.cells), head.n_rows
    for piece in head.more:
        cells, n_rows = _append(cells, n_rows, piece)
    xs = grid_lines([x for part in (head, *head.more) for x in part.xs])
    anchored = []
    for c in sorted(cells, key=lambda c: (c.row, c.x0)):
        col = grid_index(xs, c.x0)
        span = max(grid_index(xs, c.x1) - col, 1)
        anchored.append(TableCell(c.text, c.row, col, c.row_span, span, Provenance(file, c.page)))
    return Table(anchored, Provenance(file, head.page), explicit_cells=True)


def _append(cells: list[_CellBox], n_rows: int, piece: _Part) -> tuple[list[_CellBox], int]:
    """Rows of a continuation below the table so far, minus a repeated header."""
    skip = _repeated_header(cells, piece.cells, piece.n_rows)
    kept = [c for c in piece.cells if c.row >= skip]
    for c in kept:
        c.row += n_rows - skip
    first = [c for c in kept if c.row == n_rows]
    above = [next((a for a in cells if a.row + a.row_span == n_rows and _same_columns(a, c)), None) for c in first]
    if first and all(above) and all(_fragment(c.text) for c in first):
        # The row itself was cut by the page break (LibreOffice lets rows break):
        # its two pieces are one row.
        for a, c in zip(above, first):
            assert a is not None  # all(above)
            a.text, a.row_span = join_pieces(a.text, c.text), a.row_span + c.row_span - 1
        kept = [c for c in kept if c not in first]
        for c in kept:
            c.row -= 1
        return cells + kept, n_rows + piece.n_rows - skip - 1
    # Where neither side of the break holds a number (a header row, say), a cut label
    # need not span rows: “自然” / “人”.
    lenient = not any(re.search(r"\d", c.text) for c in first + [a for a in cells if a.row + a.row_span == n_rows])
    for a, c in zip(above, first):
        if a is not None and _cut_label(a, c, lenient):
            a.text, a.row_span = join_pieces(a.text, c.text), a.row_span + c.row_span
            kept.remove(c)
    return cells + kept, n_rows + piece.n_rows - skip


def _repeated_header(first: list[_CellBox], piece: list[_CellBox], n_rows: int) -> int:
    """How many leading rows of a continuation repeat the table's first rows."""
    skip = 0
    for k in range(1, n_rows):
        top = sorted((c.row, c.x0, c.text) for c in piece if c.row < k)
        if any(c.row < k < c.row + c.row_span for c in piece):
            continue  # k cuts through a cell: not a row boundary of the header
        mine = sorted((c.row, c.x0, c.text) for c in first if c.row < k)
        if [(r, t) for r, _, t in top] == [(r, t) for r, _, t in mine] and any(t for *_, t in top):
            skip = k
    return skip


def _same_columns(a: _CellBox, b: _CellBox) -> bool:
    return abs(a.x0 - b.x0) <= _EDGE_TOL and abs(a.x1 - b.x1) <= _EDGE_TOL


def _fragment(text: str) -> bool:
    """Blank, or the tail of a label: no digit, no 1./（一）numbering of its own."""
    return not re.search(r"\d", text) and not _ENUMERATOR.match(text)


def _cut_label(above: _CellBox, below: _CellBox, lenient: bool) -> bool:
    """Whether two cells across a page break are one label cut in two.

    The piece below is a fragment, and one of the two spans several rows, as group
    labels do (`lenient`: need not).
    """
    if not above.text or _NUMBER.fullmatch(above.text) or not _fragment(below.text):
        return False
    return lenient or above.row_span > 1 or below.row_span > 1
