"""The digit-run splitter: real run-together strings, their gold values, and the safety property."""

import itertools
import json
import time
from pathlib import Path

import pytest

from gidr_etl.reading.chooser import choose_linked as solve
from gidr_etl.reading.digit_runs.solver import Run
from gidr_etl.template.arithmetic import ROW_SUM, Equation, equations
from gidr_etl.template.vocabulary import vocabulary

ROOT = Path(__file__).resolve().parent.parent
DUMP = (ROOT / "sample_inputs" / "pingtan_zonghe_shiyanqu_2021.txt").read_text("utf-8")
GOLD_FILES = sorted((ROOT / "tests" / "gold").glob("*/*.json"))

# The Pingtan requests table as the dump prints it: (label text just before the run, run).
PINGTAN_REQUESTS = [
    ("申请数量", "640020470"),  # new
    ("申请数量", "0000000"),  # carried_over
    ("予以公开", "270020130"),
    ("不计其他情形）", "500000 5"),  # partial: the space is printed
    ("国家秘密", "0000000"),
    ("禁止公开", "0000000"),
    ("三安全一稳定”", "0000000"),
    ("合法权益", "0000000"),
    ("内部事务信息", "1000001"),
    ("过程性信息", "0000000"),
    ("行政执法案卷", "6000006"),
    ("行政查询事项", "1000001"),
    ("相关政府信息", "220000325"),
    ("另行制作", "0000000"),
    ("仍不明确", "0000000"),
    ("投诉类申请", "0000000"),
    ("重复申请", "0000000"),
    ("公开出版物", "0000000"),
    ("反复申请", "0000000"),
    ("已获取信息", "0000000"),
    ("不再处理其政府信息公开申请", "0000000"),  # other_no_correction
    ("不再处理其政府信息公开申请", "0000000"),  # other_no_fee
    ("3.其他", "1000001"),  # other_misc
    ("（七）总计", "630020469"),
    ("继续办理", "1000001"),  # carried_forward
]
PINGTAN_APPEALS = "10203120001200000"


def requests_equations(template: str) -> list[Equation]:
    return [e for e in equations(template) if e.claim[0] == "requests"]


def appeals_equations(template: str = "2021") -> list[Equation]:
    return [e for e in equations(template) if e.claim[0] == "appeals"]


def requests_cells(row: str, template: str = "2021") -> list[tuple[str, str, str]]:
    return [("requests", row, c.code) for c in vocabulary().section("requests").columns_for(template)]


def appeals_cells() -> list[tuple[str, str, str]]:
    sec = vocabulary().section("appeals")
    return [("appeals", r.code, c.code) for r in sec.rows_for("2021") for c in sec.columns_for("2021")]


def gold_cells(path: Path) -> dict:
    return {tuple(c[:3]): c[3] for c in json.loads(path.read_text("utf-8"))["cells"]}


def pingtan_runs() -> list[Run]:
    rows = [r.code for r in vocabulary().section("requests").rows_for("2021")]
    return [Run(text, requests_cells(row)) for row, (_, text) in zip(rows, PINGTAN_REQUESTS)]


def test_strings_are_the_dumps_own():
    for label, text in PINGTAN_REQUESTS:
        assert label + text in DUMP
    assert "尚未审结总计" + PINGTAN_APPEALS + "五、" in DUMP


def test_pingtan_requests_solve_uniquely_to_gold():
    gold = gold_cells(ROOT / "tests/gold/realdocs/pingtan_zonghe_shiyanqu_2021.json")
    start = time.perf_counter()
    sol = solve(pingtan_runs(), {}, requests_equations("2021"))
    elapsed = time.perf_counter() - start
    assert (sol.count, sol.complete) == (1, True)
    assert len(sol.values) == 175
    assert all(sol.values[k] == gold[k] for k in sol.values)
    assert elapsed < 1.0


def test_granted_row_alone_is_ambiguous():
    cells = requests_cells("granted")
    row_sum = [e for e in requests_equations("2021") if e.left == (("requests", "granted", "total"),)]
    sol = solve([Run("270020130", cells)], {}, row_sum)
    assert sol.count > 1 and sol.complete
    # 27/0/0/2/0/1/30 and 2/7/0/0/20/1/30 both fit: the columns that differ stay unknown.
    for col in ("natural_person", "commercial", "social_welfare", "legal_services"):
        assert sol.values[("requests", "granted", col)] is None
    assert sol.values[("requests", "granted", "total")] == 30


def test_known_cell_settles_the_granted_row():
    cells = requests_cells("granted")
    sol = solve([Run("270020130", cells)], {("requests", "granted", "natural_person"): 27}, requests_equations("2021"))
    assert sol.count == 1
    assert [sol.values[c] for c in cells] == [27, 0, 0, 2, 0, 1, 30]


AMBIGUOUS_ROWS = [("granted", "unavailable_not_held"), ("new", "granted", "unavailable_not_held", "total")]


