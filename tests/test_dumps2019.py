"""2019-template crawler dumps written from seed 002's gold (tests/dump2019.py): the layouts met in
real dumps, and a contradiction that discredits only what it touches. Every dump is checked whole:
no cell holds a number other than the one its text says."""

import pytest
from dump2019 import REQUEST_COLUMNS, REQUEST_ROWS, busy_cells, dump, seed_cells

from gidr_etl.core import build_report
from gidr_etl.formats.txt import TxtFormat
from gidr_etl.reading.chooser import choose_linked as solve
from gidr_etl.reading.digit_runs.solver import Run
from gidr_etl.report import AMBIGUOUS
from gidr_etl.template.arithmetic import equations

# 本年增/减 and 处理决定数量 run together after the sign, with no equation to cut them.
UNCUT = {("art20_5", r, c) for r in ("licensing", "other_services") for c in ("change", "decisions")}


def read(tmp_path, text: str, name: str = "dump.txt"):
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return build_report(TxtFormat().extract(path))


def wrong(report, cells) -> dict:
    return {
        k: (report.cells[k].value, v)
        for k, v in cells.items()
        if report.cells[k].value is not None and (v is None or abs(report.cells[k].value - v) > 1e-9)
    }


def missed(report, cells) -> set:
    return {k for k, v in cells.items() if v is not None and report.cells[k].value is None}


def section(cells, name: str) -> dict:
    return {k: v for k, v in cells.items() if k[0] == name}


def test_the_dump_reads_all_but_the_uncut_runs(tmp_path):
    cells = busy_cells()
    report = read(tmp_path, dump(cells))
    assert report.template == "2019"
    assert not wrong(report, cells)
    # The appeals row 12 1 0 0 13 also cuts as 1 2 10 0 13: only its total is certain.
    assert missed(report, cells) == UNCUT | {("appeals", "review", c) for c in ("upheld", "corrected", "other")}


def test_seed_002_as_a_dump(tmp_path):
    # The seed's blank 总计 leaves its total row one digit short: that row fails, nothing else.
    cells = seed_cells()
    report = read(tmp_path, dump(cells))
    assert not wrong(report, cells)
    assert missed(report, cells) == UNCUT | {
        ("requests", "total", c)
        for c in ("natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org")
    }


def test_signed_change_glued_to_its_neighbours(tmp_path):
    cells = busy_cells()
    text = dump(cells)
    assert "行政许可38-12391" in text and "其他对外管理服务事项2+157480" in text
    report = read(tmp_path, text)
    # The sign fixes where 上一年项目数量 ends; 本年增/减 and 处理决定数量 stay open, never 12391.
    assert report.value("art20_5", "licensing", "prior_items") == 38
    assert report.value("art20_5", "other_services", "prior_items") == 2
    assert all(report.cells[k].value is None and report.cells[k].status == AMBIGUOUS for k in UNCUT)


def test_a_sign_goes_only_to_a_signed_column():
    cells = [("art20_5", "licensing", c) for c in ("prior_items", "change", "decisions")]
    sol = solve([Run("38 -12391", cells, frozenset({1}))], {}, [])
    assert sol.count == 4 and sol.values == {cells[0]: 38, cells[1]: None, cells[2]: None}
    assert solve([Run("3 8 -1", cells, frozenset({1}))], {}, []).count == 0  # -1 is no 处理决定数量
    assert solve([Run("38 -1 2391", cells, frozenset({1}))], {}, []).values[cells[1]] == -1


def test_unit_between_runs(tmp_path):
    cells = busy_cells()
    cells["art20_9", "central_procurement", "projects"] = 1
    cells["art20_9", "central_procurement", "amount"] = 24.69
    text = dump(cells, amount_in_yuan=True)
    assert "政府集中采购1个246900元" in text
    report = read(tmp_path, text)
    assert report.value("art20_9", "central_procurement", "projects") == 1
    assert report.value("art20_9", "central_procurement", "amount") == 24.69
    assert not wrong(report, cells)


@pytest.mark.parametrize(
    "layout",
    [
        {"caption_six": False},  # 行政处罚 printed straight after the （五） block
        {"change_header": "本年增/减量"},
        {"part_three": "二"},  # part 三 misnumbered
        {"handled_twice": True},  # 三、本年度办理结果 printed twice
    ],
    ids=lambda d: next(iter(d)),
)
def test_dump_layouts_read_like_the_plain_dump(tmp_path, layout):
    cells = busy_cells()
    plain = read(tmp_path, dump(cells), "plain.txt")
    report = read(tmp_path, dump(cells, **layout))
    assert not wrong(report, cells)
    assert missed(report, cells) == missed(plain, cells)
    assert all(
        report.value("art20_6", r, c) == 0
        for r in ("penalties", "enforcement")
        for c in ("prior_items", "change", "decisions")
    )


