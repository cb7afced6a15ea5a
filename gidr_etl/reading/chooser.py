"""The one chooser: which proposed reading of a group of cells stands (reading/placements.py).

Every reader's readings of a row, or of a block of rows, come here, in order of their evidence.
1. Structure: the group is read by the strongest evidence any reading has (placements.EVIDENCE);
   weaker readings are never consulted.
   A proposer hands its readings in grouped by evidence, strongest first, so that weaker
   readings (every placement of a short row) are only made when they are asked for.
2. Arithmetic: among the readings of that evidence, those with which the stated equations lying
   wholly in the group (template/arithmetic.py) can hold, counts being never negative. Where none
   can, readings of evidence that stands are read all the same (the source's sums fail, and the
   validation rules report it); readings of evidence that does not stand give way to the next
   evidence, and with none left the group is ambiguous.
3. Never guess: a cell keeps a value only when every surviving reading gives it the same printed
   value; any other cell is NULL with `cell_ambiguous`.

`choose` settles one group (a row, a block of rows); `choose_linked` settles groups the equations
link across rows (a crawler dump's digit runs) all at once, by the same three steps.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from gidr_etl.reading.placements import EVIDENCE, RANK, Candidate, Exhausted, Group, Reading
from gidr_etl.reading.tokens import Token
from gidr_etl.reading.values import read_value
from gidr_etl.report import BLANK, READ
from gidr_etl.template.arithmetic import Equation, Key


@dataclass
class Choice:
    """Per cell the printed value every surviving reading gives it (None: none printed there, or
    ambiguous), the cells the surviving readings disagree on, how many survived and by what."""

    tokens: list[Token | None]
    ambiguous: set[int]
    count: int  # surviving readings
    evidence: str | None = None
    chosen: list[Candidate | None] = field(default_factory=list)  # None where ambiguous


def choose(keys: list[Key], tiers: Iterable[list[Reading]], equations, exhaustive: bool = True) -> Choice:
    """The reading of the cells `keys` the structure, then the arithmetic, leave; see the module.
    `tiers`: the proposed readings grouped by evidence, strongest first (a generator: weaker
    readings are only made when the stronger ones leave the group open).
    `exhaustive=False`: the readings are not every placement their evidence allows (too many to
    enumerate), so the arithmetic may not choose among them: only what all agree on stands."""
    own = row_equations(equations, keys)
    last = -1
    # Readings whose sums fail only at a stated total printed blank (see `verdict`): not ruled
    # out, not confirmed, so the next evidence's readings are weighed beside them, and a cell
    # they disagree on is ambiguous.
    untested: list[Reading] = []
    for tier in tiers:
        if not tier:
            continue
        rank = tier[0].rank
        if rank <= last or any(r.rank != rank for r in tier):
            raise ValueError("readings come grouped by evidence, strongest first")
        last = rank
        verdicts = [verdict(r, keys, own) if exhaustive else True for r in tier]
        if exhaustive and not EVIDENCE[rank].stands:
            verdicts = _beside_lost_totals(tier, verdicts, keys, own)
        holding = [r for r, v in zip(tier, verdicts) if v]
        if EVIDENCE[rank].stands:
            return agreement(keys, untested + (holding or tier))
        if holding:
            return agreement(keys, untested + holding + [r for r, v in zip(tier, verdicts) if v is None])
        untested += [r for r, v in zip(tier, verdicts) if v is None]
    if untested:
        return agreement(keys, untested)
    return Choice([None] * len(keys), set(range(len(keys))), 0)


def agreement(keys: list[Key], readings: list[Reading]) -> Choice:
    """What every reading gives each cell, where they agree on the printed value."""
    tokens: list[Token | None] = []
    chosen: list[Candidate | None] = []
    ambiguous = set()
    for c, key in enumerate(keys):
        printed = {tok.norm if (tok := r.tokens[c]) is not None else None for r in readings}
        if len(printed) == 1:
            first = readings[0]
            tokens.append(first.tokens[c])
            chosen.append(Candidate(key, first.tokens[c], first.evidence, first.producer))
        else:
            tokens.append(None)
            chosen.append(None)
            ambiguous.add(c)
    return Choice(tokens, ambiguous, len(readings), readings[0].evidence, chosen)


def row_equations(equations: list[Equation] | tuple[Equation, ...], keys: list[Key]) -> list[Equation]:
    """The stated equations whose cells all lie in this group."""
    inside = set(keys)
    return [eq for eq in equations if set(eq.left) <= inside and set(eq.right) <= inside]


def holds(reading: Reading, keys: list[Key], equations: list[Equation]) -> bool:
    """Whether the group's equations can hold with this reading (an unread cell may be any count)."""
    values = {k: value_of(t) if t is not None else None for k, t in zip(keys, reading.tokens)}
    return all(can_hold(eq, values) for eq in equations)


