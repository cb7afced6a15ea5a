"""Split run-together digit strings ("640020470") into cells by the table's own arithmetic.

A crawler dump prints a table row as one digit string. Each way of cutting it is an
option; the table's equations (row sums, column sums, the 勾稽 balance: template/arithmetic.py;
prose totals) rule options out. A cell gets a value only when every consistent assignment agrees on it: a
wrong number is worse than a NULL.
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

from gidr_etl.template.arithmetic import Equation, Key

# Beyond this many cuts of one run the run is left undecided rather than searched.
MAX_OPTIONS = 200_000
# No cell of the template counts past a billion: a cut never makes a longer number, so
# the search over one run costs time linear in its length (a 30,000-digit run is junk).
MAX_CELL_DIGITS = 10


@dataclass
class Run:
    """A printed digit string covering these cells in order; a space fixes a cell boundary."""

    text: str
    cells: list[Key]


@dataclass
class Solution:
    """Per run cell the value all consistent assignments share (else None), and how many there are.

    complete=False: a group of linked runs hit the limit or the time budget; its cells are None
    (groups no equation links to it are independent and keep their values).
    """

    values: dict[Key, int | None]
    count: int
    complete: bool


class _Stop(Exception):
    """The limit or the time budget was reached."""


# A linear form: const + sum(coef * cell) == 0, its cells grouped by run: {run: [(position, coef)]}.
_Form = tuple[int, dict[int, list[tuple[int, int]]]]


def solve(
    runs: list[Run], known: dict[Key, int], equations: list[Equation], limit: int = 10000, budget: float = 2.0
) -> Solution:
    """Every split of the runs consistent with the equations; values where all of them agree."""
    deadline = time.monotonic() + budget
    owner: dict[Key, tuple[int, int]] = {}
    for r, run in enumerate(runs):
        for i, cell in enumerate(run.cells):
            if cell in owner:
                raise ValueError(f"{cell} is covered by two runs")
            owner[cell] = (r, i)
    none = Solution({cell: None for cell in owner}, 0, True)

    forms: list[_Form] = []
    for eq in equations:
        form = _form(eq, owner, known)
        if form is None:
            continue
        if not form[1]:  # only known cells: the printed table contradicts itself
            if form[0] != 0:
                return none
            continue
        forms.append(form)

    values: dict[Key, int | None] = {}
    count, complete = 1, True
    for comp in _components(len(runs), forms):
        comp_forms = [f for f in forms if next(iter(f[1])) in comp]
        try:
            n, comp_values = _solve_component(runs, comp, comp_forms, known, limit, deadline)
        except _Stop as stop:
            # Not all assignments were seen: nothing in this group is certain.
            n, comp_values, complete = max(stop.args[0], 1), {}, False
        else:
            if n == 0:
                return none  # a contradiction anywhere discredits the table's arithmetic
        count *= n
        for r in comp:
            for cell in runs[r].cells:
                values[cell] = comp_values.get(cell)
    return Solution(values, count, complete)


def _form(eq: Equation, owner: dict, known: dict[Key, int]) -> _Form | None:
    """The equation as const + sum(coef*x) == 0 over run cells; None if a cell is undecidable."""
    coefs: dict[Key, int] = Counter()
    for cell in eq.left:
        coefs[cell] += 1
    for cell in eq.right:
        coefs[cell] -= 1
    coefs = {cell: c for cell, c in coefs.items() if c}
    if any(cell not in owner and cell not in known for cell in coefs):
        return None
    const = -eq.constant
    terms: dict[int, list[tuple[int, int]]] = {}
    for cell, c in coefs.items():
        if cell in owner:
            r, i = owner[cell]
            terms.setdefault(r, []).append((i, c))
        else:
            const += c * known[cell]
    return const, terms


def _components(n: int, forms: list[_Form]) -> list[set[int]]:
    """Runs grouped by the equations that link them (independent groups are solved apart)."""
    parent = list(range(n))

    def find(r: int) -> int:
        while parent[r] != r:
            parent[r] = parent[parent[r]]
            r = parent[r]
        return r

    for _, terms in forms:
        first, *rest = terms
        for r in rest:
            parent[find(r)] = find(first)
    groups: dict[int, set[int]] = {}
    for r in range(n):
        groups.setdefault(find(r), set()).add(r)
    return list(groups.values())


def _solve_component(runs, comp, forms, known, limit, deadline) -> tuple[int, dict[Key, int | None]]:
    """Count one group's consistent assignments; raise _Stop when the limit or time runs out."""
    inner = {r: [f for f in forms if len(f[1]) == 1 and r in f[1]] for r in comp}
    domains: dict[int, list[tuple[int, ...]]] = {}
    for r in comp:
        run = runs[r]
        fixed = {i: known[c] for i, c in enumerate(run.cells) if c in known}
        domains[r] = _splits(run.text, len(run.cells), fixed, inner[r], deadline)
    cross = [f for f in forms if len(f[1]) > 1]

    seen: dict[int, list] = {}  # run -> per position: the one value seen, or None after a disagreement
    count = 0

    def record(doms: dict[int, list[tuple[int, ...]]]) -> None:
        nonlocal count
        count += 1
        for r, (opt,) in doms.items():
            if r not in seen:
                seen[r] = list(opt)
            else:
                seen[r] = [a if a == b else None for a, b in zip(seen[r], opt)]
        if count >= limit:
            raise _Stop(count)

    def search(doms: dict[int, list[tuple[int, ...]]]) -> None:
        if time.monotonic() > deadline:
            raise _Stop(count)
        if not _propagate(doms, cross):
            return
        open_runs = [r for r in doms if len(doms[r]) > 1]
        if not open_runs:
            record(doms)
            return
        r = min(open_runs, key=lambda r: len(doms[r]))
        for opt in doms[r]:
            sub = dict(doms)
            sub[r] = [opt]
            search(sub)

    if all(domains.values()):
        search(domains)
    if count == 0:
        return 0, {}
    return count, {cell: v for r in comp for cell, v in zip(runs[r].cells, seen[r])}


