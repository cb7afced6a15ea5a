"""Cells printed run together ("640020470"): split them by the table's own arithmetic.

A cell gets a value only when every split consistent with the row sums, column sums,
the 勾稽 balance and the totals the prose states agrees on it; it is then marked
inferred. Any other cell of a run stays NULL with cell_ambiguous.
"""

from __future__ import annotations

from gidr_etl.reading.chooser import choose_linked, has_option
from gidr_etl.reading.digit_runs.solver import Run
from gidr_etl.reading.prose_figures import equations as prose_equations
from gidr_etl.reading.prose_figures import stated_figures
from gidr_etl.report import AMBIGUOUS, BLANK, READ, Report
from gidr_etl.template.arithmetic import equations as table_equations
from gidr_etl.template.arithmetic import unitemized_other
from gidr_etl.template.vocabulary import vocabulary


def resolve_runs(report: Report, runs: list[Run], prose_text: str) -> None:
    """Give the cells of the runs the values the arithmetic forces; the rest stay ambiguous."""
    if not runs:
        return
    vocab = vocabulary()
    for run in runs:  # the cells a printed sign may start: 本年增/减
        run.signed = frozenset(
            i
            for i, (section, _, col) in enumerate(run.cells)
            if any(c.code == col and c.kind == "signed" for c in vocab.section(section).columns_for(report.template))
        )
    known = {
        key: cell.value or 0  # a blank counts as 0 inside a sum
        for key, cell in report.cells.items()
        if cell.status in (READ, BLANK) and not isinstance(cell.value, float)
    }
    # The equations the sum rules check (template/arithmetic.py), as this report prints its table.
    equations = list(table_equations(report.template, unitemized_other(report.template, report.cells)))
    solution = choose_linked(runs, known, equations)
    stated = prose_equations(stated_figures(prose_text))
    if stated and any(v is None for v in solution.values.values()):
        # The prose's totals only ever narrow what the table leaves open: a misprinted
        # prose figure must not discredit splits the table alone already forces.
        with_prose = choose_linked(runs, known, equations + stated)
        if with_prose.count:
            solution = with_prose
    for run in runs:
        # Asked once a run, and only of a run left open: the search may take the whole budget.
        fills = all(solution.values.get(k) is not None for k in run.cells) or has_option(run)
        open_after_sign = _maybe_blank_after_sign(run)
        for i, key in enumerate(run.cells):
            cell = report.cells[key]
            cell.raw = run.text
            value = solution.values.get(key)
            if value is not None and i in open_after_sign:
                cell.status, cell.value = AMBIGUOUS, None
                cell.note = (
                    f"run-together digits {run.text!r}: the signed piece may be 本年增/减 alone, "
                    "the cells after it blank (a dump prints a blank cell as nothing)"
                )
            elif value is None:
                cell.status, cell.value = AMBIGUOUS, None
                cell.note = (
                    f"run-together digits {run.text!r}: no cut of them fills the row's {len(run.cells)} cell(s)"
                    if not fills
                    else f"run-together digits {run.text!r}: an equation they enter fails"
                    if key in solution.discredited
                    else f"run-together digits {run.text!r}: more than one split fits the arithmetic"
                    if not solution.count
                    else f"run-together digits {run.text!r}: {solution.count} splits fit the arithmetic"
                )
            else:
                cell.status, cell.value, cell.inferred = READ, value, True
                cell.note = (
                    f"split from run-together digits {run.text!r}: one digit per cell, as many as the row's cells"
                    if key in solution.forced
                    else f"split from run-together digits {run.text!r}: the only split the arithmetic allows"
                )


def _maybe_blank_after_sign(run: Run) -> set[int]:
    """The cells a sign-led last piece may cover but need not: a 2019 crawler dump prints
    本年增/减 with its sign glued to the cells beside it ("行政许可94018-18") and a blank
    处理决定数量 as nothing, so "-18" may be -1 and 8, or -18 and a blank. Each cut needs the
    cells to print digits; a blank cell prints none, so these cells stay open."""
    pieces = run.text.split()
    if not pieces or pieces[-1][0] not in "+-" or not run.signed:
        return set()
    first = len(run.cells) - 1
    # The signed cell the last piece starts at: the last signed position before the cells it may fill.
    start = max((i for i in run.signed if i < first), default=None)
    return set(range(start, len(run.cells))) if start is not None else set()
