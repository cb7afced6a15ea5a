"""Split run-together digit strings ("640020470") into cells by the table's own arithmetic.

A crawler dump prints a table row as one digit string. Each way of cutting it is an
option; the table's equations (row sums, column sums, the 勾稽 balance: template/arithmetic.py;
prose totals) rule options out. A cell gets a value only when every consistent assignment agrees on it: a
wrong number is worse than a NULL.

Where the printed digits contradict the equations (a damaged digit, a misprinted total), the
contradiction discredits only what it touches (_salvage): runs whose digits allow one split
alone stand as printed, the equations that cannot all hold are found, every run they touch
stays undecided (even one its digits alone would split), and the rest is solved without any
equation that touches a discredited cell.
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


@dataclass
class Solution:
    """Per run cell the value all consistent assignments share (else None), and how many there are.

    complete=False: a group of linked runs hit the limit or the time budget; its cells are None
    (groups no equation links to it are independent and keep their values).
    count=0: the digits contradict the equations; `discredited` holds the cells of the runs a
    failed equation touches (None unless their digits alone allow one split).
    """

    values: dict[Key, int | None]
    count: int
    complete: bool
    discredited: frozenset[Key] = frozenset()
    forced: frozenset[Key] = frozenset()  # cells of runs of one digit per cell, standing beside failed sums


class _Stop(Exception):
    """The limit or the time budget was reached."""


# Seconds a solve (or a question about one run) may search before it gives up undecided.
BUDGET_SECONDS = 2.0

# A linear form: const + sum(coef * cell) == 0, its cells grouped by run: {run: [(position, coef)]}.
_Form = tuple[int, dict[int, list[tuple[int, int]]]]


def solve(
    runs: list[Run],
    known: dict[Key, int],
    equations: list[Equation],
    limit: int = 10000,
    budget: float = BUDGET_SECONDS,
) -> Solution:
    """Every split of the runs consistent with the equations; values where all of them agree."""
    deadline = time.monotonic() + budget
    owner: dict[Key, tuple[int, int]] = {}
    for r, run in enumerate(runs):
        for i, cell in enumerate(run.cells):
            if cell in owner:
                raise ValueError(f"{cell} is covered by two runs")
            owner[cell] = (r, i)
    forms: list[_Form] = []
    for eq in equations:
        form = _form(eq, owner, known)
        if form is None:
            continue
        if not form[1]:  # only known cells: the printed table contradicts itself
            if form[0] != 0:
                return _salvage(runs, owner, known, equations, limit, deadline)
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
                return _salvage(runs, owner, known, equations, limit, deadline)
        count *= n
        for r in comp:
            for cell in runs[r].cells:
                values[cell] = comp_values.get(cell)
    return Solution(values, count, complete)


def _salvage(
    runs: list[Run], owner: dict, known: dict[Key, int], equations: list[Equation], limit: int, deadline: float
) -> Solution:
    """The digits contradict the equations somewhere: discredit only the runs a failed equation touches.

    1. A run whose digits alone allow one split ("000" for three cells) stands as printed,
       unless a failed equation touches it. A run of one digit per cell ("6000017" for seven
       cells: the crawler prints every cell, zeros included, and nothing between them) is
       forced by structure: it stands even then, as long as the equations lying wholly in it
       (its row's sum) hold; the failed equations through it are the source's own sums, which
       the rules report.
    2. The failed equations: those among settled cells that do not hold, and in each group of
       linked runs with no consistent split, cores of equations that cannot hold together
       (a group stays failed whole if the budget runs out); a run with no split at all fails alone.
    3. Every cell of a run or read cell a failed equation touches is discredited; the remaining
       runs are solved with only the equations that touch no discredited cell, so no value rests
       on a failed equation or on digits it put in doubt.
    """
    values: dict[Key, int | None] = {cell: None for cell in owner}
    known = dict(known)
    open_runs: list[int] = []
    suspect: set[Key] = set()
    forced: set[Key] = set()  # cells of runs of one digit per cell whose own equations hold
    for r, run in enumerate(runs):
        only = _only_split(run, deadline)
        if only is not None:
            known.update(zip(run.cells, only))
            values.update(zip(run.cells, only))
            if _one_digit_a_cell(run) and _holds_within(run, only, equations):
                forced.update(run.cells)
        elif has_split(run, deadline):
            open_runs.append(r)
        else:
            suspect.update(run.cells)  # its digits cannot fill its cells: it fails alone
    open_owner = {cell: owner[cell] for r in open_runs for cell in runs[r].cells}
    linked = [(eq, f) for eq in equations if (f := _form(eq, open_owner, known)) is not None]
    failed = [eq for eq, f in linked if not f[1] and f[0] != 0]
    live = [(eq, f) for eq, f in linked if f[1]]
    for comp in _components(len(runs), [f for _, f in live]):
        if not comp & set(open_runs):
            continue
        group = [(eq, f) for eq, f in live if next(iter(f[1])) in comp]
        try:
            failed += _failed_equations(runs, comp, group, known, deadline)
        except _Stop:
            failed += [eq for eq, _ in group]
            suspect.update(cell for r in comp for cell in runs[r].cells)
    for eq in failed:
        suspect.update(eq.left + eq.right)
    suspect -= forced
    # A run with one discredited cell is discredited whole: a damaged digit moves every cut after
    # it, and a run that breaks an equation may not be the row its label says (a scrambled page).
    for run in runs:
        if suspect & set(run.cells):
            suspect.update(run.cells)
            values.update(dict.fromkeys(run.cells))
    trusted = [eq for eq in equations if not suspect & set(eq.left + eq.right)]
    standing = [r for r in open_runs if not suspect & set(runs[r].cells)]
    stand_owner = {cell: owner[cell] for r in standing for cell in runs[r].cells}
    forms = [f for eq in trusted if (f := _form(eq, stand_owner, known)) is not None and f[1]]
    complete = True
    for comp in _components(len(runs), forms):
        if not comp & set(standing):
            continue
        try:
            n, comp_values = _solve_component(
                runs, comp, [f for f in forms if next(iter(f[1])) in comp], known, limit, deadline
            )
        except _Stop:
            n, comp_values, complete = 0, {}, False
        if n:
            values.update(comp_values)
    discredited = frozenset(cell for cell in suspect if cell in owner and values[cell] is None)
    return Solution(values, 0, complete, discredited, frozenset(forced))


def _one_digit_a_cell(run: Run) -> bool:
    """Whether the run prints exactly as many digits as it has cells."""
    return sum(ch.isdigit() for ch in run.text) == len(run.cells)


def _holds_within(run: Run, split: tuple[int, ...], equations: list[Equation]) -> bool:
    """Whether the equations lying wholly in the run's cells hold with this split."""
    value = dict(zip(run.cells, split))
    return all(
        sum(value[k] for k in eq.left) == sum(value[k] for k in eq.right) + eq.constant
        for eq in equations
        if set(eq.left + eq.right) <= value.keys()
    )


def _failed_equations(runs, comp, group, known, deadline) -> list[Equation]:
    """Equations of one group of linked runs that cannot hold together: minimal cores, removed
    one after another until the rest holds (deletion filter); [] when the group is consistent.

    The widest equations are tried out of a core first, so a core is as narrow as the digits
    allow: a row that cannot add up alone fails alone, not every column sum through it."""
    failed: list[Equation] = []
    rest = list(group)
    while not _consistent(runs, comp, rest, known, deadline):
        core = list(rest)
        for pair in sorted(core, key=lambda p: -len(p[0].left + p[0].right)):
            trial = [p for p in core if p is not pair]
            if not _consistent(runs, comp, trial, known, deadline):
                core = trial
        failed += [eq for eq, _ in core]
        # The core's runs and read cells are discredited: equations through them are dropped too.
        touched = {cell for eq, form in core for cell in eq.left + eq.right} | {
            cell for _, form in core for r in form[1] for cell in runs[r].cells
        }
        rest = [p for p in rest if not touched & set(p[0].left + p[0].right)]
    return failed


def _consistent(runs, comp, group, known, deadline) -> bool:
    """Whether some split of the group's runs satisfies these equations (stops at the first)."""
    try:
        n, _ = _solve_component(runs, comp, [f for _, f in group], known, 1, deadline)
    except _Stop as stop:
        if stop.args[0]:
            return True
        raise
    return n > 0


def _only_split(run: Run, deadline: float) -> tuple[int, ...] | None:
    """The split of a run its digits alone allow, if there is exactly one."""
    try:
        found = _run_splits(run, {}, [], deadline, cap=1)
    except _Stop:
        return None
    return found[0] if len(found) == 1 else None


def has_split(run: Run, deadline: float | None = None) -> bool:
    """Whether some cut of the run's digits fills its cells at all (as many pieces, none too long)."""
    deadline = time.monotonic() + BUDGET_SECONDS if deadline is None else deadline
    try:
        return bool(_run_splits(run, {}, [], deadline, cap=0))
    except _Stop:
        return True


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
        domains[r] = _run_splits(run, fixed, inner[r], deadline)
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


def _run_splits(run: Run, fixed: dict[int, int], inner: list[_Form], deadline: float, cap: int = MAX_OPTIONS):
    """The run's splits (_splits), with and without an optional last piece."""
    found = _splits(run.text, len(run.cells), fixed, inner, deadline, cap, run.signed)
    head = run.text.rsplit(" ", 1)[0] if run.optional_tail and " " in run.text.strip() else None
    if head is None:
        return found
    more = _splits(head, len(run.cells), fixed, inner, deadline, cap, run.signed)
    out = list(dict.fromkeys(found + more))
    if len(out) > cap:
        raise _Stop(0)
    return out


def _splits(
    text: str,
    n: int,
    fixed: dict[int, int],
    inner: list[_Form],
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
                if len(found) > cap:
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
