"""Prose figures: real sentences from the sample reports, and prose-versus-table contradictions."""

import json
from pathlib import Path

import pytest

from gidr_etl.reading.chooser import choose_linked as solve
from gidr_etl.reading.digit_runs.solver import Run
from gidr_etl.reading.prose_figures import Figure, contradictions, equations, stated_figures
from gidr_etl.template.arithmetic import equations as table_equations
from gidr_etl.template.vocabulary import vocabulary
from gidr_etl.text.normalize import normalize_text

ROOT = Path(__file__).resolve().parent.parent
PINGTAN = "本年度全区共收到70件申请，及时依法依规办结69件，1件结转下年度继续办理。"
# As pdftotext prints the PDFs' prose (line wraps kept).
HONGZE_2024 = (
    "申请答复工作规范高效。2024 年，区政府办代表区政府受理政府\n信息公开申请 17 件，均已在法定期限内予以答复。\n-1-\n"
)
HONGZE_2023 = "依申请公开受理渠。2023 年全区受理政府信息公开申请 21 件，\n均在法定期限答复。\n"
HUAIAN_2024 = (
    "和针对性。2024 年，全市共受理政府信息公开申请 3119 件，答\n"
    "复 3050 件（含上年度结转申请 34 件，另有 103 件顺延到下年度\n"
    "答复），均在法定期限内予以答复。政府信息公开行政复议 351\n"
    "件，其中结果维持 72 件，结果纠正 64 件，其他结果 178 件，尚\n"
    "未审结 37 件；政府信息公开行政诉讼 46 件，其中结果维持 25\n"
    "件，结果纠正 5 件，其他结果 9 件，尚未审结 7 件。\n"
)


def read(name: str) -> str:
    return normalize_text((ROOT / "sample_inputs" / name).read_text("utf-8"))


def gold_cells(name: str) -> dict:
    path = next((ROOT / "tests" / "gold").glob(f"*/{name}.json"))
    return {tuple(c[:3]): (c[3] if type(c[3]) is int else None) for c in json.loads(path.read_text("utf-8"))["cells"]}


def pairs(text: str) -> list[tuple[str, int]]:
    return [(f.key, f.value) for f in stated_figures(normalize_text(text))]


def test_pingtan_sentence_is_split_by_clause():
    assert normalize_text(PINGTAN) in read("pingtan_zonghe_shiyanqu_2021.txt")
    assert pairs(PINGTAN) == [("requests_received", 70), ("requests_completed", 69), ("requests_carried_forward", 1)]


def test_the_whole_pingtan_dump_states_only_its_prose_figures():
    # The run-together table ("结转下年度继续办理1000001") has no 件 and is not prose.
    figures = stated_figures(read("pingtan_zonghe_shiyanqu_2021.txt"))
    assert [(f.key, f.value, f.quote) for f in figures] == [
        ("requests_received", 70, "本年度全区共收到70件申请"),
        ("requests_completed", 69, "及时依法依规办结69件"),
        ("requests_carried_forward", 1, "1件结转下年度继续办理"),
    ]


@pytest.mark.parametrize(
    "doc, sentence, value",
    [
        ("001_f034b2af3da2120e.txt", "截至12月31日,区府办共收到依申请公开件113件", 113),
        ("003_7310e8e43cef02b2.txt", "2023年,我办共收到依申请公开0件", 0),
        ("004_20a0191baea80f94.txt", "2021 年度我局共受理 0 件依申请公开", 0),
    ],
)
def test_received_in_the_seeds(doc, sentence, value):
    assert sentence in read(doc)
    assert pairs(sentence) == [("requests_received", value)]
    assert ("requests_received", value) in [(f.key, f.value) for f in stated_figures(read(doc))]


def test_pdf_line_wraps_are_closed_up():
    assert pairs(HONGZE_2024) == [("requests_received", 17)]
    assert pairs(HONGZE_2023) == [("requests_received", 21)]


