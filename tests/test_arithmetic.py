"""The template's equations are stated once: the digit-run solver and the sum rules read the same set."""

from pathlib import Path

from helpers import SAMPLES, gold_cells
from test_fragments import _report as fragments_report
from test_fragments import _variant

from gidr_etl.template import arithmetic
from gidr_etl.template.arithmetic import COLUMN_SUM, RULES
from gidr_etl.template.vocabulary import vocabulary

PINGTAN = SAMPLES / "pingtan_zonghe_shiyanqu_2021.txt"
SEED_001 = SAMPLES / "001_f034b2af3da2120e.txt"
HONGZE_2024 = Path(__file__).parent / "fixtures" / "converted" / "hongze_district_gov_2024.pdftotext.txt"

# Pingtan's （六）其他处理 as the dump prints it (three sub-rows), and as one row: the sum of
# the three, the way Hongze's 2021 reports print it.
PINGTAN_ITEMIZED = (
    "（六）其他处理1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请0000000"
    "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请0000000"
    "3.其他1000001（七）总计"
)
PINGTAN_ONE_ROW = "（六）其他处理1000001（七）总计"


def _report(path: Path, tmp_path: Path, *replacements):
    return fragments_report(_variant(tmp_path, path, *replacements))


def _sum_findings(report) -> set:
    return {(f.rule, f.section, f.row, f.col) for f in report.findings if f.rule in RULES}


def test_the_solver_reads_the_unitemized_other_row(tmp_path):
    # Row sums alone leave 予以公开 "270020130" and 不掌握 "220000325" two splits each; the column
    # sums settle them, and in this table those sums run through the one （六） row.
    report = _report(PINGTAN, tmp_path, (PINGTAN_ITEMIZED, PINGTAN_ONE_ROW))
    assert report.template == "2021"
    assert arithmetic.unitemized_other(report.template, report.cells)
    gold = gold_cells(PINGTAN.name)
    for row in ("granted", "unavailable_not_held"):
        cells = {k: c for k, c in report.cells.items() if k[:2] == ("requests", row)}
        assert len(cells) == 7 and all(c.inferred for c in cells.values())
        assert {k: c.value for k, c in cells.items()} == {k: gold[k] for k in cells}
    cols = [c.code for c in vocabulary().section("requests").columns_for("2021")]
    assert [report.value("requests", "other", c) for c in cols] == [1, 0, 0, 0, 0, 0, 1]
    assert not any(c.status == "ambiguous" for k, c in report.cells.items() if k[0] == "requests")
    # The rules check the same equations: the table holds.
    assert _sum_findings(report) == set()


def test_the_rules_check_the_unitemized_other_row(tmp_path):
    # Hongze 2024 prints （六）其他处理 as one row of 0s; printed 1 for natural persons (and its
    # total), the row sum still holds but （七）总计 no longer adds up in those two columns.
    report = _report(
        HONGZE_2024,
        tmp_path,
        (
            "（六）其他处理                           0    0   0   0    0    0   0",
            "（六）其他处理                           1    0   0   0    0    0   1",
        ),
    )
    assert arithmetic.unitemized_other(report.template, report.cells)
    assert _sum_findings(report) == {
        (COLUMN_SUM, "requests", "total", "natural_person"),
        (COLUMN_SUM, "requests", "total", "total"),
    }
    messages = {f.message for f in report.findings if f.rule == COLUMN_SUM}
    assert (
        "natural_person 列：总计为 95，各办理结果行合计 96 · "
        "总计 is 95 but the outcome rows add up to 96 in column natural_person"
    ) in messages


def test_an_equation_left_out_is_gone_from_both(tmp_path, monkeypatch):
    # （七）总计 natural_person 88 → 89 in seed 001 breaks the balance, the column sum and the row sum.
    changed = ("(七)总计 |\n88 |", "(七)总计 |\n89 |")
    found = _sum_findings(_report(SEED_001, tmp_path, changed))
    assert (COLUMN_SUM, "requests", "total", "natural_person") in found
    pingtan = _report(PINGTAN, tmp_path)
    assert pingtan.value("requests", "granted", "natural_person") == 27

    stated = arithmetic._equations
    monkeypatch.setattr(arithmetic, "_equations", lambda *a: tuple(e for e in stated(*a) if e.rule != COLUMN_SUM))
    without = _sum_findings(_report(SEED_001, tmp_path, changed))
    # The rule no longer checks it; the other equations still do.
    assert without == {f for f in found if f[0] != COLUMN_SUM} and without
    # And the solver no longer uses it: 予以公开 keeps its two splits.
    pingtan = _report(PINGTAN, tmp_path)
    assert pingtan.status("requests", "granted", "natural_person") == "ambiguous"
    assert pingtan.value("requests", "granted", "natural_person") is None
