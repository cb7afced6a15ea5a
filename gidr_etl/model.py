"""The common intermediate model every input-format plugin produces.

A Document is an ordered list of blocks: TextBlocks (prose, headings, lines) and
Tables. A Table holds its cells anchored at (row, col) with row/col spans, the way
docling does; the dense grid is derived from them. Every block and cell carries its
Provenance (file, page, line). Format plugins know nothing of the report template.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Provenance:
    """Where a piece of text was read: file, 1-based page and line when known, and for
    text read from an image its box on the page (x0, top, x1, bottom in points)."""

    file: str
    page: int | None = None
    line: int | None = None
    bbox: tuple[float, float, float, float] | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.page is not None:
            where.append(f"p.{self.page}")
        if self.line is not None:
            where.append(f"l.{self.line}")
        return ":".join(where)


@dataclass
class TextBlock:
    """A run of text in reading order: a paragraph, a heading or one line."""

    text: str
    prov: Provenance
    kind: str = "paragraph"  # "heading" | "paragraph" | "line"
    # Recognition confidence (0–1) of text read from an image (its least certain piece); None for a text layer.
    confidence: float | None = None


@dataclass
class TableCell:
    """One printed cell, anchored at its top-left grid position."""

    text: str
    row: int
    col: int
    row_span: int = 1
    col_span: int = 1
    prov: Provenance | None = None
    # Recognition confidence (0–1) of text read from an image; None for a text layer.
    confidence: float | None = None


@dataclass
class Table:
    """A table as printed: anchored cells with spans; the grid is derived."""

    cells: list[TableCell]
    prov: Provenance
    # Plugins that can only see a stream of cells (one per line, say) with no row
    # structure mark it, so the core does not trust row boundaries.
    rows_known: bool = True
    # Formats whose tables hold every cell their writer made set it: an HTML <td>, a Word
    # cell, a cell of a PDF's or a scan's ruled grid. A blank cell there is a cell left blank,
    # never padding, span filler or part of a digit run (the reader's layout hypotheses for
    # text dumps and converters' pipe tables).
    explicit_cells: bool = False

    @property
    def n_rows(self) -> int:
        return max((c.row + c.row_span for c in self.cells), default=0)

    @property
    def n_cols(self) -> int:
        return max((c.col + c.col_span for c in self.cells), default=0)

    def grid(self) -> list[list[TableCell | None]]:
        """Dense n_rows × n_cols grid; a spanned position points at its anchor cell."""
        width = self.n_cols  # once: a property that scans every cell
        grid: list[list[TableCell | None]] = [[None] * width for _ in range(self.n_rows)]
        for cell in self.cells:
            for r in range(cell.row, cell.row + cell.row_span):
                for c in range(cell.col, cell.col + cell.col_span):
                    grid[r][c] = cell
        return grid

    def reading_order(self) -> list[TableCell]:
        """Anchored cells row by row, left to right: each merged cell once."""
        return sorted(self.cells, key=lambda c: (c.row, c.col))

    @classmethod
    def from_rows(cls, rows: list[list[str]], prov: Provenance, **kw) -> Table:
        """A table with no merges from rows of cell texts (line numbers from prov)."""
        cells = [
            TableCell(text, r, c, prov=Provenance(prov.file, prov.page, prov.line + r if prov.line else None))
            for r, row in enumerate(rows)
            for c, text in enumerate(row)
        ]
        return cls(cells, prov, **kw)


Block = TextBlock | Table


@dataclass
class Document:
    """What a format plugin read from one file."""

    source: str
    format: str
    blocks: list[Block] = field(default_factory=list)
    encoding: str | None = None
    pages: int | None = None
    # Format-level hints for the metadata: e.g. an HTML <title>, DOCX core
    # properties' date. Keys: title, publish_date, index_no, agency.
    hints: dict[str, str] = field(default_factory=dict)

    def tables(self) -> Iterator[Table]:
        return (b for b in self.blocks if isinstance(b, Table))

    def text_blocks(self) -> Iterator[TextBlock]:
        return (b for b in self.blocks if isinstance(b, TextBlock))

    def recognised(self) -> bool:
        """Whether its text was read from images: a text block carries a recognition
        confidence, whichever format (a plugin's own OCR reader too) read it."""
        return any(b.confidence is not None for b in self.text_blocks())
