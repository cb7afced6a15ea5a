"""gidr-etl plugin: reports written in Markdown, their tables as pipe tables.

Merged cells use MultiMarkdown's marks: an empty cell (two pipes side by side, ||)
belongs to the cell on its left, a cell of ^^ to the cell above.
"""

from __future__ import annotations

import re
from pathlib import Path

from gidr_etl import Document, ExtractionError, InputFormat, Provenance, Table, TableCell, TextBlock, hookimpl

__version__ = "0.1.0"

# The line under a table's header row: |---|:---:|---|
DELIMITER = re.compile(r"\|?(\s*:?-+:?\s*\|)+\s*(:?-+:?)?\s*")
LEFT, ABOVE = "", "^^"


def row_pieces(line: str) -> list[str]:
    """What sits between the pipes of a table row, one piece per column."""
    return line.strip().removeprefix("|").split("|")[:-1]


def table(rows: list[tuple[int, list[str]]], source: str) -> Table:
    """A Table from (line number, pieces) rows, merges made spans."""
    cells: list[TableCell] = []
    grid: dict[tuple[int, int], TableCell] = {}
    for r, (line, pieces) in enumerate(rows):
        for c, piece in enumerate(pieces):
            # "" (not " ": that is a blank cell) joins the cell on the left.
            owner = grid.get((r, c - 1)) if piece == LEFT else grid.get((r - 1, c)) if piece.strip() == ABOVE else None
            if owner is None:
                owner = TableCell(piece.strip(), r, c, prov=Provenance(source, line=line))
                cells.append(owner)
            owner.row_span = max(owner.row_span, r - owner.row + 1)
            owner.col_span = max(owner.col_span, c - owner.col + 1)
            grid[r, c] = owner
    return Table(cells, Provenance(source, line=rows[0][0]))


class MarkdownFormat(InputFormat):
    name = "markdown"
    extensions = (".md", ".markdown")

    def extract(self, path: Path) -> Document:
        try:
            text = Path(path).read_text("utf-8")
        except UnicodeDecodeError as exc:
            raise ExtractionError(f"not UTF-8 text: {exc.reason} at byte {exc.start}") from None
        source = str(path)
        blocks: list = []
        rows: list[tuple[int, list[str]]] = []
        for n, line in enumerate(text.splitlines() + [""], start=1):
            if line.lstrip().startswith("|"):
                if not DELIMITER.fullmatch(line.strip()):
                    rows.append((n, row_pieces(line)))
                continue
            if rows:
                blocks.append(table(rows, source))
                rows = []
            if line.strip():
                kind = "heading" if line.startswith("#") else "paragraph"
                blocks.append(TextBlock(line.lstrip("#").strip(), Provenance(source, line=n), kind))
        if not blocks:
            raise ExtractionError("empty Markdown file")
        return Document(source, self.name, blocks=blocks)


@hookimpl
def register_formats(register):
    register(MarkdownFormat())