def verdict(reading: Reading, keys: list[Key], equations: list[Equation]) -> bool | None:
    """`holds`, but None where only equations whose stated total the reading makes a printed
    blank fail: the sum rules skip those (validation/rules.py), as a total left blank is not a
    total of 0 (Word and WPS reports that fill the 总计 column only in total rows), so they
    cannot rule the reading out, nor confirm it. So are equations whose total the reading
    leaves lost beside printed totals (lost_totals): they hold whatever the lost value was."""
    tokens = dict(zip(keys, reading.tokens))
    lost = lost_totals(tokens, equations)
    if not lost and holds(reading, keys, equations):
        return True
    tested = [eq for eq in equations if not _blank_claim(eq, tokens) and eq not in lost]
    return None if len(tested) < len(equations) and holds(reading, keys, tested) else False


def lost_totals(tokens: dict[Key, Token | None], equations: list[Equation]) -> list[Equation]:
    """The equations whose stated total a reading leaves unprinted while it prints the group's
    other stated totals (the appeals row's three 总计). A dump drops a total left blank, but
    the reports that leave totals blank (Word and WPS reports filling the 总计 column only in
    total rows) leave every such total blank: beside printed ones, the unprinted one is a value
    the text lost, and its equation tests nothing."""
    claims = [(eq, tokens[eq.claim]) for eq in equations if eq.claim is not None and eq.claim in tokens]
    if not any(tok is not None and not tok.is_blank() for _, tok in claims):
        return []
    return [eq for eq, tok in claims if tok is None]


def _beside_lost_totals(
    tier: list[Reading], verdicts: list[bool | None], keys: list[Key], equations: list[Equation]
) -> list[bool | None]:
    """A reading that fails only at equations another reading leaves untested by a lost total
    (lost_totals) is not ruled out by them: which of the two holds depends on the source's sum
    there being right, and real reports' sums are often wrong. Both stand untested, and the
    cells they disagree on are ambiguous (a Hongze 2023 row, its 行政复议 总计 printed 0 beside
    10 and 1 upheld, with a value lost, read its 复议后起诉 cells one place off)."""
    untestable = [
        eq for r, v in zip(tier, verdicts) if v is None for eq in lost_totals(dict(zip(keys, r.tokens)), equations)
    ]
    if not untestable:
        return verdicts
    tested = [eq for eq in equations if eq not in untestable]
    return [None if v is False and holds(r, keys, tested) else v for r, v in zip(tier, verdicts)]


def _blank_claim(eq: Equation, tokens: dict[Key, Token | None]) -> bool:
    tok = tokens.get(eq.claim) if eq.claim is not None else None
    return tok is not None and read_value(tok.text)[1] == BLANK


def value_of(tok: Token) -> int | None:
    value, status = read_value(tok.text)
    if status == BLANK:
        return 0  # a blank counts as 0 inside a sum
    return value if status == READ and isinstance(value, int) else None


def can_hold(eq: Equation, values: dict[Key, int | None]) -> bool:
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


