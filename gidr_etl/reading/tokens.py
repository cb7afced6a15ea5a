"""A Document flattened into one stream of tokens in reading order.

Whatever the format, a report's tables read the same way as a stream: a row label
followed by its values. Table cells become tokens (each merged cell once, at its
anchor); text blocks become one token per line. A token from a table with known
rows remembers its row, so that a row's values are never taken from the next row.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from gidr_etl.model import Document, Provenance, Table
from gidr_etl.text.cjk import page_footer
from gidr_etl.text.normalize import compact, label_key, normalize_text

# A printed value: a number (sign, full-width digits and separators already
# normalised), an optional unit and an optional note in brackets; or a placeholder.
VALUE = re.compile(
    r"^(?P<num>[-+]?\d[\d,]*(?:\.\d+)?)\s*(?P<unit>万元|元|件|个|项|条|次|起)?\s*"
    r"(?:\((?P<unit2>万元|元)\))?\s*(?:[(\[【].*[)\]】])?$"
)
PLACEHOLDERS = {"", "/", "-", "—", "——", "–", "无", "空", "\\", "/ ", "－"}
# A cell an image's reader could not read (formats/ocr, with a confidence of 0): it stands in
# its place, unreadable. Only there: a text's "?" is no cell of this kind.
UNREAD = "?"
# A run of digits too long to be one cell's number is (probably) several cells run together;
# a sign before it belongs to its first cell (a dump's 本年增/减 glued to its neighbours: "-12391").
DIGIT_RUN = re.compile(r"^[+-]?\d[\d ]*$")
# Numbers apart by spaces in one cell or text item are several values, never one number:
# pdftohtml joins two neighbouring cells' text into one item ("72 64"), markitdown puts two
# values in one cell ("10 1"). Only a space between groups of three digits is a thousands
# separator, as some reports print large figures ("12 459").
SPACED_NUMBERS = re.compile(r"[-+]?\d+(?:\.\d+)?(?: +[-+]?\d+(?:\.\d+)?)+")
SPACED_THOUSANDS = re.compile(r"[-+]?\d{1,3}(?: \d{3})+(?:\.\d+)?")
# Lines a converter leaves inside a table that belong to no cell: page footers
# ("— 5 —", "第3页 共5页"; the page number short, as a longer number between dashes may
# be a value) and generic column headers ("数据1", "Column2").
FURNITURE = re.compile(
    "^(?:" + page_footer(r"\d{1,3}") + r"|(?:(?:数据|列|栏|column|col|unnamed:?)\s*\d{1,2}\s*)+)$",
    re.IGNORECASE,
)
_MAX_FURNITURE = 30  # characters: footers and generic headers are short
# Converters that keep the page layout (pdftotext -layout, OCR) print a row as its
# label, a wide gap, then its values: two or more spaces mark a column gap.
_GAP = re.compile(r"\s{2,}|\t")


@dataclass
class Token:
    text: str  # as printed (stripped)
    norm: str  # normalize_text(text), stripped
    key: str  # label_key(text)
    prov: Provenance | None
    row_id: tuple[int, int] | None  # (table index, row) when the table's rows are known
    in_table: bool
    value_like: bool = False  # see is_value: asked of every token many times, so set once
    confidence: float | None = None  # OCR recognition confidence of a table cell's text
    # Printed with no separator inside or around it: a whole text line, or a piece a run-on
    # dump was cut into. Only such a token may hold several cells' digits run together.
    glued: bool = False
    # A cell of a table whose writer emits every cell (model.Table.explicit_cells: HTML, Word,
    # a PDF's or a scan's ruled grid): it stands where it is printed, a blank one is blank.
    explicit: bool = False
    col: int | None = None  # a table cell's grid column (its anchor's)
    # A dump's number whose last piece stands apart, spaces on both sides ("规章500 3 行政…"):
    # that piece may be a page number a converter left in the one-line text (digit_runs/dumps.py).
    apart: bool = False
    # A piece of a laid-out text line: the line as printed and where the piece starts in it
    # (reading/columns.py places a row's values by it).
    at: tuple[str, int] | None = None
    # A printed line that is no token (page furniture) lies between this token and the one before.
    after_dropped: bool = False

    @property
    def compact(self) -> str:
        return compact(self.text)

    @property
    def printed_line(self) -> tuple[int | None, int] | None:
        """The text line it was printed on (page, line); None where lines are not known."""
        return (self.prov.page, self.prov.line) if self.prov and self.prov.line is not None else None

    def is_value(self) -> bool:
        """A token that can stand in a value position: a number, a placeholder, a blank."""
        return self.value_like

    def is_blank(self) -> bool:
        return self.norm.replace(" ", "") in PLACEHOLDERS

    def may_pad(self) -> bool:
        """A blank that may be padding or span filler rather than a cell. Only text dumps make
        such blanks: a crawler's pipe text pads a row to the grid's width with bare "|"s (seed
        002: "… | 0 | ||"), a converter's pipe table prints a span as empty cells. Both are
        empty: a placeholder the author printed ("—", "/", "无") is a cell, and so is an
        explicit cell (see `explicit`). So is a blank in a stream of cells printed a cell a line
        (a table whose rows are not known): that crawler (seeds 000, 001: "0 |" a line, rows
        apart by "||") prints a merged cell's span and a row's padding as bare pipes, which
        are no cells, and a blank cell as " |"."""
        return not self.norm.strip() and not self.explicit and not (self.in_table and self.row_id is None)


def tokens(doc: Document) -> list[Token]:
    """Every table cell and text line of `doc` as a token, in reading order."""
    out: list[Token] = []
    dropped = False
    for t_index, block in enumerate(doc.blocks):
        if isinstance(block, Table):
            for cell in block.reading_order():
                row_id = (t_index, cell.row) if block.rows_known else None
                out.extend(
                    _token(
                        text,
                        cell.prov or block.prov,
                        row_id,
                        True,
                        cell.confidence,
                        explicit=block.explicit_cells,
                        col=cell.col,
                    )
                    for text in numbers_apart(cell.text)
                )
        else:
            for n, line in enumerate(block.text.splitlines()):
                prov = block.prov
                if prov.line is not None and n:
                    prov = Provenance(prov.file, prov.page, prov.line + n)
                pieces = layout_cells(line)
                glued = len(pieces) == 1 and pieces[0] == line.strip()
                dropped = dropped or (not pieces and bool(line.strip()))
                start = 0
                # A glued line's spaced digits are a dump's digit run, its spaces fixed cuts
                # (template_cells.settle_row); a cell of a laid-out line is cut like a table cell.
                for text in (t for piece in pieces for t in ([piece] if glued else numbers_apart(piece))):
                    out.append(tok := _token(text, prov, None, False, glued=glued))
                    tok.after_dropped, dropped = dropped, False
                    if (start := line.find(text, start)) >= 0:
                        tok.at, start = (line, start), start + len(text)
                    else:
                        start = 0
    return out


def scanned(tok: Token) -> bool:
    """Whether `tok` is a cell of a ruled grid an image's reader read (it carries a confidence)."""
    return tok.explicit and tok.confidence is not None