def test_a_damaged_appeals_digit_leaves_the_requests_table(tmp_path):
    cells = busy_cells()
    cells["appeals", "review", "total"] = 14  # 12 + 1 printed as totalling 14
    report = read(tmp_path, dump(cells))
    assert not wrong(report, cells)
    assert not missed(report, section(cells, "requests"))
    appeals = report.cells["appeals", "review", "total"]
    assert appeals.value is None and "fails" in appeals.note


def test_a_damaged_requests_digit_discredits_only_its_row(tmp_path):
    cells = busy_cells()
    cells["requests", "granted", "commercial"] = 7  # the granted row no longer adds up
    report = read(tmp_path, dump(cells))
    assert not wrong(report, cells)
    assert missed(report, {("requests", "granted", c): 1 for c in ("natural_person", "commercial", "total")})
    # Rows whose digits fix their split alone stand; the appeals table is untouched.
    assert report.value("requests", "denied_state_secret", "total") == 0
    assert report.value("appeals", "review", "total") == 13
    assert report.value("art20_1", "regulations", "produced") == 0


def test_zeros_stand_beside_a_contradiction():
    # "000" splits one way only: a failed equation elsewhere does not make it NULL.
    zeros = [("art20_1", "regulations", c) for c in ("produced", "published", "total_published")]
    review = [("appeals", "review", c) for c in ("upheld", "corrected", "other", "pending", "total")]
    eqs = [e for e in equations("2019") if e.claim and e.claim[0] == "appeals"]
    sol = solve([Run("000", zeros), Run("1210014", review)], {}, eqs)
    assert sol.count == 0
    assert [sol.values[k] for k in zeros] == [0, 0, 0]
    assert all(sol.values[k] is None for k in review) and set(review) <= sol.discredited


# Requests rows of one digit per cell, as "6000017" prints them (issue #21, point 2).
ONE_DIGIT_ROWS = {
    "new": [6, 0, 0, 0, 0, 1, 7],
    "granted": [5, 0, 0, 0, 0, 1, 6],
    "unavailable_not_held": [1, 0, 0, 0, 0, 0, 1],
    "total": [6, 0, 0, 0, 0, 1, 7],
}


@pytest.mark.parametrize(
    "figures, printed_total",
    [
        ({}, [1, 0, 0, 0, 0, 0, 1]),  # seed 002's zeros, its (七)总计 printed as if one request was granted
        (ONE_DIGIT_ROWS, [5, 0, 0, 0, 0, 1, 6]),  # the outcomes total 7, the total row says 6
    ],
    ids=["seed_zeros", "one_digit_rows"],
)
def test_totals_that_disagree_with_their_parts(tmp_path, figures, printed_total):
    """Each requests row prints as many digits as it has cells: the split is forced by the
    digit count, so every row stands though the printed totals break the column sums, and the
    broken sums are errors."""
    cells = seed_cells()
    for row, values in {**figures, "total": printed_total}.items():
        cells.update({("requests", row, c): v for c, v in zip(REQUEST_COLUMNS, values)})
    report = read(tmp_path, dump(cells))
    requests = section(cells, "requests")
    assert not wrong(report, cells)
    assert not missed(report, requests)
    assert all(report.cells[k].inferred for k in requests)
    errors = {(f.rule, f.row, f.col) for f in report.findings if f.severity == "error"}
    parts = [r for r, _ in REQUEST_ROWS[2:-2]]  # the outcome rows the total row sums
    broken = [
        c for c in REQUEST_COLUMNS if sum(cells["requests", r, c] for r in parts) != cells["requests", "total", c]
    ]
    assert broken and {("requests_column_sum", "total", c) for c in broken} <= errors


def test_a_row_of_one_digit_per_cell_that_breaks_its_own_sum_is_not_forced():
    """'6000019' for seven cells: one digit a cell would make the row's own sum fail (6 + 1 ≠ 9):
    a blank cell beside a two-digit figure prints as many digits, so the digit count forces nothing."""
    cells = [("requests", "new", c) for c in REQUEST_COLUMNS]
    total_row = [("requests", "total", c) for c in REQUEST_COLUMNS]
    eqs = list(equations("2019"))
    sol = solve([Run("6000019", cells), Run("0000000", total_row)], {}, eqs)
    assert all(sol.values[k] is None for k in cells)
    assert not sol.forced & set(cells)


def test_a_blank_after_a_signed_change_leaves_the_cut_open(tmp_path):
    """A blank 处理决定数量 prints nothing: "行政许可94018-18" may be 94018, -1, 8 or 94018, -18 and
    a blank, so 本年增/减 and 处理决定数量 stay open (fuzz seed 77 read -1)."""
    cells = busy_cells()
    cells["art20_5", "licensing", "prior_items"] = 94018
    cells["art20_5", "licensing", "change"] = -18
    cells["art20_5", "licensing", "decisions"] = None
    text = dump(cells)
    assert "行政许可94018-18其他" in text
    report = read(tmp_path, text)
    assert not wrong(report, cells)
    assert report.value("art20_5", "licensing", "prior_items") == 94018
    assert all(report.cells["art20_5", "licensing", c].status == AMBIGUOUS for c in ("change", "decisions"))
