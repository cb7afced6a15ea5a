"""The proposer for run-together digit strings ("640020470"): every cut of a run into its cells.

A crawler dump prints a table row as one digit string. Each way of cutting it is a reading of
the row's cells (reading/placements.py): `digit_count` evidence where the run prints one digit a
cell (the cut its digits alone fix), `digit_split` otherwise. The table's equations (row sums,
column sums, the 勾稽 balance: template/arithmetic.py; prose totals) link the runs across rows,
so reading/chooser.choose_linked settles them all at once; a cell gets a value only when every
consistent cut agrees on it: a wrong number is worse than a NULL. The cuts are made under the
chooser's constraints (the cells already known, the equations lying wholly in the run), so the
search never enumerates cuts those rule out.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from gidr_etl.reading.chooser import Form
from gidr_etl.reading.placements import Exhausted
from gidr_etl.template.arithmetic import Key

# Beyond this many cuts of one run the run is left undecided rather than searched.
MAX_OPTIONS = 200_000
# No cell of the template counts past a billion: a cut never makes a longer number, so
# the search over one run costs time linear in its length (a 30,000-digit run is junk).
MAX_CELL_DIGITS = 10


@dataclass
class Run:
    """A printed digit string covering these cells in order; a space fixes a cell boundary.

    A sign before a piece ("38 -12391") belongs to the first cell cut from it, which must be
    one of the `signed` positions (a 本年增/减 column): counts are never negative.
    """

    text: str
    cells: list[Key]
    signed: frozenset[int] = frozenset()
    # The last piece stood apart in the dump ("规章500 3 行政…"): it may be a page number a
    # converter left on a line of its own, so the run is read with it and without it.
    optional_tail: bool = False

    @property
    def evidence(self) -> str:
        """digit_count where the run prints exactly as many digits as it has cells."""
        return "digit_count" if sum(ch.isdigit() for ch in self.text) == len(self.cells) else "digit_split"

    def options(self, fixed: dict[int, int], inner: list[Form], deadline: float, cap: int = MAX_OPTIONS):
        """The run's cuts (_splits), with and without an optional last piece."""
        found = _splits(self.text, len(self.cells), fixed, inner, deadline, cap, self.signed)
        head = self.text.rsplit(" ", 1)[0] if self.optional_tail and " " in self.text.strip() else None
        if head is None:
            return found
        more = _splits(head, len(self.cells), fixed, inner, deadline, cap, self.signed)
        out = list(dict.fromkeys(found + more))
        if len(out) > cap:
            raise Exhausted(0)
        return out


def _splits(
    text: str,
    n: int,
    fixed: dict[int, int],
    inner: list[Form],
    deadline: float,
    cap: int = MAX_OPTIONS,
    signed: frozenset[int] = frozenset(),
) -> list[tuple[int, ...]]:
    """Every cut of text into n numbers (no leading zeros; spaces are fixed boundaries) that fits
    the known cells and the equations lying wholly in this run; a piece's sign goes to its first
    number, which must fall on a `signed` position."""
    printed = text.split()
    sign_led = [p[0] in "+-" for p in printed]
    signs = [-1 if p[0] == "-" else 1 for p in printed]
    pieces = [p[1:] if led else p for p, led in zip(printed, sign_led)]
    if not all(p.isascii() and p.isdigit() for p in pieces):
        raise ValueError(f"not a digit run: {text!r}")
    # An equation is checked as soon as its last cell in the run has a value.
    checks: dict[int, list[Form]] = {}
    for form in inner:
        (terms,) = form[1].values()
        checks.setdefault(max(i for i, _ in terms), []).append(form)
    digits_after = [sum(len(p) for p in pieces[k:]) for k in range(len(pieces) + 1)]
    out: list[int] = []
    found: list[tuple[int, ...]] = []

    def ok(i: int) -> bool:
        return all(
            const + sum(c * out[j] for j, c in terms) == 0
            for const, by_run in checks.get(i, ())
            for terms in by_run.values()
        )

    def cut(p: int, pos: int) -> None:
        if time.monotonic() > deadline:
            raise Exhausted(0)
        if p == len(pieces):
            if len(out) == n:
                found.append(tuple(out))
                if len(found) > cap:
                    raise Exhausted(0)
            return
        piece = pieces[p]
        for end in range(pos + 1, min(len(piece), pos + MAX_CELL_DIGITS) + 1):
            if end - pos > 1 and piece[pos] == "0":
                break  # "05" is not a printed number
            i = len(out)
            left = n - i - 1  # cells still to fill after this one
            rest = len(piece) - end + digits_after[p + 1]
            min_parts = (end < len(piece)) + len(pieces) - p - 1
            if left < min_parts or left > rest:
                continue
            value = int(piece[pos:end])
            if pos == 0 and sign_led[p]:
                if i not in signed:
                    break  # a signed number in a count column
                value *= signs[p]
            if fixed.get(i, value) != value:
                continue
            out.append(value)
            if ok(i):
                cut(p + 1, 0) if end == len(piece) else cut(p, end)
            out.pop()

    if not n:
        return [] if pieces else [()]
    if digits_after[0] > n * MAX_CELL_DIGITS or any(len(p) > (n - len(pieces) + 1) * MAX_CELL_DIGITS for p in pieces):
        return []  # more digits than n cells can print
    cut(0, 0)
    return found
