"""The proposer for a row of separated values: its readings, strongest evidence first.

A row printed with as many values as columns reads them in printed order. A row printed with a
value missing, or an extra number in it, could be aligned with its columns in several ways: each
order-keeping alignment is a reading (reading/placements.py), and reading/chooser.py keeps those
the row's own stated equations allow, a cell standing only where they all agree. Guessing the
alignment (keeping the first n values, shifting the rest left) is how wrong numbers are made.

Where the row prints more values than columns, the layout says what is no value: alignments
dropping nothing else are `layout_drop` readings, which stand when the row's sums fail (the
source's own); alignments dropping a printed number are `arithmetic` readings, which need the
sums to single them out. The layout hypotheses, each made by a real producer:
- padding, blanks at a row's end: a crawler's pipe text pads each row to the grid's width with
  bare "|"s, a blank cell printing the same (seed 002: "… | 0 | ||"); pandoc's and markitdown's
  Markdown tables pad a short row to the header's width;
- span filler, blanks at a row's start: a Markdown table (pandoc, markitdown, an OCR service's
  pipe pieces) prints a merged label as the label and empty cells. Where the table's header
  places its value columns (template_cells.value_area), filler is only what stands left of them:
  a blank under a value column is a cell, or the span of a value cell merged over columns;
- lone number lines: a page number pdftotext or a web page's text leaves on a line of its own
  ("12") between rows printed several values a line, or between table cells.
A table whose writer emits every cell (HTML, Word, a PDF's ruled grid: tokens.Token.explicit)
makes none of them: its blank cells are cells.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations
from math import comb

from gidr_etl.reading.placements import Reading
from gidr_etl.reading.tokens import Token

# Beyond this many alignments a row is left ambiguous rather than searched.
MAX_ALIGNMENTS = 20_000

PRODUCER = "row_alignment"


def full_row(tokens: list[Token], filler: bool = True) -> Iterator[list[Reading]]:
    """A row printed with as many cells as columns: the cells in printed order. Where its first
    or last cells are blanks a dump may have made (Token.may_pad), they may be cells left blank,
    or padding a crawler's pipe text added to a row its page printed one cell short (each row
    padded to the grid's width, a blank cell and padding alike), or a Markdown table's filler
    after a merged label (see the module's docstring): that reading stands only where the row's
    own arithmetic can hold, and the printed values without those blanks are then aligned like
    any short row. `filler=False`: the blanks at its start stand where the table's header places
    value columns (a pipe table), so they are cells, never a label's span filler."""
    trail = next((i for i, t in enumerate(reversed(tokens)) if not t.may_pad()), len(tokens))
    lead = next((i for i, t in enumerate(tokens) if not t.may_pad()), len(tokens)) if filler else 0
    if not (trail or lead) or trail == len(tokens):
        evidence = "explicit_cell" if all(t.explicit for t in tokens) else "printed_order"
        yield [Reading(tuple(tokens), evidence, PRODUCER)]
        return
    yield [Reading(tuple(tokens), "padded_order", PRODUCER)]
    yield from alignments(trimmed(tokens, lead=filler), len(tokens), filler)


def trimmed(run: list[Token], lead: bool) -> list[Token]:
    """`run` without the blank cells at its end (padding), and at its start (span filler)."""
    out = list(run)
    while out and out[-1].may_pad():
        out.pop()
    while lead and out and out[0].may_pad():
        out.pop(0)
    return out


def lone_lines(run: list[Token]) -> set[int]:
    """Positions in `run` of numbers printed alone on a text line while the rest of the row
    is printed otherwise (several values a line, or table cells): page numbers, not values."""

    def line(tok: Token):
        return (tok.prov.file, tok.prov.page, tok.prov.line) if tok.prov and tok.prov.line is not None else None

    lone = {
        i
        for i, t in enumerate(run)
        if not t.in_table and line(t) is not None and not t.is_blank() and sum(line(u) == line(t) for u in run) == 1
    }
    return lone if len(lone) < len(run) else set()


def alignments(run: list[Token], n: int, filler: bool = True) -> Iterator[list[Reading]]:
    """A row of len(run) != n separated values (or one a dump may have glued): every order-keeping
    alignment with its n columns, those dropping only what is no value (padding, page numbers)
    first. A row short of values once the blanks at its ends are set aside (they may be padding,
    span filler or blank cells) has every placement of its values as a reading. `filler=False`:
    blanks at its start are cells (see full_row)."""
    if 0 < len(bare := trimmed(run, lead=filler)) < n:
        run = bare
    layout: list[Reading] = []
    others: list[Reading] = []
    for option, preferred in _alignments(run, n, filler):
        (layout if preferred else others).append(
            Reading(option, "layout_drop" if preferred else "arithmetic", PRODUCER)
        )
    yield layout
    yield others


def _alignments(run: list[Token], n: int, filler: bool):
    """Each order-keeping alignment of the printed values with n columns, and whether it drops
    only what is no value: blank padding at the row's ends, lone number lines."""
    m = len(run)
    if comb(max(m, n), min(m, n)) > MAX_ALIGNMENTS:
        return
    if m < n:  # which columns the printed values stand in
        for cols in combinations(range(n), m):
            slots: list[Token | None] = [None] * n
            for tok, c in zip(run, cols):
                slots[c] = tok
            yield tuple(slots), False
        return
    lead = next((i for i, t in enumerate(run) if not t.may_pad()), m) if filler else 0
    trail = next((i for i, t in enumerate(reversed(run)) if not t.may_pad()), m)
    droppable = lone_lines(run) | set(range(lead)) | set(range(m - trail, m))
    for kept in combinations(range(m), n):
        yield tuple(run[i] for i in kept), set(range(m)) - set(kept) <= droppable
