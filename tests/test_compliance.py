"""What evaluators check (issue 25): on time, every part, the current template, no year
missing, and the scorecard; each on a real sample and on a variant made from it here."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from helpers import DB_NAME, SAMPLES, invoke

from gidr_etl.core import build_report
from gidr_etl.formats.txt import TxtFormat
from gidr_etl.hookspecs import hookimpl
from gidr_etl.plugins import load_plugins
from gidr_etl.report import Issue
from gidr_etl.validation import compliance

XIAOSHAN = SAMPLES / "003_7310e8e43cef02b2.txt"  # 区审管办 (a department), 2023, 发布日期 2024-01-16
PINGTAN = SAMPLES / "pingtan_zonghe_shiyanqu_2021.txt"  # a government, 2021, 发布时间 2022-02-08
LIANYUN = SAMPLES / "000_2d55a32003931e6c.txt"  # a department, 2021, every part there
ANKANG = SAMPLES / "004_20a0191baea80f94.txt"  # 2021 format, 六、其他需要报告的事项: "无。"
SHAANXI_2020 = SAMPLES / "002_3a38b772f27b9fba.txt"  # a report for 2020 on the 2019 template
COMPLIANCE = ("published_late", "publish_date_unknown", "deadline_unknown", "template_outdated", "part_missing")


def _report(text: str, tmp_path: Path, name: str = "r.txt"):
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return build_report(TxtFormat().extract(path))


def _found(report) -> dict[str, list]:
    out: dict[str, list] = {}
    for f in report.findings:
        if f.rule in COMPLIANCE:
            out.setdefault(f.rule, []).append(f)
    return out


def _text(path: Path) -> str:
    return path.read_text("utf-8")


# ------------------------------------------------------------------ on time


def test_a_department_published_by_31_january_is_on_time_and_after_it_late(tmp_path):
    text = _text(XIAOSHAN)
    report = _report(text, tmp_path)
    assert (report.place.kind, report.metadata.publish_date) == ("部门", "2024-01-16")
    assert _found(report) == {}
    late = _report(text.replace("2024-01-16", "2024-02-16"), tmp_path)
    [finding] = _found(late)["published_late"]
    assert (finding.severity, finding.section, finding.col) == ("warning", "metadata", "publish_date")
    assert "2024-02-16" in finding.message and "2024-01-31" in finding.message and "第四十九条" in finding.message


def test_a_government_has_until_31_march(tmp_path):
    text = _text(PINGTAN)
    assert _report(text, tmp_path).metadata.publish_date == "2022-02-08"
    assert "published_late" not in _found(_report(text, tmp_path))
    in_march = _report(text.replace("2022-02-08", "2022-03-31"), tmp_path)
    assert "published_late" not in _found(in_march)
    april = _found(_report(text.replace("2022-02-08", "2022-04-01"), tmp_path))
    assert "2022-03-31" in april["published_late"][0].message


def test_no_publish_date_is_an_info_finding_not_a_verdict(tmp_path):
    lines = [line for line in _text(XIAOSHAN).splitlines() if "2024-01-16" not in line]
    report = _report("\n".join(lines), tmp_path)
    assert report.metadata.publish_date is None
    found = _found(report)
    assert "published_late" not in found
    assert [f.severity for f in found["publish_date_unknown"]] == ["info"]


# ------------------------------------------------------------------ the template


def test_a_report_for_2021_on_the_2019_template_is_outdated(tmp_path):
    text = _text(SHAANXI_2020)
    report = _report(text, tmp_path)
    assert (report.metadata.year, report.template) == (2020, "2019")
    assert "template_outdated" not in _found(report)
    swapped = _report(text.replace("2020", "2021"), tmp_path)
    assert (swapped.metadata.year, swapped.template) == (2021, "2019")
    [finding] = _found(swapped)["template_outdated"]
    assert "30号" in finding.message


# ------------------------------------------------------------------ required parts


def test_every_part_there_raises_nothing_and_a_deleted_part_is_missing(tmp_path):
    text = _text(LIANYUN)  # printed in Traditional characters
    assert _found(_report(text, tmp_path)) == {}
    head, rest = text.split("五、存在的主要問題及改進情況")
    deleted = head + rest[rest.index("六、其他需要報告的事項") :]
    [finding] = _found(_report(deleted, tmp_path))["part_missing"]
    assert (finding.section, finding.row, finding.col) == ("parts", "problems", None)
    assert "未找到" in finding.message and "第五十条" in finding.message


def test_an_emptied_part_is_missing(tmp_path):
    text = _text(LIANYUN)
    head, rest = text.split("五、存在的主要問題及改進情況")
    emptied = head + "五、存在的主要問題及改進情況\n（文字描述）\n" + rest[rest.index("六、其他需要報告的事項") :]
    [finding] = _found(_report(emptied, tmp_path))["part_missing"]
    assert finding.row == "problems" and "为空" in finding.message


def test_a_part_numbering_its_own_items_keeps_them(tmp_path):
    # 六 listing its items as 一、二、 (a smaller number than its own): they are its text, not a new part
    listed = _text(ANKANG).replace("\n\n无。", "\n\n一、本年度未收取信息处理费。\n二、无其他需要报告的事项。")
    report = _report(listed, tmp_path)
    assert report.parts["other"].startswith("一、本年度未收取信息处理费") and "part_missing" not in _found(report)


def test_the_2021_format_asks_for_the_information_processing_fee(tmp_path):
    # 安康 prints only "无。" under 六: the fee the 2021 format asks for is not reported.
    [finding] = _found(_report(_text(ANKANG), tmp_path))["part_missing"]
    assert (finding.row, finding.col) == ("other", "信息处理费")
    # 连云 says it charged nothing: "未收取…任何费用"; said of the fee, it passes
    assert "part_missing" not in _found(_report(_text(LIANYUN), tmp_path))
    fee = _text(ANKANG).replace("\n\n无。", "\n\n本年度未收取信息处理费。")
    assert "part_missing" not in _found(_report(fee, tmp_path))


def test_a_government_reports_its_assessment_review_and_accountability(tmp_path):
    # 条例 第五十条第（四）项: 平潭 (a government) names 考核 but neither 评议 nor 责任追究.
    found = _found(_report(_text(PINGTAN), tmp_path))["part_missing"]
    assert {f.col for f in found} == {"社会评议", "责任追究结果"}
    said = _text(PINGTAN).replace("无收取信息处理费情况。", "无收取信息处理费情况。开展社会评议，落实责任追究。")
    assert "part_missing" not in _found(_report(said, tmp_path))


# ------------------------------------------------------------------ across reports, and the scorecard


def _year_variant(folder: Path, year: int) -> None:
    # 平潭 as if printed for another year: the year the title, the text and its dates carry
    text = _text(PINGTAN).replace("2021", str(year)).replace("2022-02-08", f"{year + 1}-02-08")
    (folder / f"pingtan_{year}.txt").write_text(text, "utf-8")


def _db_rows(db: Path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def gap_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("years")
    _year_variant(folder, 2019)
    _year_variant(folder, 2021)
    db = tmp_path_factory.mktemp("gapdb") / f"{DB_NAME}.db"
    invoke("ingest", folder, "--db", db, check=0)
    return folder, db


def test_a_year_missing_between_two_is_a_gap_and_filling_it_clears_it(gap_db, tmp_path):
    folder, db = gap_db
    gaps = _db_rows(
        db, "select r.year, f.message from findings f join reports r on r.id = f.report_id where rule = 'year_gap'"
    )
    assert [(year, "缺少 2020 年报告" in message) for year, message in gaps] == [(2021, True)]
    copy = tmp_path / f"{DB_NAME}.db"
    copy.write_bytes(db.read_bytes())
    _year_variant(folder, 2020)
    invoke("ingest", folder, "--db", copy, check=0)  # the batch's own agency-years are redone
    assert _db_rows(copy, "select count(*) from findings where rule = 'year_gap'") == [(0,)]


def test_the_scorecard_says_what_the_findings_say(samples_db):
    rows = {
        name: (on_time, parts, template, sums, prose)
        for name, on_time, parts, template, sums, prose in _db_rows(
            samples_db,
            "select r.source_path, on_time, parts_complete, template_current, sums_balance, prose_agrees"
            " from compliance c join reports r on r.id = c.report_id",
        )
    }
    by_stem = {Path(name).stem: checks for name, checks in rows.items()}
    assert by_stem[XIAOSHAN.stem] == (1, 1, 1, 1, 1)
    assert by_stem[ANKANG.stem][:2] == (None, 0)  # no publish date printed; the fee not reported
    assert by_stem["hongze_district_gov_2023"][3] == 0  # its appeals_row_sum errors
    assert by_stem["hongze_district_gov_2024"][4] == 0  # its prose_contradiction
    assert "template_2021_blank_govnianbao" not in by_stem  # a blank template is never counted
    # 洪泽区 reported 2023 and 2024 (printed as 洪泽区人民政府, then 淮安市洪泽区人民政府): no year missing
    assert _db_rows(samples_db, "select count(*) from findings where rule = 'year_gap'") == [(0,)]


class _Zhejiang:
    """A province's stricter deadline for its departments, and a rule of its own in the scorecard."""

    @hookimpl
    def register_rules(self, register):
        strict = compliance.Deadline("部门", "01-15", "浙江省规定（测试）", provinces=("浙江省",))
        compliance.register_on_time(register, [strict])

        def fee_named(report):  # the province wants the fee named, not "no fees at all"
            if "信息处理费" not in report.parts.get("other", ""):
                yield Issue("parts", "other", "信息处理费", "未写明信息处理费 · the fee is not named")

        register("fee_not_named", "warning", compliance.scored("parts_complete", fee_named))