def brute_force(runs: list[Run], known: dict, equations: list[Equation]) -> tuple[int, dict]:
    """Every cut of every run, checked against every decidable equation: the obvious, slow answer."""

    def cuts(text: str, n: int) -> list[tuple[int, ...]]:
        out = []
        for pos in itertools.combinations(range(1, len(text)), n - 1):
            parts = [text[a:b] for a, b in zip((0, *pos), (*pos, len(text)))]
            if all(p == "0" or p[0] != "0" for p in parts):
                out.append(tuple(map(int, parts)))
        return out

    def holds(values: dict, eq: Equation) -> bool:
        return sum(values[k] for k in eq.left) == sum(values[k] for k in eq.right) + eq.constant

    def fits(run: Run, opt: tuple[int, ...], eqs: list[Equation]) -> bool:
        return all(holds({**known, **dict(zip(run.cells, opt))}, e) for e in eqs)

    cells = {k for r in runs for k in r.cells} | set(known)
    decidable = [e for e in equations if all(k in cells for k in e.left + e.right)]
    options = []
    for run in runs:
        own = [e for e in decidable if all(k in run.cells or k in known for k in e.left + e.right)]
        options.append([o for o in cuts(run.text, len(run.cells)) if fits(run, o, own)])
    solutions = []
    for combo in itertools.product(*options):
        values = dict(known)
        for run, opt in zip(runs, combo):
            values.update(zip(run.cells, opt))
        if all(holds(values, e) for e in decidable):
            solutions.append(values)
    agreed = {k: (solutions[0][k] if len({s[k] for s in solutions}) == 1 else None) for r in runs for k in r.cells}
    return len(solutions), agreed if solutions else {k: None for r in runs for k in r.cells}


@pytest.mark.parametrize("rows", AMBIGUOUS_ROWS)
def test_solver_agrees_with_brute_force(rows):
    # Pingtan's ambiguous rows as runs, the other cells known from the gold: column sums and the balance
    # link the runs (one solution); with row sums alone each row keeps its two splits (four solutions).
    gold = gold_cells(ROOT / "tests/gold/realdocs/pingtan_zonghe_shiyanqu_2021.json")
    runs = [r for r in pingtan_runs() if r.cells[0][1] in rows]
    known = {k: v for k, v in gold.items() if k[0] == "requests" and k[1] not in rows}
    for eqs in (requests_equations("2021"), [e for e in requests_equations("2021") if e.rule == ROW_SUM]):
        sol = solve(runs, known, eqs)
        assert (sol.count, sol.values) == brute_force(runs, known, eqs)
        assert sol.count in (1, 4)


def test_pingtan_appeals_split_by_group_totals():
    cells = appeals_cells()
    sol = solve([Run(PINGTAN_APPEALS, cells)], {}, appeals_equations())
    assert sol.count == 1
    assert [sol.values[c] for c in cells] == [1, 0, 2, 0, 3, 12, 0, 0, 0, 12, 0, 0, 0, 0, 0]


def test_normative_documents_without_equations_are_ambiguous():
    assert "行政规范性文件693665" in DUMP
    cells = [("art20_1", "normative_documents", c) for c in ("issued", "repealed", "in_force")]
    sol = solve([Run("693665", cells)], {}, [])
    assert sol.count > 1 and sol.complete
    assert all(v is None for v in sol.values.values())


def test_contradiction_gives_no_solution():
    # Hongze 2023 prints its appeals row 10 1 0 0 0 | 0 0 0 0 0 | 5 0 0 0 0: totals that do not add up.
    gold = gold_cells(ROOT / "tests/gold/realdocs/hongze_district_gov_2023.json")
    cells = appeals_cells()
    text = "".join(str(gold[c]) for c in cells)
    sol = solve([Run(text, cells)], {}, appeals_equations())
    assert sol.count == 0
    assert all(v is None for v in sol.values.values())


def test_contradicting_known_cells_give_no_solution():
    # The Pingtan granted row cannot total 31.
    known = {("requests", "granted", "total"): 31}
    sol = solve(pingtan_runs()[2:3], known, requests_equations("2021"))
    assert sol.count == 0 and all(v is None for v in sol.values.values())


def test_too_few_digits_gives_no_solution():
    sol = solve([Run("640020470", [("requests", "new", str(i)) for i in range(10)])], {}, [])
    assert sol.count == 0
    assert all(v is None for v in sol.values.values())


def test_space_fixes_a_boundary():
    cells = [("t", "r", "a"), ("t", "r", "b")]
    assert solve([Run("12 3", cells)], {}, []).values == {cells[0]: 12, cells[1]: 3}
    assert solve([Run("123", cells)], {}, []).count == 2  # 1/23 or 12/3
    # Pingtan's partial row "500000 5": the space makes the last cell 5 before any arithmetic.
    sol = solve([Run("500000 5", requests_cells("partial"))], {}, [])
    assert (sol.count, sol.values[("requests", "partial", "total")]) == (1, 5)


