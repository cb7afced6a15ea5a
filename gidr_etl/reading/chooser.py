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
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from gidr_etl.reading.placements import EVIDENCE, Candidate, Reading
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
    for tier in tiers:
        if not tier:
            continue
        rank = tier[0].rank
        if rank <= last or any(r.rank != rank for r in tier):
            raise ValueError("readings come grouped by evidence, strongest first")
        last = rank
        holding = [r for r in tier if holds(r, keys, own)] if exhaustive else tier
        if holding:
            return agreement(keys, holding)
        if EVIDENCE[rank].stands:
            return agreement(keys, tier)
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