def test_a_plugins_deadline_and_rule_count_in_the_scorecard_as_built_in_ones(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / XIAOSHAN.name).write_bytes(XIAOSHAN.read_bytes())
    (folder / LIANYUN.name).write_bytes(LIANYUN.read_bytes())
    db = tmp_path / f"{DB_NAME}.db"
    pm = load_plugins()
    pm.register(_Zhejiang(), "test-zhejiang")
    try:
        invoke("ingest", folder, "--db", db, check=0)
    finally:
        pm.unregister(name="test-zhejiang")
    scores = dict(
        _db_rows(
            db,
            "select r.source_path, c.on_time || c.parts_complete from compliance c join reports r on r.id = c.report_id",
        )
    )
    by_stem = {Path(name).stem: value for name, value in scores.items()}
    # 萧山 (浙江) published 2024-01-16: on time nationally, late by the province's 01-15;
    # 连云 (江苏) keeps the national deadline; it says "未收取…任何费用", which the province's
    # own rule (the fee named) fails.
    assert by_stem == {XIAOSHAN.stem: "01", LIANYUN.stem: "10"}
    assert ("fee_not_named", "parts_complete", "fails") in _db_rows(db, "select * from scorecard_rules")


# ------------------------------------------------------------------ served and exported


@pytest.mark.server
def test_the_scorecard_served_by_datasette(server):
    view = server.rows(f"/{DB_NAME}/compliance.json", _size="max")
    with sqlite3.connect(server.db_path) as conn:
        counted = conn.execute("select count(*) from reports where duplicate_of is null and not is_template").fetchone()
    assert len(view) == counted[0]
    meta = server.get("/-/metadata.json")["databases"][DB_NAME]
    assert meta["tables"]["compliance"]["columns"]["on_time"].startswith("按时发布")
    # one agency over its years: 洪泽区人民政府 2023 and 淮安市洪泽区人民政府 2024 are one agency
    years = server.rows(f"/{DB_NAME}/agency_scorecard.json", agency="洪泽区")
    assert [(r["year"], r["sums_balance"], r["prose_agrees"], r["note"]) for r in years] == [
        (2023, 0, 1, None),
        (2024, 1, 0, None),
    ]
    # the dashboard's panel: the share passing, by province and year, over the decided reports
    chart = server.get("/-/metadata.json")["plugins"]["datasette-dashboards"]["compliance"]["charts"]["pass-share"]
    sql = chart["query"].replace("[[ and instr(c.agency, :agency) > 0 ]]", "")
    shares = server.rows(f"/{DB_NAME}.json", sql=sql)
    jiangsu_2023 = {
        r["check_name"].split()[-1]: r["share"] for r in shares if (r["province"], r["year"]) == ("江苏省", "2023")
    }
    assert jiangsu_2023["sums_balance"] == 0 and jiangsu_2023["template_current"] == 1
    assert jiangsu_2023["on_time"] is None  # 洪泽 2023 prints no publish date: nothing decided


