"""The reading model: readers propose placements of printed values in template cells, each with
the evidence behind it; reading/chooser.py alone decides which placement stands.

A proposer (a reader of one layout) turns a printed row, or a block of rows, into readings: each
reading places every cell of the group, a printed token or nothing, and says what shows it. The
evidence is ranked once, here, as data: the strongest evidence a proposer has for a group is what
the group is read by, the arithmetic only chooses among the readings that evidence leaves open,
and a cell the surviving readings disagree on is NULL with `cell_ambiguous` (never a guess).

Every kind of evidence names the real producers whose output shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from gidr_etl.reading.tokens import Token
from gidr_etl.template.arithmetic import Key


@dataclass(frozen=True)
class Evidence:
    name: str
    # Whether its readings stand when the row's sums fail: the structure shows them, so the sums
    # that fail are the source's own (findings of the validation rules). Evidence that does not
    # stand only offers placements for the arithmetic to single out; with none, the next evidence.
    stands: bool
    shown_by: str  # the producers whose output shows it


# Strongest first. A group's readings are read by the first kind of evidence any of them has.
EVIDENCE: tuple[Evidence, ...] = (
    Evidence(
        "explicit_cell",
        True,
        "a writer that emits every cell (HTML <td>, Word cells, a PDF's or a scan's ruled grid): "
        "each value where it stands, a blank cell blank",
    ),
    Evidence(
        "column_position",
        True,
        "a converter that lays the table out on a character grid (pdftotext -layout; w3m and lynx "
        "dumps): a value under the one column heading it stands under (reading/columns.py)",
    ),
    Evidence(
        "cell_lines",
        True,
        "a converter that prints a cell a line and a blank cell as empty lines (LibreOffice's txt "
        "export, docx2txt, lynx): the lines after the label count the cells (reading/columns.py)",
    ),
    Evidence(
        "label_order",
        True,
        "a degraded conversion printing a block of labels, then their values row by row or column "
        "by column (pdfminer.six's text boxes): every pairing of labels and value rows "
        "(reading/label_pairing.py)",
    ),
    Evidence(
        "printed_order",
        True,
        "a text row printing as many values as the row has cells (a row a line, tabs, pipes, "
        "a stream of cells): each in printed order",
    ),
    Evidence(
        "spaced_thousands",
        True,
        "a row one value short whose cell prints digits spaced like thousands ('10 113'): "
        "pdftohtml and markitdown put two neighbouring cells in one item, so two values",
    ),
    Evidence(
        "digit_count",
        True,
        "a crawler's dump printing a row's cells run together, its zeros too, one digit a cell "
        "(Pingtan 2021: '6000017' is 6,0,0,0,0,1,7): the digits' count places them "
        "(reading/digit_runs/)",
    ),
    Evidence(
        "padded_order",
        False,
        "as many values as cells, the first or last blank: a crawler's pipe text pads each row "
        "to the grid's width with bare '|'s, a Markdown table (pandoc, markitdown, an OCR "
        "service's pipe pieces) prints a merged label's span as empty cells; blanks that may be "
        "cells or padding (reading/row_alignment.py)",
    ),
    Evidence(
        "layout_drop",
        True,
        "a row printing more values than cells, read dropping only what its layout shows is no "
        "value: padding and span filler at its ends, a page number pdftotext or a web page's text "
        "left on a line of its own (reading/row_alignment.py)",
    ),
    Evidence(
        "arithmetic",
        False,
        "a row printing fewer values than cells, or more than its layout explains (a text dump "
        "that drops blank cells): every order-keeping placement, for the row's sums alone to "
        "single out (reading/row_alignment.py)",
    ),
    Evidence(
        "digit_split",
        False,
        "a crawler's dump printing a row's cells run together, some of several digits "
        "('640020470'): every cut, for the table's equations across rows to single out "
        "(reading/digit_runs/)",
    ),
)
RANK: dict[str, int] = {e.name: i for i, e in enumerate(EVIDENCE)}


@dataclass(frozen=True)
class Candidate:
    """One value proposed for one cell: the printed token (None: nothing printed there), why,
    and which reader proposed it. Its provenance is the token's."""

    cell: Key
    token: Token | None
    evidence: str
    producer: str


@dataclass(frozen=True)
class Reading:
    """One placement of a group's printed values in its cells (in the group's key order)."""

    tokens: tuple[Token | None, ...]
    evidence: str
    producer: str  # the reader (module) that proposed it

    @property
    def rank(self) -> int:
        return RANK[self.evidence]

    def candidates(self, keys: list[Key]) -> list[Candidate]:
        return [Candidate(k, t, self.evidence, self.producer) for k, t in zip(keys, self.tokens, strict=True)]


class Exhausted(Exception):
    """A proposer or the chooser reached its limit or its time budget: nothing it saw is certain."""


class Group(Protocol):
    """Cells whose readings a proposer enumerates under the chooser's constraints, for groups the
    equations link across rows (chooser.choose_linked): a crawler dump's digit run."""

    cells: list[Key]

    @property
    def evidence(self) -> str: ...

    def options(self, fixed: dict[int, int], inner: list, deadline: float, cap: int = ...) -> list[tuple[int, ...]]: ...