def test_huaian_states_every_kind():
    assert pairs(HUAIAN_2024) == [
        ("requests_received", 3119),
        ("requests_completed", 3050),
        ("requests_carried_over", 34),  # 上年度结转 is not 结转下年度
        ("requests_carried_forward", 103),  # 顺延到下年度
        ("reviews", 351),
        ("lawsuits", 46),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "无依法申请公开相关内容。",  # no number: never an invented 0
        "本年度内未发生政府信息公开类行政复议、行政诉讼案件。",  # 003
        "在收到申请之日起20个工作\n日内予以答复或者提供政务信息。",  # 004: days, not requests
        # 004: hotline figures (decimals, 万件, rates), no 申请 in the sentence.
        "中心共接听群众来电来信31.27万件（含市长信箱、政务服务网、微信公众号），接通29.29万件，"
        "接通率93.68%，当场答复22.08万件，形成任务工单7.21万件，按期办结率99.86%，群众满意率91.36%。",
        "向全区28家受理件较少的单位提交测试申请件并予以测评。",  # 001: 28 units, not requests
        "行政复议、行政诉讼案件3件。",  # both together: neither count alone
        "针对依申请公开出具答复书12件。",  # reply letters, not requests
    ],
)
def test_no_figure_without_a_clear_count(text):
    assert pairs(text) == []


def test_comma_is_never_a_thousands_separator():
    # After NFKC "，" is ",": "办结69,103件结转" is two clauses, not 69103 completed.
    assert pairs("共收到申请172件,及时办结69,103件结转下年度。") == [
        ("requests_received", 172),
        ("requests_carried_forward", 103),
    ]


def test_hongze_2024_prose_contradicts_its_table():
    figures = stated_figures(normalize_text(HONGZE_2024))
    assert contradictions(figures, gold_cells("hongze_district_gov_2024")) == [(figures[0], 95)]


@pytest.mark.parametrize(
    "name, text",
    [
        ("pingtan_zonghe_shiyanqu_2021", PINGTAN),
        ("hongze_district_gov_2023", HONGZE_2023),
        ("huaian_municipal_gov_2024", HUAIAN_2024),
        ("001_f034b2af3da2120e", "区府办共收到依申请公开件113件。"),
    ],
)
def test_consistent_reports_raise_nothing(name, text):
    figures = stated_figures(normalize_text(text))
    assert figures and contradictions(figures, gold_cells(name)) == []


def test_received_may_include_carried_over():
    # 受理 N 件 often counts last year's leftovers too: 113 new + 5 carried over = 118 is not a contradiction.
    table = gold_cells("001_f034b2af3da2120e")
    assert contradictions([Figure("requests_received", 118, "")], table) == []
    assert contradictions([Figure("requests_received", 117, "")], table) != []


def test_unknown_table_values_are_skipped():
    figures = [Figure("requests_completed", 69, ""), Figure("lawsuits", 2, "")]
    table = {("requests", "total", "total"): None, ("appeals", "suit_direct", "total"): 1}
    assert contradictions(figures, table) == []


def test_prose_totals_constrain_the_split():
    # The Pingtan total row solved with the prose's 办结69件 as well: still the gold split.
    cols = [c.code for c in vocabulary().section("requests").columns_for("2021")]
    cells = [("requests", "total", c) for c in cols]
    eqs = equations(stated_figures(PINGTAN))
    assert [(e.left, e.constant) for e in eqs] == [
        ((("requests", "total", "total"),), 69),
        ((("requests", "carried_forward", "total"),), 1),
    ]
    sol = solve([Run("630020469", cells)], {}, list(table_equations("2021")) + eqs)
    assert [sol.values[c] for c in cells] == [63, 0, 0, 2, 0, 4, 69]
    # A figure the table cannot meet leaves the cells unknown rather than forcing a split.
    wrong = equations([Figure("requests_completed", 70, "")])
    assert solve([Run("630020469", cells)], {}, list(table_equations("2021")) + wrong).count == 0