def test_the_scorecard_is_exported(samples_db, tmp_path):
    invoke("export", samples_db, "--to", tmp_path, "--format", "csv", check=0)
    lines = (tmp_path / "compliance.csv").read_text("utf-8-sig").splitlines()
    assert lines[0].startswith("report_id,agency,agency_key,year") and "on_time" in lines[0]
    assert len(lines) - 1 == _db_rows(samples_db, "select count(*) from compliance")[0][0]


class _RequiresContact:
    """A province asking for one more item: the built-in part_missing with it laid over."""

    @hookimpl
    def register_rules(self, register):
        contact = {"item": "联系方式", "anywhere": True, "words": ["联系", "邮编"], "source": "省规定（测试）"}
        register(
            "part_missing", "warning", compliance.part_missing_rule(extra_items=[{**contact, "templates": ["2021"]}])
        )


def test_a_plugin_adds_a_required_item_to_part_missing(tmp_path):
    text = _text(XIAOSHAN)  # gives no 联系 (contact) and no 邮编 (postcode)
    pm = load_plugins()
    pm.register(_RequiresContact(), "test-contact")
    try:
        found = _found(_report(text, tmp_path))["part_missing"]
        assert [f.col for f in found] == ["联系方式"]
        assert "part_missing" not in _found(
            _report(text.replace("无收取信息处理费", "联系电话 0571-1234。无收取信息处理费"), tmp_path)
        )
    finally:
        pm.unregister(name="test-contact")
    assert "part_missing" not in _found(_report(text, tmp_path))  # the built-in rule is back


def test_each_finding_has_its_chinese_name():
    from gidr_etl.serving.report_page import zh
    from gidr_etl.validation import year_gaps

    names = {rule: zh("rule", rule) for rule in (*COMPLIANCE, year_gaps.RULE)}
    assert all(names.values()), names
    assert zh("severity", "info") == "提示"


def test_a_report_read_before_the_checks_existed_is_not_scored_on_them(samples_db, tmp_path):
    from gidr_etl.database import views

    db = tmp_path / f"{DB_NAME}.db"
    db.write_bytes(samples_db.read_bytes())
    with sqlite3.connect(db) as conn:
        conn.execute("update reports set extractor_version = '4' where source_path like ?", [f"%{XIAOSHAN.name}"])
    views.prepare(db)
    [row] = _db_rows(
        db,
        "select on_time, parts_complete, template_current, sums_balance, prose_agrees from compliance c"
        " join reports r on r.id = c.report_id where r.source_path like ?",
        f"%{XIAOSHAN.name}",
    )
    assert row == (None, None, None, 1, 1)  # an older read: no verdict it was not given