def test_no_leading_zeros():
    # "1000001" in two cells: 1/000001 … 10000/01 are not printed numbers, so only 100000/1 is left.
    cells = [("t", "r", "a"), ("t", "r", "b")]
    sol = solve([Run("1000001", cells)], {}, [])
    assert (sol.count, sol.values) == (1, {cells[0]: 100000, cells[1]: 1})


def test_equation_with_an_unlocated_cell_is_ignored():
    cells = requests_cells("granted")
    eq = Equation([("requests", "granted", "natural_person")], [("requests", "nowhere", "natural_person")])
    assert solve([Run("270020130", cells)], {}, [eq]).count == solve([Run("270020130", cells)], {}, []).count


def test_limit_leaves_everything_unknown():
    sol = solve([Run("693665", [("a", "r", "x"), ("a", "r", "y"), ("a", "r", "z")])], {}, [], limit=3)
    assert not sol.complete
    assert all(v is None for v in sol.values.values())


def test_budget_bounds_a_hopeless_run():
    # The whole Huaian requests table as one run and no equations: far too many cuts to enumerate.
    gold = gold_cells(ROOT / "tests/gold/realdocs/huaian_municipal_gov_2024.json")
    cells = [k for k in gold if k[0] == "requests"]
    start = time.perf_counter()
    sol = solve([Run("".join(str(gold[k]) for k in cells), cells)], {}, [], budget=0.2)
    assert time.perf_counter() - start < 2.0
    assert not sol.complete and all(v is None for v in sol.values.values())


def test_independent_groups_are_counted_apart():
    pingtan = pingtan_runs()
    norm = Run("693665", [("art20_1", "normative_documents", c) for c in ("issued", "repealed", "in_force")])
    sol = solve(pingtan + [norm], {}, requests_equations("2021"))
    # The ambiguous normative row does not blur the uniquely solved requests table.
    assert sol.complete and sol.count > 1
    assert sol.values[("requests", "granted", "natural_person")] == 27
    assert sol.values[("art20_1", "normative_documents", "issued")] is None


def row_runs(gold: dict, section: str) -> list[Run]:
    """Each printed row of a gold table as one digit run; blank or unreadable rows are not located."""
    rows: dict[str, list] = {}
    for key in gold:
        if key[0] == section:
            rows.setdefault(key[1], []).append(key)
    located = [keys for keys in rows.values() if all(type(gold[k]) is int for k in keys)]
    return [Run("".join(str(gold[k]) for k in keys), keys) for keys in located]


SCORED = [p for p in GOLD_FILES if p.stem != "template_2021_blank_govnianbao"]


@pytest.mark.parametrize("path", SCORED, ids=lambda p: p.stem)
def test_never_a_wrong_number(path):
    """Concatenate each printed row of a gold table, solve: every cell is the gold value or None."""
    template = json.loads(path.read_text("utf-8"))["metadata"]["template"]
    gold = gold_cells(path)
    groups = row_runs(gold, "appeals")
    # The appeals table is printed as one row of 15.
    appeals = [Run("".join(r.text for r in groups), [k for r in groups for k in r.cells])] if len(groups) == 3 else []
    for runs, eqs in ((row_runs(gold, "requests"), requests_equations(template)), (appeals, appeals_equations())):
        sol = solve(runs, {}, eqs)
        assert sol.complete
        wrong = {k: (v, gold[k]) for k, v in sol.values.items() if v is not None and v != gold[k]}
        assert not wrong


def test_seed_001_is_fully_recovered():
    # A non-trivial table (113 new, 110 handled, 8 carried forward): the arithmetic pins every cell.
    gold = gold_cells(ROOT / "tests/gold/seeds/001_f034b2af3da2120e.json")
    sol = solve(row_runs(gold, "requests"), {}, requests_equations("2021"))
    assert sol.count == 1
    assert sol.values == {k: gold[k] for k in sol.values}


def test_equations_follow_the_template():
    eqs21, eqs19 = requests_equations("2021"), requests_equations("2019")
    # 25 row sums + 7 column sums + 7 balances; 2019 has 23 rows.
    assert (len(eqs21), len(eqs19)) == (39, 37)
    col_sum = next(e for e in eqs21 if e.left == (("requests", "total", "natural_person"),) and len(e.right) > 2)
    assert [k[1] for k in col_sum.right][-3:] == ["other_no_correction", "other_no_fee", "other_misc"]
    assert col_sum.right[0][1] == "granted" and len(col_sum.right) == 21
    col_sum19 = next(e for e in eqs19 if e.left == (("requests", "total", "natural_person"),) and len(e.right) > 2)
    assert col_sum19.right[-1][1] == "other" and len(col_sum19.right) == 19
    groups = ("review", "suit_direct", "suit_after_review")
    assert [e.left for e in appeals_equations()] == [(("appeals", r, "total"),) for r in groups]
