"""Plain-text input format: web-page text dumps and converter output.

Tables in text come in a few layouts, all recognised here:
  * pipe rows: cells separated by " | " on one line (a line of only pipes is a spacer);
  * pipe cells: one cell per line, each ending in " |" (a pipe row of one cell);
  * tab rows: cells separated by tabs;
  * a cell per paragraph: short lines separated by blank lines, many of them numbers;
  * drawn tables: box-drawing characters around each cell (w3m -dump; box_tables.py).
Everything else is text, one block per line.
"""

from __future__ import annotations

import re
from pathlib import Path

from gidr_etl.errors import ExtractionError
from gidr_etl.formats.base import TEXT_MAX_BYTES, InputFormat
from gidr_etl.formats.box_tables import box_table, is_box_line
from gidr_etl.hookspecs import hookimpl
from gidr_etl.model import Document, Provenance, Table, TableCell, TextBlock
from gidr_etl.reading.metadata import wrapped_text_hints
from gidr_etl.text.encoding import UndecodableError, decode

_NUMBERISH = re.compile(r"^\s*[-+]?[\d０-９][\d０-９,.]*\s*\S{0,4}\s*$")
# A paragraph-per-cell table: at least this many short paragraphs in a row …
_MIN_CELL_RUN = 12
# … each at most this long, without sentence punctuation.
_MAX_CELL_LEN = 60


def read_text(path: Path) -> tuple[str, str]:
    """A text file's text and the encoding it was in; an empty or undecodable file is an ExtractionError."""
    data = Path(path).read_bytes()
    if not data.strip():
        raise ExtractionError("empty file")
    try:
        return decode(data)
    except UndecodableError as exc:
        raise ExtractionError(str(exc)) from None


class TxtFormat(InputFormat):
    name = "txt"
    extensions = (".txt", ".text", "")
    priority = 0
    max_bytes = TEXT_MAX_BYTES

    def sniff(self, path: Path, head: bytes) -> int | None:
        if path.suffix.lower() in self.extensions:
            return self.EXTENSION
        return None

    def extract(self, path: Path) -> Document:
        text, encoding = read_text(path)
        doc = Document(str(path), "txt", blocks=parse_text(text, str(path)), encoding=encoding)
        doc.hints.update(wrapped_text_hints(text.splitlines()))
        return doc


def _kind(line: str) -> str:
    if not line.strip():
        return "blank"
    if "\t" in line:
        return "tab"
    if line.rstrip().endswith("|") or " | " in line:
        return "pipe"
    return "text"


def _pipe_cells(line: str) -> list[str]:
    # "a | b | |||": pieces that are empty are spacers (covered cells), a piece of
    # spaces is a blank cell.
    pieces = line.rstrip("\n").split("|")
    return [p.strip() for p in pieces if p != ""]


def _tab_cells(line: str) -> list[str]:
    return [c.strip() for c in line.split("\t")]


def _is_rule_row(cells: list[str]) -> bool:
    # Markdown-like "----\t---" separator rows carry nothing.
    return all(re.fullmatch(r"[-=—:]{3,}", c) for c in cells)


def parse_text(text: str, source: str) -> list:
    """The blocks of a text file: tables in any recognised layout, and lines of text."""
    lines = text.splitlines()
    blocks: list = []
    i = 0
    while i < len(lines):
        kind = _kind(lines[i])
        if is_box_line(lines[i]):
            j = next((k for k in range(i, len(lines)) if not is_box_line(lines[k])), len(lines))
            table = box_table(lines[i:j], source, i + 1)
            blocks.extend([table] if table else [])
            i = j
        elif kind in ("pipe", "tab"):
            j, rows = _table_rows(lines, i, kind)
            blocks.append(_table(rows, source, i + 1))
            i = j
        elif kind == "text" and (end := _cell_run_end(lines, i)) is not None:
            rows = [(n + 1, [lines[n].strip()]) for n in range(i, end) if lines[n].strip()]
            blocks.append(_table(rows, source, i + 1, rows_known=False))
            i = end
        else:
            if kind == "text":
                # Indented as printed: a laid-out table's columns are where its values stand.
                blocks.append(TextBlock(lines[i].rstrip(), Provenance(source, line=i + 1), kind="line"))
            i += 1
    return blocks


def _table_rows(lines: list[str], start: int, kind: str) -> tuple[int, list[tuple[int, list[str]]]]:
    """Rows of the table starting at `start`: (line number, cells); blank lines inside allowed."""
    split = _pipe_cells if kind == "pipe" else _tab_cells
    rows = []
    i = start
    while i < len(lines):
        k = _kind(lines[i])
        if k == "blank" and i + 1 < len(lines) and _kind(lines[i + 1]) == kind:
            i += 1
            continue
        if k != kind:
            break
        cells = split(lines[i])
        if cells and not _is_rule_row(cells):
            rows.append((i + 1, cells))
        i += 1
    return i, rows


def _cell_run_end(lines: list[str], start: int) -> int | None:
    """End of a paragraph-per-cell table starting at `start`, if one starts there."""
    if start and lines[start - 1].strip():
        # Cells stand alone on both sides: a short line right after another ("2" then a page
        # number "12") starts no cells, or the pair is split, one a cell and one a text line.
        return None
    i, cells, numbers = start, 0, 0
    while i < len(lines):
        line = lines[i].strip()
        if not line:
            i += 1
            continue
        if _kind(lines[i]) != "text" or len(line) > _MAX_CELL_LEN or "。" in line:
            break
        # Cells stand alone: the line before and after a cell is blank.
        if i + 1 < len(lines) and lines[i + 1].strip():
            break
        cells += 1
        numbers += bool(_NUMBERISH.match(line))
        i += 1
    if cells >= _MIN_CELL_RUN and numbers * 3 >= cells:
        return i
    return None


def _table(rows: list[tuple[int, list[str]]], source: str, first_line: int, rows_known: bool = True) -> Table:
    cells = [
        TableCell(text, r, c, prov=Provenance(source, line=line_no))
        for r, (line_no, texts) in enumerate(rows)
        for c, text in enumerate(texts)
    ]
    # A single cell per line says nothing about the printed rows; a table mostly
    # of such lines is a stream of cells even if a few lines hold two.
    known = rows_known and sum(len(texts) > 1 for _, texts in rows) * 2 >= len(rows)
    return Table(cells, Provenance(source, line=first_line), rows_known=known)


@hookimpl
def register_formats(register):
    register(TxtFormat())
