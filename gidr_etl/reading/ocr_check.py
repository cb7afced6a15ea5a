"""Values read by OCR are checked, not trusted: by their recognition confidence and by the
table's equations (template/arithmetic.py: the template's stated sums).

- A value whose confidence reaches the bar stands, unless an equation it is in fails.
  Cells in no equation (the art20 tables) have nothing to catch a misread, so their bar
  is higher.
- A value below its bar stands only when an equation whose other cells all stand gives
  exactly that value (confirmed), else it is NULL + cell_unreadable.
- An equation that fails among standing values: if one cell is in every failing equation
  and a single value for it makes them all hold, it takes that value, `inferred`, with a
  `cell_corrected` finding; otherwise the OCR cells of the failing equations read below
  NEAR_CERTAIN are NULL + cell_unreadable (any of them could be the misread). An equation
  whose cells were all read near-certainly is the table as printed not adding up: its
  values stand and the sum rules report it (nulling them would hide the printed error).
Cells with no confidence (read from a text layer) are never touched.
"""

from __future__ import annotations

from collections.abc import Sequence

from gidr_etl.report import BLANK, READ, UNREADABLE, Finding, Report, TemplateCell, bilingual
from gidr_etl.template.arithmetic import Equation, Key

# Confidence bars: tuned on the scans the tests make (tests/scans.py), where every
# misread digit seen scored below them.
BAR = 0.9
BAR_NO_ARITHMETIC = 0.97
# A value read at least this surely is taken as printed even where a sum fails: on the
# test scans every misread digit scored below it, while correctly read cells of tables
# that do not add up as printed scored 0.992 and more.
NEAR_CERTAIN = 0.99


def check_ocr_values(
    report: Report, equations: Sequence[Equation], bar: float = BAR, bar_no_arithmetic: float = BAR_NO_ARITHMETIC
) -> None:
    cells = report.cells
    ocr = {k for k, c in cells.items() if c.confidence is not None and c.status == READ}
    if not ocr:
        return
    in_equation = {k for eq in equations for k in (*eq.left, *eq.right)}
    doubtful = {k for k in ocr if (cells[k].confidence or 0.0) < (bar if k in in_equation else bar_no_arithmetic)}

    # Doubtful values that an equation of otherwise standing cells confirms.
    changed = True
    while changed:
        changed = False
        for eq in equations:
            open_ = [k for k in _terms(eq) if k in doubtful]
            if len(open_) != 1:
                continue
            k = open_[0]
            solved = _solve_for(eq, k, cells)
            if solved is not None and solved == cells[k].value:
                doubtful.discard(k)
                cells[k].note = f"OCR confidence {cells[k].confidence:.2f}, confirmed by the table's sums"
                changed = True
    for k in doubtful:
        _unreadable(
            cells[k],
            f"read by OCR as 「{cells[k].raw}」 with confidence {cells[k].confidence:.2f}, below {bar if k in in_equation else bar_no_arithmetic}",
        )

    failing = [eq for eq in equations if _holds(eq, cells) is False]
    if not failing:
        return
    common = set.intersection(*(set(_terms(eq)) for eq in failing)) & ocr
    fixes = []
    for k in common:
        value = _solve_for(failing[0], k, cells)
        if value is None or value < 0:
            continue
        old = cells[k].value
        cells[k].value = value
        if all(_holds(eq, cells) is not False for eq in equations if k in _terms(eq)):
            fixes.append((k, value, old))
        cells[k].value = old
    if len(fixes) == 1 and len(failing) > 1:
        ((k, value, old),) = fixes
        cell = cells[k]
        cell.value, cell.inferred = value, True
        cell.note = f"read by OCR as 「{cell.raw}」; the table's sums give {value}"
        message = bilingual(
            f"OCR 识读为「{cell.raw}」（{old}）；表中 {len(failing)} 处合计只在取 {value} 时成立",
            f"OCR read 「{cell.raw}」 ({old}); {len(failing)} of the table's sums hold only with {value}",
        )
        report.findings.append(Finding("cell_corrected", "warning", *k, message))
        return
    for eq in failing:
        for k in _terms(eq):
            if k in ocr and cells[k].status == READ and (cells[k].confidence or 0.0) < NEAR_CERTAIN:
                _unreadable(
                    cells[k],
                    f"read by OCR as 「{cells[k].raw}」 with confidence {cells[k].confidence:.3f},"
                    " and the table's sums fail",
                )


def _terms(eq: Equation) -> list[Key]:
    return [*eq.left, *eq.right]


def _number(cell: TemplateCell | None):
    if cell is None:
        return None
    if cell.status == BLANK:
        return 0  # as the sum rules count a blank
    return cell.value if cell.status == READ else None


def _holds(eq: Equation, cells: dict[Key, TemplateCell]) -> bool | None:
    """Whether the equation holds; None when one of its cells has no number."""
    left = [_number(cells.get(k)) for k in eq.left]
    right = [_number(cells.get(k)) for k in eq.right]
    if None in left or None in right:
        return None
    return sum(left) == sum(right) + eq.constant


def _solve_for(eq: Equation, key: Key, cells: dict[Key, TemplateCell]) -> int | None:
    """The value of `key` that makes the equation hold, from its other cells; None if one has no number."""
    total, coef = 0, 0
    for sign, side in ((1, eq.left), (-1, eq.right)):
        for k in side:
            if k == key:
                coef += sign
                continue
            n = _number(cells.get(k))
            if n is None:
                return None
            total += sign * n
    if coef == 0:
        return None
    value = (eq.constant - total) / coef
    return int(value) if value == int(value) else None


def _unreadable(cell: TemplateCell, note: str) -> None:
    cell.value, cell.status, cell.note = None, UNREADABLE, note
