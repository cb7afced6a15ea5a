"""#15 points 5, 8 and 9 against a real Datasette: codes and messages Chinese first, the pages'
SQL at scale giving what the cells say, agency over the years, the balance's difference,
纠正率 apart, the metadata `gidr-etl serve` uses, `gidr-etl install`."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest
import yaml
from helpers import DB_NAME, ROOT, SAMPLES, free_port, report_id, run_cli, running_server

from gidr_etl.serving import server as serve

SEED_001 = SAMPLES / "001_f034b2af3da2120e.txt"


def _html(server, path: str, **params) -> str:
    with urllib.request.urlopen(server.url(path, **params), timeout=30) as resp:
        return resp.read().decode("utf-8")


def _panel_sql(chart: str) -> str:
    meta = yaml.safe_load(serve.find_metadata().read_text("utf-8"))
    sql = meta["plugins"]["datasette-dashboards"]["overview"]["charts"][chart]["query"]
    return re.sub(r"\[\[.*?\]\]", "", sql, flags=re.S)


@pytest.fixture(scope="module")
def unbalanced(tmp_path_factory):
    """Seed 001 with natural persons' 结转下年度 printed 9 instead of 8, served."""
    folder = tmp_path_factory.mktemp("unbalanced")
    lines = SEED_001.read_text("utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("四、结转下年度继续办理")) + 1
    assert lines[at] == "8 |"
    lines[at] = "9 |"
    (folder / SEED_001.name).write_text("\n".join(lines) + "\n", "utf-8")
    db = tmp_path_factory.mktemp("unbalanced-db") / f"{DB_NAME}.db"
    run_cli("ingest", folder, "--db", db, check=0)  # loaded, with its error findings
    with running_server(db, tmp_path_factory) as srv:
        yield srv


# ------------------------------------------------------------------ 9. smaller


def test_agency_over_years_matches_on_the_agency_key(server):
    # 2024 prints 淮安市洪泽区人民政府, 2023 洪泽区人民政府: one agency over the years.
    rows = server.rows(f"/{DB_NAME}/agency_over_years.json", agency="淮安市洪泽区")
    assert [(r["year"], r["agency"]) for r in rows] == [(2023, "洪泽区人民政府"), (2024, "淮安市洪泽区人民政府")]
    assert len({r["agency_key"] for r in rows}) == 1


@pytest.mark.slow
def test_balance_failures_show_the_difference(unbalanced):
    (row,) = unbalanced.rows(f"/{DB_NAME}/balance_failures.json")
    assert row["col"] == "natural_person" and (row["new"], row["carried_over"], row["total"]) == (91, 5, 88)
    assert row["carried_forward"] == 9
    assert row["difference"] == 91 + 5 - 88 - 9 == -1
    assert row["message"].startswith("natural_person 列：新收 + 上年结转 = 96，总计 + 结转下年度 = 97 · ")


def test_correction_rates_for_reviews_and_suits_apart(server):
    rid = report_id(server, "huaian_municipal_gov_2024.pdf")
    (row,) = server.rows(f"/{DB_NAME}/report_summary.json", report_id=rid)
    with sqlite3.connect(server.db_path) as conn:
        cells = {
            (r, c): v or 0
            for r, c, v in conn.execute(
                "select row, col, value from cells where report_id = ? and section = 'appeals'", [rid]
            )
        }

    def rate(rows):
        decided = sum(cells[r, c] for r in rows for c in ("upheld", "corrected", "other"))
        return round(sum(cells[r, "corrected"] for r in rows) / decided, 4)

    assert row["review_correction_rate"] == rate(["review"])
    assert row["suit_correction_rate"] == rate(["suit_direct", "suit_after_review"])
    assert row["correction_rate"] == rate(["review", "suit_direct", "suit_after_review"])
    assert row["review_correction_rate"] != row["suit_correction_rate"]


@pytest.mark.slow
def test_serve_uses_the_packaged_metadata_and_says_which(samples_db, tmp_path):
    # A datasette.yml of another project in the working folder is not picked up.
    (tmp_path / "datasette.yml").write_text("title: Someone else's database\n", "utf-8")
    port = free_port()
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gidr_etl.cli", "serve", str(samples_db), "--port", str(port)],
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/metadata.json", timeout=2) as resp:
                    meta = yaml.safe_load(resp.read())
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.3)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert meta["title"].startswith("政府信息公开工作年度报告数据库")
    assert f"metadata: {serve.find_metadata()}" in log.read_text("utf-8")


