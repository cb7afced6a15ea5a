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
class TemplateCell:
    """One cell of the national template, (section, row, col), as read from a document."""

    section: str
    row: str
    col: str
    value: float | int | None = None
    raw: str | None = None
    status: str = MISSING
    prov: Provenance | None = None
    inferred: bool = False  # value fixed by the table's arithmetic, not by separators
    note: str | None = None
    confidence: float | None = None  # OCR recognition confidence of the value; None for text


@dataclass
class Finding:
    rule: str
    severity: str  # "error" | "warning" | "info" (a check that could not be decided)
    section: str | None
    row: str | None
    col: str | None
    message: str  # Chinese first, the English beside it: bilingual(zh, en)


def bilingual(zh: str, en: str) -> str:
    """A finding's message: the Chinese for the reader, the English beside it."""
    return f"{zh} · {en}"


@dataclass
class Metadata:
    """What a report says of itself; a field that cannot be found is None."""

    title: str | None = None
    agency: str | None = None
    year: int | None = None
    publish_date: str | None = None  # ISO date
    index_no: str | None = None  # 索引号


@dataclass(frozen=True)
class Placement:
    """Where the agency sits in the administrative divisions (GB/T 2260), and what placed it."""

    adcode: str | None
    province: str | None
    city: str | None
    county: str | None
    level: str | None
    kind: str | None
    name: str | None  # canonical: the divisions' full names and the office
    evidence: str | None

    @property
    def key(self) -> str | None:
        """The agency's identity across years and spellings: code, kind and canonical name."""
        return f"{self.adcode} {self.kind} {self.name}" if self.adcode and self.name else None

    def columns(self) -> dict[str, str | None]:
        return {
            "adcode": self.adcode,
            "province": self.province,
            "city": self.city,
            "county": self.county,
            "level": self.level,
            "kind": self.kind,
            "place_evidence": self.evidence,
        }


@dataclass(frozen=True)
class ProsePart:
    """A part of the report's prose (一、总体情况 …, or the preamble before the first part)."""

    part: str  # "preamble", "overall", "problems", "other" (reading.locate.PROSE_PARTS)
    heading: str  # as printed; "" for the preamble
    text: str


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
    template: str  # the template version ("2019", "2021") the tables follow
    metadata: Metadata = field(default_factory=Metadata)
    cells: dict[tuple[str, str, str], TemplateCell] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    place: Placement | None = None  # reading/places.py
    prose: list[ProsePart] = field(default_factory=list)
    prose_printed: list[ProsePart] = field(default_factory=list)  # the same, as printed
    parts: dict[str, str] = field(default_factory=dict)  # reading/report_parts.py: numbered part → its text
    tables_found: set[str] = field(default_factory=set)
    encoding: str | None = None
    pages: int | None = None

    def value(self, section: str, row: str, col: str) -> float | int | None:
        cell = self.cells.get((section, row, col))
        return None if cell is None else cell.value

    def status(self, section: str, row: str, col: str) -> str:
        cell = self.cells.get((section, row, col))
        return MISSING if cell is None else cell.status