# ------------------------------------------------------------------ groups linked across rows
#
# A group whose readings the equations across rows must settle together: a crawler dump's digit
# runs (digit_runs/solver.py proposes each run's cuts), whose column sums and 勾稽 balance link
# every row. The same three steps, over all the groups at once: a group whose evidence stands
# (digit_count: one digit a cell) is read as its only reading whenever its own row's sums hold,
# even where the sums across rows fail; the readings of the others are those the equations
# allow together; a cell gets a value only where all of them agree.


# Seconds a solve (or a question about one run) may search before it gives up undecided.
BUDGET_SECONDS = 2.0

# A linear form: const + sum(coef * cell) == 0, its cells grouped by group: {group: [(position, coef)]}.
Form = tuple[int, dict[int, list[tuple[int, int]]]]


@dataclass
class Solution:
    """Per group cell the value all consistent assignments share (else None), and how many there are.

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


def choose_linked(
    runs: Sequence[Group],
    known: dict[Key, int],
    equations: list[Equation],
    limit: int = 10000,
    budget: float = BUDGET_SECONDS,
) -> Solution:
    """Every reading of the groups consistent with the equations; values where all of them agree."""
    deadline = time.monotonic() + budget
    owner: dict[Key, tuple[int, int]] = {}
    for r, run in enumerate(runs):
        for i, cell in enumerate(run.cells):
            if cell in owner:
                raise ValueError(f"{cell} is covered by two runs")
            owner[cell] = (r, i)
    forms: list[Form] = []
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
        except Exhausted as stop:
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
    runs: Sequence[Group], owner: dict, known: dict[Key, int], equations: list[Equation], limit: int, deadline: float
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
        only = _only_option(run, deadline)
        if only is not None:
            known.update(zip(run.cells, only))
            values.update(zip(run.cells, only))
            if EVIDENCE[RANK[run.evidence]].stands and _holds_within(run, only, equations):
                forced.update(run.cells)
        elif has_option(run, deadline):
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
        except Exhausted:
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
        except Exhausted:
            n, comp_values, complete = 0, {}, False
        if n:
            values.update(comp_values)
    discredited = frozenset(cell for cell in suspect if cell in owner and values[cell] is None)
    return Solution(values, 0, complete, discredited, frozenset(forced))


def _holds_within(run: Group, split: tuple[int, ...], equations: list[Equation]) -> bool:
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
    except Exhausted as stop:
        if stop.args[0]:
            return True
        raise
    return n > 0


def _only_option(run: Group, deadline: float) -> tuple[int, ...] | None:
    """The reading of a group its proposer's evidence alone allows, if there is exactly one."""
    try:
        found = run.options({}, [], deadline, cap=1)
    except Exhausted:
        return None
    return found[0] if len(found) == 1 else None


def has_option(run: Group, deadline: float | None = None) -> bool:
    """Whether the group has any reading at all (a run: some cut of its digits fills its cells)."""
    deadline = time.monotonic() + BUDGET_SECONDS if deadline is None else deadline
    try:
        return bool(run.options({}, [], deadline, cap=0))
    except Exhausted:
        return True


def _form(eq: Equation, owner: dict, known: dict[Key, int]) -> Form | None:
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


def _components(n: int, forms: list[Form]) -> list[set[int]]:
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
    """Count one group's consistent assignments; raise Exhausted when the limit or time runs out."""
    inner = {r: [f for f in forms if len(f[1]) == 1 and r in f[1]] for r in comp}
    domains: dict[int, list[tuple[int, ...]]] = {}
    for r in comp:
        run = runs[r]
        fixed = {i: known[c] for i, c in enumerate(run.cells) if c in known}
        domains[r] = run.options(fixed, inner[r], deadline)
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
            raise Exhausted(count)

    def search(doms: dict[int, list[tuple[int, ...]]]) -> None:
        if time.monotonic() > deadline:
            raise Exhausted(count)
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


def _propagate(doms: dict[int, list[tuple[int, ...]]], forms: list[Form]) -> bool:
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