@pytest.mark.slow
def test_install_runs_pip_in_gidr_etls_own_environment():
    proc = run_cli(
        "install",
        "--dry-run",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        ROOT / "plugins" / "gidr-etl-markdown",
        check=0,
    )
    assert "Would install gidr-etl-markdown-" in proc.stdout


# ------------------------------------------------------------------ 8. the pages' SQL at scale, still right


def test_outcomes_panel_adds_up_the_counted_cells(server):
    rows = server.rows(f"/{DB_NAME}.json", sql=_panel_sql("outcomes"))
    with sqlite3.connect(server.db_path) as conn:
        handled = conn.execute(
            "select sum(value) from cells c join reports r on r.id = c.report_id where c.section = 'requests'"
            " and c.col = 'total' and c.row = 'total' and r.duplicate_of is null and not r.is_template"
        ).fetchone()[0]
    assert [r["outcome"] for r in rows][:3] == ["予以公开", "部分公开", "不予公开"]
    # Each report's outcome rows add up to its （七）总计 (the samples' sums hold).
    assert sum(r["requests"] for r in rows) == handled > 0


def test_cells_labelled_counts_every_counted_cell_in_template_order(server):
    with sqlite3.connect(server.db_path) as conn:
        counted = conn.execute(
            "select count(*) from cells c join reports r on r.id = c.report_id"
            " where r.duplicate_of is null and not r.is_template"
        ).fetchone()[0]
    data = server.get(f"/{DB_NAME}/cells_labelled.json", _size=5)
    assert data["filtered_table_rows_count"] == counted
    rid = report_id(server, "hongze_district_gov_2024.pdf")
    rows = server.rows(f"/{DB_NAME}/cells_labelled.json", report_id=rid, section="appeals", _size="max")
    assert [r["row"] for r in rows][:5] == ["review"] * 5 and rows[5]["row"] == "suit_direct"
    assert [r["col_zh"] for r in rows][:5] == ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]


def test_search_snippet_marks_the_words(server):
    rows = server.rows(f"/{DB_NAME}/search.json", q="畅通依申请公开")
    assert rows and all("【畅通依申请公开】" in r["snippet"] for r in rows)
    short = server.rows(f"/{DB_NAME}/search.json", q="復議")
    assert short and all("【复议】" in r["snippet"] for r in short)


# ------------------------------------------------------------------ 5. Chinese first


def test_finding_messages_are_chinese_with_the_english_beside(server):
    rows = server.rows(f"/{DB_NAME}/findings.json", _size="max")
    assert rows
    for f in rows:
        chinese, sep, english = f["message"].partition(" · ")
        assert sep and re.search(r"[\u4e00-\u9fff]", chinese) and re.search(r"[a-z]{3}", english), f


def test_codes_shown_with_their_chinese_names(server):
    page = _html(server, f"/{DB_NAME}/findings")
    assert '单元格空白 <code class="gidr-code">cell_blank</code>' in page  # a cell and a facet value
    assert '警告 <code class="gidr-code">warning</code>' in page
    page = _html(server, f"/{DB_NAME}/requests_wide", report_id=report_id(server, "001_f034b2af3da2120e"), _facet="row")
    assert '属于国家秘密 <code class="gidr-code">denied_state_secret</code>' in page  # the row facet
    assert '<span class="gidr-zh">自然人</span>' in page  # the column heading
    page = _html(server, f"/{DB_NAME}/cells", _facet="col")
    assert '已读 <code class="gidr-code">read</code>' in page


def test_dashboard_names_the_rules_in_chinese(server):
    rows = server.rows(f"/{DB_NAME}.json", sql=_panel_sql("findings-by-rule"))
    assert "单元格空白 cell_blank" in {r["rule"] for r in rows}


def test_province_panel_counts_each_report_once(server):
    rows = server.rows(f"/{DB_NAME}.json", sql=_panel_sql("by-province"))
    counted = server.rows(f"/{DB_NAME}.json", sql=_panel_sql("reports-count"))[0]["n"]
    assert sum(r["reports"] for r in rows) == counted


def test_shares_shown_as_percentages(server):
    rid = report_id(server, "huaian_municipal_gov_2024.pdf")
    (row,) = server.rows(f"/{DB_NAME}/report_summary.json", report_id=rid)
    page = _html(server, f"/{DB_NAME}/report_summary", report_id=rid)
    shown = f"{row['correction_rate'] * 100:.1f}%".replace(".0%", "%")
    assert f'<span title="{row["correction_rate"]}">{shown}</span>' in page
