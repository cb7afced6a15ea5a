"""Values read by OCR are checked, not trusted: by their recognition confidence and by the
table's equations (template/arithmetic.py: the template's stated sums).

What marks a value as read by OCR is what its cell carries, a recognition confidence, never
the format that read it: a plugin's own OCR reader gets the same checks. Cells with no
confidence (read from a text layer) are never touched, but their values count in the sums.

1. Confidence. A value below its bar is in doubt. Cells in no equation (the art20 tables)
   have nothing to catch a misread, so their bar is higher.
2. Equations among the values not in doubt. A misread can be read near-certainly: a detector's
   box that cuts off a leading digit leaves "6" of "26" at 0.999. Two such misreads can agree
   (the 总计 of a row and of its column both lose 20), so an equation that holds among cells
   sharing the doubt confirms nothing; what decides is which cells the failing equations
   blame. An *explanation* is a set of OCR cells of the failing equations which, taken as
   unknown, lets every equation hold with whole numbers of zero or more; the smallest ones,
   up to MAX_EXPLAINED cells, are looked for in each group of equations that share cells
   (the requests table is one, each appeals row another).
   - One explanation of one cell, with two or more equations failing: the table's sums say
     which cell was misread and what it is. It takes that value, `inferred`, with a
     `cell_corrected` finding.
   - Otherwise every cell of a smallest explanation is NULL + cell_unreadable, however
     surely it was read: the sums cannot tell which was misread, or blame more than one.
     Every other value stands: the equations it is in hold once the blamed cells are set
     aside; but a value each of whose equations holds only through a cell of no value (unread,
     or in doubt and unconfirmed) was checked by none, and stands only read near-certainly.
     A table as printed that does not add up (real reports' often do not) cannot be told
     from a misread here, so it loses the blamed cells, not its flag: each failing equation
     the nulling leaves unchecked is reported by its sum rule on the values as read.
   - No explanation of MAX_EXPLAINED cells or fewer: more values would have to be misread,
     each near-certainly, than the scans show; this is the table as printed not adding up
     (several of its totals printed off). Values read near-certainly stand and the sum
     rules report the failures; the less certain ones of the failing equations are
     NULL + cell_unreadable.
3. A value in doubt stands only when an equation whose other cells stand, and are not blamed
   by a failing equation, gives exactly that value (confirmed); the equations are then judged
   again (2) with it among the values not in doubt. Otherwise it is NULL + cell_unreadable.
4. Counts are never negative: where the cells that stand leave an equation's open cells of
   one side (in doubt, or with no number read: "?", a stroke read as a letter) a sum of 0,
   each of them is 0. A doubtful 0 there is confirmed (3); an unread cell takes 0,
   `inferred`, with a cell_corrected finding (a seal's ink over a row whose 总计 reads a
   sure 0). A cell that printed a number unreadable as a count ("-7") is never made 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from itertools import chain

from gidr_etl.plugins import rules
from gidr_etl.report import BLANK, READ, UNREADABLE, Finding, Report, TemplateCell, bilingual
from gidr_etl.template.arithmetic import Equation, Key

# Confidence bars: tuned on the scans the tests make (tests/scans.py), where every
# misread digit seen scored below them.
BAR = 0.9
BAR_NO_ARITHMETIC = 0.97
# Where no small set of cells explains a failing sum, a value read at least this surely is
# taken as printed: on the test scans every misread digit scored below it (but for digits
# the detector cut off, which the explanations catch), while correctly read cells of
# tables that do not add up as printed scored 0.992 and more.
NEAR_CERTAIN = 0.99
# The most cells an explanation of failing sums may blame: misreads a page's OCR makes
# in one table, in the scans of tests/scans.py and the (two lost leading digits).
MAX_EXPLAINED = 3

Values = dict[Key, int | float | None]


def recognised(cells) -> set[Key]:
    """The keys of the cells whose values were read by OCR (they carry a recognition confidence)."""
    return {k for k, c in cells.items() if c.confidence is not None and c.status == READ}


def check_ocr_values(
    report: Report, equations: Sequence[Equation], bar: float = BAR, bar_no_arithmetic: float = BAR_NO_ARITHMETIC
) -> None:
    cells = report.cells
    ocr = recognised(cells)
    if not ocr:
        return
    in_equation = {k for eq in equations for k in _terms(eq)}

    def bar_of(k: Key) -> float:
        return bar if k in in_equation else bar_no_arithmetic

    doubtful = {k for k in ocr if (cells[k].confidence or 0.0) < bar_of(k)}
    confident = ocr - doubtful  # a value in doubt stands only confirmed (3): a sum checked it
    # Cells the image's reader read no number in ("?", a seal's stroke read as a letter): only
    # the sums can give them. Not a cell that printed a number unreadable as a count ("-7"
    # stays as printed or NULL).
    unread = {
        k
        for k, c in cells.items()
        if c.status == UNREADABLE and c.confidence is not None and not any(ch.isdigit() for ch in c.raw or "")
    }
    as_read: Values = {k: _number(c) for k, c in cells.items()}
    values = dict(as_read)
    for k in doubtful:
        values[k] = None
    groups = _connected(equations)  # the requests table; each appeals row
    failing: list[Equation] = []
    blamed: set[Key] = set()
    while True:  # the values in doubt that the sums confirm stand, and are judged with the others
        now = [eq for eq in equations if _holds(eq, values) is False]
        failing += [eq for eq in now if eq not in failing]
        standing = {k for k in ocr if values[k] is not None and cells[k].status == READ and not cells[k].inferred}
        for group in groups:
            if failed := [eq for eq in now if eq in group]:
                blamed |= _judge(report, failed, group, values, standing)
        confirmed = _confirm(cells, equations, values, doubtful, blamed)
        if not confirmed and not _forced_zeros(report, equations, values, doubtful, unread, blamed):
            break
    for k in doubtful:
        _unreadable(
            cells[k], f"read by OCR as 「{cells[k].raw}」 with confidence {cells[k].confidence:.2f}, below {bar_of(k)}"
        )
    _checked_by_no_sum(cells, equations, values, confident)
    _report_unchecked(report, failing, as_read)


def _checked_by_no_sum(cells, equations: Sequence[Equation], values: Values, candidates: set[Key]) -> None:
    """A value each of whose equations has a cell of no value (unread, or in doubt and not
    confirmed) holds them whatever it is: no sum checked it, and an equation that holds only
    through unknown cells confirms nothing (a fax's broken 0 read as 1 at 0.98 beside two
    unread cells). Read less than near-certainly, it is NULL + cell_unreadable."""
    for k in sorted(candidates):
        cell = cells[k]
        if cell.status != READ or cell.inferred or (cell.confidence or 0.0) >= NEAR_CERTAIN:
            continue
        mine = [eq for eq in equations if k in _terms(eq)]
        if mine and all(any(values.get(o) is None for o in _terms(eq) if o != k) for eq in mine):
            _unreadable(
                cell,
                f"read by OCR as 「{cell.raw}」 with confidence {cell.confidence:.3f}; "
                "every sum it is in has an unread cell, so none checks it",
            )


def _judge(
    report: Report, failing: list[Equation], equations: Sequence[Equation], values: Values, candidates: set[Key]
) -> set[Key]:
    """Correct or null what the failing equations blame (see the module's note, 2); returns
    the cells still in a failing equation (they confirm nothing)."""
    cells = report.cells
    explanations = _explanations(failing, equations, values, candidates)
    if len(explanations) == 1 and len(explanations[0][0]) == 1 and len(failing) > 1:
        ((k,), solved) = explanations[0]
        value = solved[k]
        if value is not None:
            cell, old = cells[k], values[k]
            cell.value, cell.inferred = value, True
            cell.note = f"read by OCR as 「{cell.raw}」; the table's sums give {value}"
            values[k] = value
            message = bilingual(
                f"OCR 识读为「{cell.raw}」（{old}）；表中 {len(failing)} 处合计只在取 {value} 时成立",
                f"OCR read 「{cell.raw}」 ({old}); {len(failing)} of the table's sums hold only with {value}",
            )
            report.findings.append(Finding("cell_corrected", "warning", *k, message))
            return {k}
    if explanations:
        blamed = set().union(*(x for x, _ in explanations))
        if len(explanations) > 1:
            blame = f"this cell or another: {len(explanations)} choices of {len(blamed)} cells explain them"
        else:
            blame = "this cell" + (f" and {len(blamed) - 1} other(s) together" if len(blamed) > 1 else "")
        for k in blamed:
            _unreadable(
                cells[k],
                f"read by OCR as 「{cells[k].raw}」 with confidence {cells[k].confidence:.3f}; "
                f"the table's sums fail and blame {blame}",
            )
            values[k] = None
        return blamed
    kept = set()
    for k in chain.from_iterable(_terms(eq) for eq in failing):
        if k not in candidates or cells[k].status != READ:
            continue
        if (cells[k].confidence or 0.0) < NEAR_CERTAIN:
            _unreadable(
                cells[k],
                f"read by OCR as 「{cells[k].raw}」 with confidence {cells[k].confidence:.3f}, and the table's sums fail",
            )
            values[k] = None
        else:
            kept.add(k)
    return kept


def _connected(equations: Sequence[Equation]) -> list[list[Equation]]:
    """The equations in groups that share no cell: each group's failures are explained apart."""
    groups: list[tuple[set[Key], list[Equation]]] = []
    for eq in equations:
        keys, members = set(_terms(eq)), [eq]
        for group in [g for g in groups if g[0] & keys]:
            groups.remove(group)
            keys |= group[0]
            members = group[1] + members
        groups.append((keys, members))
    return [members for _, members in groups]


def _explanations(
    failing: list[Equation], equations: Sequence[Equation], values: Values, candidates: set[Key]
) -> list[tuple[tuple[Key, ...], dict[Key, int | None]]]:
    """The smallest sets of candidate cells that explain every failure (with the values the
    equations then give them, None where they leave one open), of MAX_EXPLAINED cells at most."""
    suspects = [{k for k in _terms(eq) if k in candidates} for eq in failing]
    pool = sorted(set().union(*suspects))
    for size in range(1, MAX_EXPLAINED + 1):
        found = []
        for release in sorted(_releases(suspects, pool, size)):
            if (solved := _solve(release, equations, values)) is not None:
                found.append((release, solved))
        if found:
            return found
    return []


def _releases(sets: list[set[Key]], pool: list[Key], size: int) -> set[tuple[Key, ...]]:
    """The sets of `size` keys of `pool` holding a key of every set in `sets` (sorted tuples):
    one of each set not yet held first, then any others (a second misread may be what makes
    the first one's sums hold)."""
    out: set[tuple[Key, ...]] = set()

    def grow(chosen: tuple[Key, ...], unheld: list[set[Key]]) -> None:
        if len(chosen) == size:
            if not unheld:
                out.add(tuple(sorted(chosen)))
            return
        for k in min(unheld, key=len) if unheld else pool:
            if k not in chosen:
                grow((*chosen, k), [s for s in unheld if k not in s])

    grow((), sets)
    return out


def _solve(release: tuple[Key, ...], equations: Sequence[Equation], values: Values) -> dict[Key, int | None] | None:
    """With the `release`d cells unknown, whether every equation can hold with whole numbers
    of zero or more: their values (None for one the equations leave open), or None if not."""
    rows: list[list[Fraction]] = []  # coefficients of the released cells, then the constant
    index = {k: i for i, k in enumerate(release)}
    for eq in equations:
        coefs = [Fraction(0)] * (len(release) + 1)
        coefs[-1] = Fraction(eq.constant)
        decidable = True
        for sign, side in ((1, eq.left), (-1, eq.right)):
            for k in side:
                if k in index:
                    coefs[index[k]] += sign
                elif (n := values.get(k)) is None:
                    decidable = False
                else:
                    coefs[-1] -= sign * Fraction(n)
        if not decidable:
            continue
        if not any(coefs[:-1]):
            if coefs[-1]:
                return None  # fails and holds none of the released cells
            continue
        rows.append(coefs)
    return _reduce(rows, release)


def _reduce(rows: list[list[Fraction]], release: tuple[Key, ...]) -> dict[Key, int | None] | None:
    """Gauss–Jordan elimination on the rows (coefficients, constant): the determined unknowns'
    values, None for the open ones; None when the rows contradict or give a value that is no count."""
    n, pivots, r = len(release), [], 0
    for col in range(n):
        pivot = next((i for i in range(r, len(rows)) if rows[i][col]), None)
        if pivot is None:
            continue
        rows[r], rows[pivot] = rows[pivot], rows[r]
        rows[r] = [v / rows[r][col] for v in rows[r]]
        for i in range(len(rows)):
            if i != r and rows[i][col]:
                rows[i] = [a - rows[i][col] * b for a, b in zip(rows[i], rows[r])]
        pivots.append(col)
        r += 1
    if any(not any(row[:-1]) and row[-1] for row in rows[r:]):
        return None
    out: dict[Key, int | None] = {k: None for k in release}
    for i, col in enumerate(pivots):
        row = rows[i]
        if any(row[c] for c in range(n) if c != col):
            continue  # tied to an open unknown
        value = row[-1]
        if value.denominator != 1 or value < 0:
            return None
        out[release[col]] = int(value)
    return out


def _confirm(
    cells: dict[Key, TemplateCell], equations: Sequence[Equation], values: Values, doubtful: set[Key], blamed: set[Key]
) -> set[Key]:
    """Doubtful values an equation of cells outside the doubt confirms leave `doubtful` and
    stand in `values`; returns them (the sums they take part in are then judged again)."""
    confirmed: set[Key] = set()
    changed = True
    while changed:
        changed = False
        for eq in equations:
            open_ = [k for k in _terms(eq) if k in doubtful]
            if not open_ or any(k in blamed for k in _terms(eq)):
                continue
            if len(open_) == 1:
                given = {open_[0]: _solve_for(eq, open_[0], values)}
            elif _open_sum(eq, open_, values) == 0:
                # Counts are never negative: doubtful cells of one side whose sum the others
                # make 0 are each 0 (a row whose 总计 reads a sure 0).
                given = dict.fromkeys(open_, 0)
            else:
                continue
            for k, value in given.items():
                if value is not None and value == cells[k].value:
                    values[k] = cells[k].value
                    doubtful.discard(k)
                    confirmed.add(k)
                    cells[k].note = f"OCR confidence {cells[k].confidence:.2f}, confirmed by the table's sums"
                    changed = True
    return confirmed


def _forced_zeros(
    report: Report,
    equations: Sequence[Equation],
    values: Values,
    doubtful: set[Key],
    unread: set[Key],
    blamed: set[Key],
) -> set[Key]:
    """Unread cells that the sums force to 0 take 0, `inferred`, with a cell_corrected finding:
    counts are never negative, so where the cells that stand leave an equation's open cells
    of one side (unread, or in doubt and read 0) a sum of 0, each of them is 0. Returns them."""
    cells = report.cells
    given: set[Key] = set()
    for eq in equations:
        open_ = [k for k in _terms(eq) if k in doubtful or (k in unread and values.get(k) is None)]
        if not any(k in unread for k in open_) or any(k in blamed for k in _terms(eq)):
            continue
        if any(k in doubtful and cells[k].value != 0 for k in open_) or _open_sum(eq, open_, values) != 0:
            continue
        for k in (k for k in open_ if k in unread):
            cell = cells[k]
            cell.value, cell.status, cell.inferred = 0, READ, True
            cell.note = "not read by OCR; the table's sums give 0 (a sum of 0 over counts, which are never negative)"
            values[k] = 0
            given.add(k)
            report.findings.append(
                Finding(
                    "cell_corrected",
                    "warning",
                    *k,
                    bilingual(
                        "OCR 未能识读；表中合计为 0，各项不为负，故为 0",
                        "not read by OCR; the table's sum is 0 and counts are never negative, so 0",
                    ),
                )
            )
    return given


def _open_sum(eq: Equation, open_: list[Key], values: Values) -> int | float | None:
    """The sum the equation's other cells give `open_`, all on one side of it; None if they
    are not (or stand twice), or another cell has no number."""
    side, other = (eq.right, eq.left) if set(open_) <= set(eq.right) else (eq.left, eq.right)
    if any(side.count(k) != 1 for k in open_):
        return None
    known = [values.get(k) for k in side if k not in open_]
    others = [values.get(k) for k in other]
    if None in known or None in others:
        return None
    constant = eq.constant if side is eq.right else -eq.constant
    return sum(others) - sum(known) - constant  # type: ignore[arg-type]


def _report_unchecked(report: Report, failing: list[Equation], as_read: Values) -> None:
    """Each equation that failed on the values as read, and that the sum rules can no longer
    check (a cell of it is now NULL), reported by its rule on those values."""
    severity = {r.name: r.severity for r in rules()}
    now = {k: _number(c) for k, c in report.cells.items()}
    for eq in failing:
        if eq.rule is None or eq.at is None or eq.claim is None or _holds(eq, now) is not None:
            continue
        left = sum(as_read[k] or 0 for k in eq.left)
        right = sum(as_read[k] or 0 for k in eq.right) + eq.constant
        zh, en = eq.message.format(left=left, right=right, col=eq.claim[2]).split(" · ", 1)
        report.findings.append(
            Finding(
                eq.rule,
                severity.get(eq.rule, "error"),
                *eq.at,
                bilingual(
                    f"按 OCR 识读值：{zh}（相关格已置空）", f"as read by OCR: {en} (the cells in doubt are NULL)"
                ),
            )
        )


def _terms(eq: Equation) -> list[Key]:
    return [*eq.left, *eq.right]


def _number(cell: TemplateCell | None):
    if cell is None:
        return None
    if cell.status == BLANK:
        return 0  # as the sum rules count a blank
    return cell.value if cell.status == READ else None


def _holds(eq: Equation, values: Values) -> bool | None:
    """Whether the equation holds; None when one of its cells has no number."""
    left = [values.get(k) for k in eq.left]
    right = [values.get(k) for k in eq.right]
    if None in left or None in right:
        return None
    return sum(left) == sum(right) + eq.constant  # type: ignore[arg-type]


def _solve_for(eq: Equation, key: Key, values: Values) -> int | None:
    """The value of `key` that makes the equation hold, from its other cells; None if one has no number."""
    total: int | float = 0
    coef = 0
    for sign, side in ((1, eq.left), (-1, eq.right)):
        for k in side:
            if k == key:
                coef += sign
                continue
            n = values.get(k)
            if n is None:
                return None
            total += sign * n
    if coef == 0:
        return None
    value = (eq.constant - total) / coef
    return int(value) if value == int(value) else None


def _unreadable(cell: TemplateCell, note: str) -> None:
    cell.value, cell.status, cell.note = None, UNREADABLE, note