def text_cells(toks: list[Token], i: int, end: int | None = None) -> list[Token]:
    """toks[i] and the text cells after it in its table row, up to the row's first value
    (toks[i] alone outside a table row)."""
    stop = len(toks) if end is None else end
    out = [toks[i]]
    j = i + 1
    while toks[i].row_id is not None and j < stop and toks[j].row_id == toks[i].row_id and not toks[j].is_value():
        out.append(toks[j])
        j += 1
    return out


# How many cells of one table row a caption cut apart may run over.
_MAX_CUT = 3


def joined_cells(toks: list[Token], i: int, end: int | None = None) -> Iterator[str]:
    """toks[i]'s text (compact), then joined with each next text cell of its table row in turn,
    up to _MAX_CUT cells: a caption or label a producer cut over cells of its row (pymupdf4llm's
    tables cut a caption cell where its wrapped lines' text columns fall: "第二十条第（一）" |
    "项"; a fax's strokes close into a ruling through it: "第二" | "-条第（五）项")."""
    joined = ""
    for tok in text_cells(toks, i, end)[:_MAX_CUT]:
        joined += tok.compact
        yield joined


def _prints(toks: list[Token], i: int, text: str) -> bool:
    """Whether `text` begins in toks[i]: in it alone, or run on into the next cells of its row."""
    first = toks[i].compact
    if text in first or toks[i].row_id is None:  # asked of every token: the cell alone first
        return text in first
    return any(text in joined and text not in joined[len(first) :] for joined in joined_cells(toks, i))