def _splits(text: str, n: int, fixed: dict[int, int], inner: list[_Form], deadline: float) -> list[tuple[int, ...]]:
    """Every cut of text into n numbers (no leading zeros; spaces are fixed boundaries) that fits
    the known cells and the equations lying wholly in this run."""
    pieces = text.split()
    if not all(p.isascii() and p.isdigit() for p in pieces):
        raise ValueError(f"not a digit run: {text!r}")
    # An equation is checked as soon as its last cell in the run has a value.
    checks: dict[int, list[_Form]] = {}
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
            raise _Stop(0)
        if p == len(pieces):
            if len(out) == n:
                found.append(tuple(out))
                if len(found) > MAX_OPTIONS:
                    raise _Stop(0)
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


def _propagate(doms: dict[int, list[tuple[int, ...]]], forms: list[_Form]) -> bool:
    """Drop options no assignment of the other runs can balance (bounds); False if one run has none left."""
    changed = True
    while changed:
        changed = False
        for const, terms in forms:
            contrib = {r: [sum(c * opt[i] for i, c in t) for opt in doms[r]] for r, t in terms.items()}
            lo = const + sum(min(v) for v in contrib.values())
            hi = const + sum(max(v) for v in contrib.values())
            if lo > 0 or hi < 0:
                return False
            for r, vals in contrib.items():
                # This run must bring the sum back to 0 given the others' reach.
                need_lo, need_hi = -(hi - max(vals)), -(lo - min(vals))
                keep = [opt for opt, v in zip(doms[r], vals) if need_lo <= v <= need_hi]
                if len(keep) < len(vals):
                    if not keep:
                        return False
                    doms[r] = keep
                    changed = True
    return True
