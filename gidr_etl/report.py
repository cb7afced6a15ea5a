"""What the core makes of one document: metadata, template cells, findings, prose."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from gidr_etl.model import Provenance

# Status of a template cell, as stored in cells.status.
READ = "read"  # a number was printed and read
BLANK = "blank"  # printed blank or as a placeholder: NULL + cell_blank
AMBIGUOUS = "ambiguous"  # digits could not be split uniquely: NULL + cell_ambiguous
UNREADABLE = "unreadable"  # text that is not a number: NULL + cell_unreadable
MISSING = "missing"  # not located in the document: NULL + cell_missing


@dataclass
class Cell:
    section: str
    row: str
    col: str
    value: float | int | None = None
    raw: str | None = None
    status: str = MISSING
    prov: Provenance | None = None
    inferred: bool = False  # value fixed by the table's arithmetic, not by separators
    note: str | None = None


@dataclass
class Finding:
    rule: str
    severity: str  # "error" | "warning"
    section: str | None
    row: str | None
    col: str | None
    message: str


class Issue(NamedTuple):
    """What a rule found, before the engine names the rule and its severity."""

    section: str | None
    row: str | None
    col: str | None
    message: str


@dataclass
class Report:
    source: str
    format: str
    template: str | None = None
    metadata: dict[str, object] = field(default_factory=dict)  # agency, year, title, publish_date, index_no
    cells: dict[tuple[str, str, str], Cell] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    prose: list[tuple[str, str, str]] = field(default_factory=list)  # (part, heading, text)
    prose_printed: list[tuple[str, str, str]] = field(default_factory=list)  # the same, as printed
    tables_found: set[str] = field(default_factory=set)
    encoding: str | None = None
    pages: int | None = None
    # Digit runs that hold several cells ("640020470"), for the solver: (text, cell keys).
    runs: list[tuple[str, list[tuple[str, str, str]]]] = field(default_factory=list)

    def value(self, section: str, row: str, col: str):
        cell = self.cells.get((section, row, col))
        return None if cell is None else cell.value

    def status(self, section: str, row: str, col: str) -> str:
        cell = self.cells.get((section, row, col))
        return MISSING if cell is None else cell.status
