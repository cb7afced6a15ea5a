"""Rows printed with more or fewer separated values than columns: which value is which cell.

A row printed with a value missing, or an extra number in it, could be aligned with its
columns in several ways. An alignment keeps the printed order; it is admissible when the
row's own stated equations (template/arithmetic.py, those lying wholly in the row) can
hold, counts being never negative. A cell keeps its value only when every admissible
alignment gives it the same printed value; any other cell is ambiguous. Guessing the
alignment (keeping the first n values, shifting the rest left) is how wrong numbers are made.

Where the row prints more values than columns, the layout says what is no value, and only
alignments dropping nothing else are taken (the arithmetic chooses among them; where none adds
up, the row is read as they agree and its sums fail as the source's own). The layout
hypotheses, each made by a real producer:
- padding, blanks at a row's end: a crawler's pipe text pads each row to the grid's width with
  bare "|"s, a blank cell printing the same (seed 002: "… | 0 | ||"); pandoc's and markitdown's
  Markdown tables pad a short row to the header's width;
- span filler, blanks at a row's start: a Markdown table (pandoc, markitdown, an OCR service's
  pipe pieces) prints a merged label as the label and empty cells;
- lone number lines: a page number pdftotext or a web page's text leaves on a line of its own
  ("12") between rows printed several values a line, or between table cells.
A table whose writer emits every cell (HTML, Word, a PDF's ruled grid: tokens.Token.explicit)
makes none of them: its blank cells are cells.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from math import comb

from gidr_etl.reading.tokens import Token
from gidr_etl.reading.values import read_value
from gidr_etl.report import BLANK, READ
from gidr_etl.template.arithmetic import Equation, Key

# Beyond this many alignments a row is left ambiguous rather than searched.
MAX_ALIGNMENTS = 20_000

Alignment = tuple[Token | None, ...]  # per column, the printed value it gets (None: none printed)


@dataclass
class Aligned:
    """Per column the value every admissible alignment gives it (None: none printed there),
    and the columns where admissible alignments disagree."""

    tokens: list[Token | None]
    ambiguous: set[int]
    count: int  # admissible alignments


def row_equations(equations: list[Equation] | tuple[Equation, ...], keys: list[Key]) -> list[Equation]:
    """The stated equations whose cells all lie in this printed row."""
    inside = set(keys)
    return [eq for eq in equations if set(eq.left) <= inside and set(eq.right) <= inside]


def unpadded(tokens: list[Token], keys: list[Key], equations: list[Equation]) -> list[Token] | None:
    """A row printed with as many cells as columns whose first or last cells are blank: the blanks
    may be cells left blank, or padding a crawler's pipe text added to a row its page printed
    one cell short (each row padded to the grid's width, a blank cell and padding alike), or a
    Markdown table's filler after a merged label (see the module's docstring). Where the row's
    own arithmetic cannot hold with the blanks as cells, they may be padding or filler: the
    printed values without them, to be aligned like any short row."""
    trail = next((i for i, t in enumerate(reversed(tokens)) if not t.may_pad()), len(tokens))
    lead = next((i for i, t in enumerate(tokens) if not t.may_pad()), len(tokens))
    if not (trail or lead) or trail == len(tokens):
        return None
    values = {k: value_of(t) for k, t in zip(keys, tokens)}
    if all(_can_hold(eq, values) for eq in equations):
        return None
    return trimmed(tokens, lead=True)


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


def align(run: list[Token], keys: list[Key], equations: list[Equation]) -> Aligned:
    """Settle a row of len(run) != len(keys) separated values by its own arithmetic."""
    n = len(keys)
    # A row short of values once the blanks at its ends are set aside: they may be padding,
    # span filler or blank cells, so every placement of its values is an alignment.
    if 0 < len(bare := trimmed(run, lead=True)) < n:
        run = bare
    options = list(_alignments(run, n))
    if not options:
        return Aligned([None] * n, set(range(n)), 0)
    values = [value_of(t) for t in run]
    index = {id(t): i for i, t in enumerate(run)}

    def holds(o: Alignment) -> bool:
        return all(
            _can_hold(eq, {k: values[index[id(t)]] if t is not None else None for k, t in zip(keys, o)})
            for eq in equations
        )

    # Dropping only what is no value (padding, page numbers) is what the layout says: the
    # arithmetic chooses among those readings, and where none of them adds up, the row is
    # read as they agree and its sums fail as the source's own (findings). A printed number
    # is dropped only where no such reading exists and the arithmetic singles it out.
    layout = [o for o, preferred in options if preferred]
    admissible = [o for o in layout if holds(o)] or layout or [o for o, _ in options if holds(o)]
    if not admissible:
        return Aligned([None] * n, set(range(n)), 0)
    tokens: list[Token | None] = []
    ambiguous = set()
    for c in range(n):
        printed = {o[c].norm if o[c] is not None else None for o in admissible}
        tokens.append(admissible[0][c] if len(printed) == 1 else None)
        if len(printed) > 1:
            ambiguous.add(c)
    return Aligned(tokens, ambiguous, len(admissible))


def _alignments(run: list[Token], n: int):
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
    lead = next((i for i, t in enumerate(run) if not t.may_pad()), m)
    trail = next((i for i, t in enumerate(reversed(run)) if not t.may_pad()), m)
    droppable = lone_lines(run) | set(range(lead)) | set(range(m - trail, m))
    for kept in combinations(range(m), n):
        yield tuple(run[i] for i in kept), set(range(m)) - set(kept) <= droppable


def value_of(tok: Token) -> int | None:
    value, status = read_value(tok.text)
    if status == BLANK:
        return 0  # a blank counts as 0 inside a sum
    return value if status == READ and isinstance(value, int) else None


def _can_hold(eq: Equation, values: dict[Key, int | None]) -> bool:
    """Whether some non-negative values of the unread cells make sum(left) == sum(right) + constant."""
    residual = -eq.constant
    open_left = open_right = False
    for k in eq.left:
        if values[k] is None:
            open_left = True
        else:
            residual += values[k]  # type: ignore[operator]
    for k in eq.right:
        if values[k] is None:
            open_right = True
        else:
            residual -= values[k]  # type: ignore[operator]
    if open_left and open_right:
        return True
    if open_left:
        return residual <= 0
    if open_right:
        return residual >= 0
    return residual == 0