def first_printing(toks: list[Token], texts: list[str], start: int = 0, end: int | None = None) -> int | None:
    """The first index in [start, end) where one of `texts` begins (see `_prints`)."""
    stop = len(toks) if end is None else end
    return next((i for i in range(start, stop) if any(_prints(toks, i, text) for text in texts)), None)


def numbers_apart(text: str) -> list[str]:
    """A cell's text as the values it prints: several where numbers stand apart by spaces
    (see SPACED_NUMBERS), else the text itself."""
    norm = normalize_text(text).strip()
    if SPACED_NUMBERS.fullmatch(norm) and not SPACED_THOUSANDS.fullmatch(norm):
        return text.split()
    return [text]


def thousands_apart(tok: Token, items: bool = False) -> list[Token]:
    """A cell printed as digits spaced like thousands ("10 113") as the numbers it may also be
    (10 and 113), for a row that prints one value short of its cells; else the token itself.
    `items`: the row's tokens are text items of their own, not one line a crawler ran together:
    one without column gaps splits at any space between numbers, as pdftohtml prints two
    neighbouring cells as one item ("72 64"). A dump's line is the digit-run solver's to cut."""
    pattern = (SPACED_NUMBERS if items else None) if tok.glued else SPACED_THOUSANDS
    if pattern is None or not pattern.fullmatch(tok.norm):
        return [tok]
    return [replace(tok, text=p, norm=normalize_text(p).strip(), key=label_key(p)) for p in tok.text.split()]


def layout_cells(line: str) -> list[str]:
    """A text line as the cells it prints: a laid-out row "label   1   0   3" becomes
    its label and values; page furniture becomes nothing; other lines stay whole."""
    line = line.strip()
    if not line or (len(line) <= _MAX_FURNITURE and FURNITURE.match(normalize_text(line).strip())):
        return []
    if not _GAP.search(line):
        # No column gap: prose ("申请 21" wrapped), or digits a crawler ran together,
        # which the digit-run solver splits.
        return [line]
    pieces = line.split()
    n = len(pieces)
    while n and _value_like(normalize_text(pieces[n - 1]).strip()):
        n -= 1
    values = pieces[n:]
    if not any(ch.isdigit() for v in values for ch in v):
        return [line]
    # Where the values start: the line with its trailing values cut off.
    rest = line
    for v in reversed(values):
        rest = rest.rstrip()[: -len(v)]
    if not rest.strip():
        return values if len(values) > 1 else [line]  # a row of values only
    # The label must end in a column gap, not a single space; unless the values stand apart in
    # columns: w3m pads each cell to its column's width, a label as wide leaving one space.
    if not _GAP.fullmatch(rest[len(rest.rstrip()) :]) and not (len(values) > 1 and _GAP.search(line[len(rest) :])):
        return [line]
    return [rest.strip(), *values]


def _token(
    text: str,
    prov: Provenance | None,
    row_id,
    in_table: bool,
    confidence: float | None = None,
    glued: bool = False,
    explicit: bool = False,
    col: int | None = None,
) -> Token:
    text = text.strip()
    norm = normalize_text(text).strip()
    value_like = _value_like(norm) or (confidence is not None and norm == UNREAD)
    return Token(text, norm, label_key(text), prov, row_id, in_table, value_like, confidence, glued, explicit, col)


def _value_like(norm: str) -> bool:
    n = norm.replace(" ", "")
    return n in PLACEHOLDERS or bool(VALUE.match(n))


def lines(doc: Document) -> list[str]:
    """The document as normalised lines: text lines, and table rows joined with " | "."""
    out: list[str] = []
    for block in doc.blocks:
        if isinstance(block, Table):
            for row in block.grid() if block.rows_known else [[c] for c in block.reading_order()]:
                seen, texts = set(), []
                for cell in row:
                    if cell is not None and id(cell) not in seen:
                        seen.add(id(cell))
                        texts.append(normalize_text(cell.text).strip())
                out.append(" | ".join(texts))
        else:
            out.extend(normalize_text(line).strip() for line in block.text.splitlines() if line.strip())
    return out
