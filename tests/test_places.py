"""Agencies placed in the administrative divisions (gidr_etl/reading/places.py), on real sample texts.

Each case is a real report with its agency's name (and where needed its text) changed, read
by the real TXT reader and core, so the name reaches places.py as the metadata reads it."""

import re
import shutil
import sqlite3
from pathlib import Path

import pytest
import yaml
from helpers import DB_NAME, ROOT, SAMPLES, invoke, run_cli

from gidr_etl.core import build_report
from gidr_etl.formats.txt import TxtFormat
from gidr_etl.reading.places import AMBIGUOUS, CORRECTED, UNKNOWN, place

CONVERTED = Path(__file__).parent / "fixtures" / "converted"
HONGZE_2023 = CONVERTED / "hongze_district_gov_2023.pdftotext.txt"
HONGZE_2024 = CONVERTED / "hongze_district_gov_2024.pdftotext.txt"
LUCHENG = SAMPLES / "001_f034b2af3da2120e.txt"
XIAOSHAN = SAMPLES / "003_7310e8e43cef02b2.txt"
PLACE_RULES = {AMBIGUOUS, UNKNOWN, CORRECTED}


def _read(tmp_path: Path, source: Path, *replacements, count=-1):
    """`source` with each (old, new) replaced (old must be there), read as a report."""
    text = source.read_text("utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, count)
    path = tmp_path / source.name
    path.write_text(text, "utf-8")
    return build_report(TxtFormat().extract(path))


def _place_findings(report):
    return [f for f in report.findings if f.rule in PLACE_RULES]


def _meta(report) -> dict:
    """What the reports row gets: the agency as printed, the place columns, the placed key."""
    return {"agency": report.metadata.agency, **report.place.columns(), "agency_key": report.place.key}


def test_a_short_name_several_divisions_share_is_placed_by_the_reports_address(tmp_path):
    # Hongze 2023 moved to Nanjing: "鼓楼区人民政府" is a district of 南京, 徐州, 福州 and 开封;
    # the report's address line (地址：南京市鼓楼区…) says which.
    report = _read(tmp_path, HONGZE_2023, ("洪泽区", "鼓楼区"), ("淮安市", "南京市"))
    meta = _meta(report)
    assert meta["agency"] == "鼓楼区人民政府"
    assert (meta["adcode"], meta["province"], meta["city"], meta["county"]) == ("320106", "江苏省", "南京市", "鼓楼区")
    assert (meta["level"], meta["kind"]) == ("县", "人民政府")
    assert meta["place_evidence"] == "地址 南京市"
    assert meta["agency_key"] == "320106 人民政府 南京市鼓楼区人民政府"
    assert _place_findings(report) == []


def test_a_short_name_the_text_does_not_decide_stays_unplaced(tmp_path):
    # The same report with no city named anywhere: which 鼓楼区 it is, nothing says.
    report = _read(tmp_path, HONGZE_2023, ("洪泽区", "鼓楼区"), ("淮安市", ""))
    meta = _meta(report)
    assert meta["adcode"] is None and meta["county"] is None and meta["agency_key"] is None
    assert (meta["level"], meta["kind"]) == ("县", "人民政府")  # what the name alone tells
    (finding,) = _place_findings(report)
    assert (finding.rule, finding.severity) == (AMBIGUOUS, "warning")
    for code in ("320106", "320302", "350102", "410204"):
        assert code in finding.message


def test_a_misprinted_county_is_corrected_when_the_text_names_the_real_one(tmp_path):
    # The example: a Hongze report moved to 沭阳县, its title printing 沐阳县. Dozens of
    # counties are one character from 沐阳县 (泗阳县 in the same city); the prose names 沭阳县.
    report = _read(
        tmp_path,
        HONGZE_2023,
        ("                洪泽区人民政府\n", "                沐阳县人民政府\n"),
        ("洪泽区", "沭阳县"),
        ("淮安市", "宿迁市"),
    )
    meta = _meta(report)
    assert meta["agency"] == "沐阳县人民政府"  # as printed
    assert (meta["adcode"], meta["city"], meta["county"]) == ("321322", "宿迁市", "沭阳县")
    assert meta["agency_key"] == "321322 人民政府 宿迁市沭阳县人民政府"
    (finding,) = _place_findings(report)
    assert finding.rule == CORRECTED and "沐阳县" in finding.message and "沭阳县 (321322)" in finding.message


def test_a_misprint_is_not_corrected_on_the_name_alone(tmp_path):
    # 鹿成区 for 鹿城区 in the title of the Lucheng report: corrected while its prose prints 鹿城区 …
    title = ("温州市鹿城区人民政府办公室2022年", "温州市鹿成区人民政府办公室2022年")
    report = _read(tmp_path, LUCHENG, title)
    assert (_meta(report)["agency"], _meta(report)["adcode"]) == ("温州市鹿成区人民政府办公室", "330302")
    assert _meta(report)["kind"] == "办公厅/办公室"
    assert [f.rule for f in _place_findings(report)] == [CORRECTED]
    # … but not when the text prints the misprint throughout (温州市 is in the name: no evidence).
    report = _read(tmp_path, LUCHENG, title, ("鹿城区", "鹿成区"))
    assert _meta(report)["adcode"] is None
    (finding,) = _place_findings(report)
    assert finding.rule == UNKNOWN and "鹿城区 (330302)" in finding.message


def test_an_agency_named_without_any_division_is_unknown(tmp_path):
    # The Xiaoshan report under the short name its own page uses (发布机构 区审管办).
    report = _read(tmp_path, XIAOSHAN, ("杭州市萧山区行政审批服务管理办公室2023年度", "区审管办2023年度"))
    meta = _meta(report)
    assert meta["agency"] == "区审管办"
    assert meta["adcode"] is None and meta["province"] is None and meta["agency_key"] is None
    assert meta["kind"] == "部门"
    (finding,) = _place_findings(report)
    assert finding.rule == UNKNOWN and "区审管办" in finding.message


def test_a_district_printed_under_the_wrong_city_is_not_placed():
    placement, (finding,) = place("淮安市鼓楼区人民政府", "")
    assert placement.adcode is None and finding.rule == UNKNOWN and "not within" in finding.message


@pytest.mark.parametrize(
    "name, text, code, evidence",
    [
        ("鼓楼区财政局", "网站：http://www.njgl.gov.cn/", "320106", "网站 www.njgl.gov.cn"),
        ("鼓楼区财政局", "索引号：11350102MB1234567X/2021-00001", "350102", "索引号 350102"),
    ],
)
def test_a_sites_domain_or_credit_code_decides_a_short_name(name, text, code, evidence):
    placement, findings = place(name, text)
    assert (placement.adcode, placement.evidence, findings) == (code, evidence, [])


EXPECTED = {  # every real report in sample_inputs/: code, level, kind
    "000_2d55a32003931e6c.txt": ("320703", "县", "部门"),  # 连云区行政审批局
    "001_f034b2af3da2120e.txt": ("330302", "县", "办公厅/办公室"),
    "002_3a38b772f27b9fba.txt": ("610500", None, None),  # no agency name read: 渭南市 is all its text names
    "003_7310e8e43cef02b2.txt": ("330109", "县", "部门"),
    "004_20a0191baea80f94.txt": ("610900", "市", "部门"),
    "hongze_district_gov_2023.pdf": ("320813", "县", "人民政府"),
    "hongze_district_gov_2024.pdf": ("320813", "县", "人民政府"),
    "huaian_municipal_gov_2024.pdf": ("320800", "市", "人民政府"),
    "pingtan_zonghe_shiyanqu_2021.txt": ("350128", "县", "人民政府"),
}  # (the blank official form in sample_inputs/ is a template, not a report: is_template)


def test_every_sample_is_placed_and_one_agency_is_one_line_over_the_years(samples_db):
    con = sqlite3.connect(samples_db)
    rows = con.execute(
        "select source_path, adcode, level, kind, agency_key from reports where not is_template"
    ).fetchall()
    assert {Path(p).name: (code, level, kind) for p, code, level, kind, _ in rows} == EXPECTED
    keys = {Path(p).name: key for p, *_, key in rows}
    # printed 洪泽区人民政府 (2023) and 淮安市洪泽区人民政府 (2024): one agency
    assert (
        keys["hongze_district_gov_2023.pdf"]
        == keys["hongze_district_gov_2024.pdf"]
        == "320813 人民政府 淮安市洪泽区人民政府"
    )
    assert con.execute(
        "select count(*) from findings f join reports r on r.id = f.report_id"
        " where not r.is_template and rule in (?, ?, ?)",
        sorted(PLACE_RULES),
    ).fetchone() == (0,)


def test_a_misprinted_year_chains_with_the_agencys_other_years(tmp_path):
    # Hongze 2023 with its title misprinted 洪译区 still chains with 2024 (淮安市洪泽区人民政府).
    folder = tmp_path / "in"
    folder.mkdir()
    text = HONGZE_2023.read_text("utf-8").replace(
        "                洪泽区人民政府\n", "                洪译区人民政府\n", 1
    )
    (folder / HONGZE_2023.name).write_text(text, "utf-8")
    db = tmp_path / "gidr.db"
    invoke("ingest", folder / HONGZE_2023.name, HONGZE_2024, "--db", db, check=0)
    con = sqlite3.connect(db)
    assert con.execute("select agency from reports where year = 2023").fetchone() == ("洪译区人民政府",)
    assert con.execute("select year, next_year from cross_year_chain").fetchall() == [(2023, 2024)]


def test_datasette_facets_and_canned_query_by_province(server):
    facets = server.get(f"/{DB_NAME}/reports.json?_facet=province&_facet=level&_facet=kind")["facet_results"]
    provinces = {f["value"]: f["count"] for f in facets["province"]["results"]}
    assert provinces == {"江苏省": 4, "浙江省": 2, "陕西省": 2, "福建省": 1}
    assert {f["value"] for f in facets["level"]["results"]} == {"县", "市"}
    rows = server.rows(f"/{DB_NAME}/province_agencies.json", province="江苏", year="2024")
    assert sorted((r["agency"], r["adcode"], r["level"]) for r in rows) == [
        ("淮安市人民政府", "320800", "市"),
        ("淮安市洪泽区人民政府", "320813", "县"),
    ]


# ------------------------------------------------------------------ names read by OCR (issue 23, point 8)


def _dashboard(db: Path) -> tuple[int, int, int]:
    """The dashboard's report and agency counts (its own queries, filters off) and report_summary's rows."""
    charts = yaml.safe_load((ROOT / "gidr_etl" / "data" / "datasette.yml").read_text("utf-8"))
    charts = charts["plugins"]["datasette-dashboards"]["overview"]["charts"]
    con = sqlite3.connect(db)
    counts = [con.execute(re.sub(r"\[\[.*?\]\]", "", charts[c]["query"])).fetchone()[0] for c in _COUNTS]
    return (*counts, con.execute("select count(*) from report_summary").fetchone()[0])


_COUNTS = ("reports-count", "agencies-count")


def _shuyang(text: str) -> str:
    """Hongze 2023's text moved to 宿迁市沭阳县 (wrapped where the report wraps 淮安市洪 / 泽区)."""
    moved = text.replace("洪泽区", "沭阳县").replace("洪\n泽区", "沭\n阳县").replace("淮安市", "宿迁市")
    assert moved.count("沭\n阳县") == 1 and "沭阳县" in moved
    return moved


def test_an_ocr_misread_county_is_placed_where_the_text_names_it_and_counts_once(tmp_path):
    """The issue's case: OCR reads 沭 as 沐 wherever it is printed on a line, so the title and
    the prose say 沐阳县 (49 counties are one character from it, 泗阳县 in the same 宿迁市);
    only where the page's line ends between 沭 and 阳县 did it read the name right. That is the
    text naming the county: placed, agency_corrected; and the report's other copy counts it once."""
    folder = tmp_path / "in"
    folder.mkdir()
    moved = _shuyang(HONGZE_2023.read_text("utf-8"))
    (folder / "shuyang_2023.txt").write_text(moved, "utf-8")
    (folder / "shuyang_2023.ocr.txt").write_text(moved.replace("沭阳县", "沐阳县"), "utf-8")
    db = tmp_path / "gidr.db"
    run_cli("ingest", folder, "--db", db, check=0)
    con = sqlite3.connect(db)
    rows = con.execute("select source_path, agency, adcode, agency_key, duplicate_of from reports order by id")
    by_name = {Path(p).name: rest for p, *rest in rows}
    agency, adcode, key, _ = by_name["shuyang_2023.ocr.txt"]
    assert (agency, adcode, key) == ("沐阳县人民政府", "321322", "321322 人民政府 宿迁市沭阳县人民政府")
    assert by_name["shuyang_2023.txt"][2] == key
    (message,) = con.execute("select message from findings where rule = 'agency_corrected'").fetchone()
    assert "沭阳县（321322）" in message and "正文 沭阳县" in message
    assert sum(r[3] is not None for r in by_name.values()) == 1  # one is a copy of the other
    assert _dashboard(db) == (1, 1, 1)


def test_an_unplaced_misread_copy_of_a_report_counts_once(tmp_path):
    """The real hongze 2023 PDF beside a copy whose title's agency was misread (洪泽匹人民政府:
    no division is one character from 洪泽匹), so it cannot be placed and has a key of its own.
    Its year and name one misread from the PDF's, and its cells agreeing, make it a copy."""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copyfile(SAMPLES / "hongze_district_gov_2023.pdf", folder / "hongze_district_gov_2023.pdf")
    text = HONGZE_2023.read_text("utf-8")
    title = "                洪泽区人民政府\n"
    assert title in text
    (folder / "hongze_2023.ocr.txt").write_text(text.replace(title, "                洪泽匹人民政府\n"), "utf-8")
    # In one batch (everything derived at once), and batch by batch (kept up per report): the
    # misread copy after its PDF, then the PDF read again.
    for batches in ([folder], [folder / "hongze_district_gov_2023.pdf", folder]):
        db = tmp_path / f"{len(batches)}.db"
        for batch in batches:
            run_cli("ingest", batch, "--db", db, check=0)
        con = sqlite3.connect(db)
        rows = con.execute("select source_path, agency, adcode, agency_key, duplicate_of from reports order by id")
        by_name = {Path(p).name: rest for p, *rest in rows}
        assert tuple(by_name["hongze_2023.ocr.txt"][:3]) == ("洪泽匹人民政府", None, "洪泽匹人民政府")
        assert con.execute("select count(*) from findings where rule = 'place_unknown'").fetchone() == (1,)
        assert sum(r[3] is not None for r in by_name.values()) == 1
        assert _dashboard(db) == (1, 1, 1)
    run_cli("ingest", folder / "hongze_district_gov_2023.pdf", "--db", db, "--force", check=0)
    assert _dashboard(db) == (1, 1, 1)
