"""A research database people trust (issue #15), checked against a real Datasette server:
each report counted once, blank templates kept out, search finding what is printed,
a page per report, pages answering while an ingest writes."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from helpers import ALTERED_SEED, CONVERTED, DB_NAME, ROOT, SAMPLES, SEEDS, invoke, run_cli, running_server

pytestmark = [pytest.mark.server]

PDFS = sorted(SAMPLES.glob("*.pdf"))
TEMPLATE = SAMPLES / "template_2021_blank_govnianbao.docx"


def _q(db: Path, sql: str, *params):
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def test_conversions_are_copies_of_their_pdfs(copies_db):
    rows = _q(copies_db, "select r.source_path, c.source_path from reports r join reports c on c.id = r.duplicate_of")
    pairs = {(Path(copy).name, Path(counted).name) for copy, counted in rows}
    for pdf in PDFS:
        conversion = f"{pdf.stem}.pdftotext.txt"
        # the PDF and its conversion read the same cells here; either may count, never both
        assert (conversion, pdf.name) in pairs or (pdf.name, conversion) in pairs, pairs
    assert (f"{ALTERED_SEED}.reprint.txt", f"{ALTERED_SEED}.txt") in pairs or (
        f"{ALTERED_SEED}.txt",
        f"{ALTERED_SEED}.reprint.txt",
    ) in pairs


def test_only_distinct_reports_count(copies_server, copies_db, samples_db):
    srv = copies_server
    distinct = _q(samples_db, "select count(*) from reports where not is_template")[0][0]
    # copies (and the blank template) stay queryable
    assert _q(copies_db, "select count(*) from reports where not is_template")[0][0] == distinct + len(PDFS) + 1
    assert len(srv.rows(f"/{DB_NAME}/report_summary.json", _size="max")) == distinct
    # every total equals the total of the distinct reports alone
    expected = {
        r[0]: r[1]
        for r in _q(
            samples_db,
            """
        select r.year, sum(c.value) from cells c join reports r on r.id = c.report_id
        where c.section = 'requests' and c.row = 'new' and c.col = 'total' and r.year is not null group by r.year""",
        )
    }
    got = {r["year"]: r["applications_received"] for r in srv.rows(f"/{DB_NAME}/totals_by_year.json")}
    assert {y: got[y] for y in expected} == expected
    assert (
        sum(r["reports"] for r in srv.rows(f"/{DB_NAME}/totals_by_year.json"))
        == _q(samples_db, "select count(*) from reports where year is not null")[0][0]
    )
    charts = srv.get("/-/metadata.json")["plugins"]["datasette-dashboards"]["overview"]["charts"]
    (n,) = srv.rows(f"/{DB_NAME}.json", sql=re.sub(r"\[\[.*?\]\]", "", charts["reports-count"]["query"]))
    assert n["n"] == distinct
    (new,) = srv.rows(f"/{DB_NAME}.json", sql=re.sub(r"\[\[.*?\]\]", "", charts["applications-count"]["query"]))
    assert (
        new["n"]
        == sum(expected.values())
        + (
            _q(
                samples_db,
                """
        select coalesce(sum(c.value), 0) from cells c join reports r on r.id = c.report_id
        where c.section = 'requests' and c.row = 'new' and c.col = 'total' and r.year is null""",
            )[0][0]
        )
    )
    rids = [r["report_id"] for r in srv.rows(f"/{DB_NAME}/requests_wide.json", row="new", _size="max")]
    assert len(rids) == len(set(rids)) == distinct


def test_copies_that_disagree_name_the_cell(copies_server, copies_db):
    rows = copies_server.rows(f"/{DB_NAME}/findings.json", rule="copies_disagree", _size="max")
    assert {(r["section"], r["row"], r["col"]) for r in rows} == {("requests", "new", "natural_person")}
    assert len(rows) == 2  # on both copies, each naming the other's value
    values = {
        r["report_id"]: _q(
            copies_db,
            "select value from cells where report_id = ? and section = 'requests'"
            " and row = 'new' and col = 'natural_person'",
            r["report_id"],
        )[0][0]
        for r in rows
    }
    assert sorted(values.values()) == [91, 92]
    for r in rows:
        assert f"is {values[r['report_id']]} here" in r["message"]


def test_blank_template_is_a_file_not_a_report(copies_server, copies_db):
    files = copies_server.rows(f"/{DB_NAME}/files.json", path__endswith=TEMPLATE.name)
    assert [f["status"] for f in files] == ["template"]
    # Kept in reports (what was read of it can be checked) but never counted.
    assert _q(copies_db, "select is_template from reports where id = ?", files[0]["report_id"]) == [(1,)]
    assert (
        _q(copies_db, "select count(*) from reports where agency is null and year is null and not is_template")[0][0]
        == 0
    )
    summary = {r["report_id"] for r in copies_server.rows(f"/{DB_NAME}/report_summary.json")}
    assert files[0]["report_id"] not in summary
    # the contract kit still reads it
    from gidr_etl.ingest.pipeline import process_file

    out = process_file(str(TEMPLATE))
    assert out.report is not None and out.report.template == "2021"


def _search(srv, q) -> set[str]:
    return {Path(r["source_path"]).name for r in srv.rows(f"/{DB_NAME}/search.json", q=q)}


@pytest.mark.parametrize("q", ["畅通依申请公开", "（国令第", "(国令第", "暢通依申請公開"])
def test_search_finds_what_is_printed(copies_server, q):
    # printed across a line break in the PDF (畅通 | 依申请公开), with full-width brackets
    assert "hongze_district_gov_2023.pdf" in _search(copies_server, q)


def test_search_folds_traditional_queries(copies_server, copies_db):
    expected = {
        Path(p).name
        for (p,) in _q(
            copies_db,
            """
        select distinct r.source_path from sections s join reports r on r.id = s.report_id
        where r.duplicate_of is null and (s.text like '%复议%' or s.text like '%復議%')""",
        )
    }
    assert expected
    assert _search(copies_server, "復議") == expected == _search(copies_server, "复议")


def test_prose_is_stored_as_printed(copies_db):
    (text,) = _q(
        copies_db,
        """select group_concat(s.text, '') from sections s join reports r on r.id = s.report_id
                             where r.source_path like '%hongze_district_gov_2023.pdf'""",
    )[0]
    assert "畅通依申请公开" in text and "（国令第" in text


def test_report_page_shows_the_official_layout(copies_server, copies_db):
    (rid,) = _q(copies_db, "select id from reports where source_path like '%hongze_district_gov_2023.pdf'")[0]
    with urllib.request.urlopen(copies_server.url(f"/-/report/{DB_NAME}/{rid}"), timeout=30) as resp:
        page = resp.read().decode()
    assert "hongze_district_gov_2023.pdf" in page
    assert 'colspan="5">法人或其他组织</th>' in page  # the merged applicant heading
    assert '<th colspan="10">行政诉讼</th>' in page
    (new_total,) = _q(
        copies_db,
        "select value from cells where report_id = ? and section = 'requests' and row = 'new' and col = 'total'",
        rid,
    )[0]
    assert re.search(rf'data-cell="requests.new.total"[^>]*>{int(new_total)}<', page)
    # the short route finds the database itself
    with urllib.request.urlopen(copies_server.url(f"/-/report/{rid}"), timeout=30) as resp:
        assert resp.status == 200
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(copies_server.url("/-/report/999999"), timeout=30)
    assert err.value.code == 404


def test_report_ids_link_to_the_report_page(copies_server):
    with urllib.request.urlopen(copies_server.url(f"/{DB_NAME}/report_summary"), timeout=30) as resp:
        page = resp.read().decode()
    assert re.search(rf'href="/-/report/{DB_NAME}/\d+"', page)


@pytest.mark.slow
def test_datasette_alone_gets_the_plugin(copies_db):
    # What the `datasette` entry point gives an installed gidr-etl: the SQL function.
    code = (
        "import asyncio, sys\n"
        "from gidr_etl.serving.plugin import register; register()\n"
        "from datasette.app import Datasette\n"
        "ds = Datasette([sys.argv[1]])\n"
        "r = asyncio.run(ds.get_database().execute(\"select gidr_search_text('復議（國令第')\"))\n"
        "print(r.rows[0][0])"
    )
    out = subprocess.run([sys.executable, "-c", code, str(copies_db)], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "复议(国令第", out.stderr


@pytest.mark.slow
def test_pages_answer_while_an_ingest_writes(tmp_path, tmp_path_factory):
    db = tmp_path / f"{DB_NAME}.db"
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for seed in SEEDS:
        shutil.copy(seed, seeds)
    run_cli("ingest", seeds, "--db", db, check=0)
    before = _q(db, "select count(*) from reports")[0][0]
    pages = [
        f"/{DB_NAME}/reports.json",
        f"/{DB_NAME}/report_summary.json",
        f"/{DB_NAME}/requests_wide.json",
        f"/{DB_NAME}/search.json?q=%E6%94%BF%E5%BA%9C%E4%BF%A1%E6%81%AF",
        f"/{DB_NAME}/cells.json?_size=200",
        "/-/report/1",
        f"/{DB_NAME}",
    ]
    with running_server(db, tmp_path_factory) as srv:
        result = {}
        ingest = threading.Thread(target=lambda: result.update(proc=run_cli("ingest", SAMPLES, CONVERTED, "--db", db)))
        ingest.start()
        failures, answered = [], 0
        while ingest.is_alive() or answered < len(pages):
            for page in pages:
                try:
                    with urllib.request.urlopen(srv.base + page, timeout=30) as resp:
                        resp.read()
                    answered += 1
                except urllib.error.HTTPError as exc:
                    failures.append((page, exc.code, exc.read()[:200]))
            time.sleep(0.05)
        ingest.join()
        assert result["proc"].returncode == 0, result["proc"].stderr
        assert failures == []
        # the new reports show without a restart
        after = _q(db, "select count(*) from reports where duplicate_of is null and not is_template")[0][0]
        assert after > before
        assert len(srv.rows(f"/{DB_NAME}/report_summary.json", _size="max")) == after


def test_export_wide_tables_count_each_report_once(copies_server, copies_db, tmp_path):
    import csv
    import json

    from openpyxl import load_workbook

    invoke("export", copies_db, "--to", tmp_path, check=0)
    raw = (tmp_path / "requests.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    served = {r["report_id"]: r for r in copies_server.rows(f"/{DB_NAME}/requests_wide.json", row="new", _size="max")}
    assert {int(r["report_id"]) for r in rows} == set(served)  # one row per counted report
    for r in rows:
        want = served[int(r["report_id"])]
        assert (float(r["new.total"]) if r["new.total"] else None) == want["total"]
        assert r["agency"] == (want["agency"] or "")
    wb = load_workbook(tmp_path / "gidr.xlsx", read_only=True)
    assert wb.sheetnames == ["art20", "requests", "appeals", "compliance"]  # compliance: issue 25's scorecard
    assert sum(1 for _ in wb["requests"].iter_rows()) == len(rows) + 2  # Chinese names over the codes
    data = json.loads((tmp_path / "gidr.json").read_text("utf-8"))
    assert [d["report_id"] for d in data["appeals"]] == [int(r["report_id"]) for r in rows]


def test_export_one_report_in_the_official_layout(copies_db, tmp_path):
    from openpyxl import load_workbook

    (rid,) = _q(copies_db, "select id from reports where source_path like '%hongze_district_gov_2023.pdf'")[0]
    invoke("export", copies_db, "--report", rid, "--to", tmp_path / "r.xlsx", check=0)
    ws = load_workbook(tmp_path / "r.xlsx").active
    merged = {str(m): ws.cell(m.min_row, m.min_col).value for m in ws.merged_cells.ranges}
    assert "法人或其他组织" in merged.values() and "行政诉讼" in merged.values() and "不予公开" in merged.values()
    # the 本年新收 row: its heading, then the seven values as read
    (new_row,) = [r for r in ws.iter_rows(values_only=True) if r[0] == "本年新收政府信息公开申请数量"]
    read = [
        v
        for (v,) in _q(
            copies_db,
            """select value from cells where report_id = ? and section = 'requests'
                                      and row = 'new'""",
            rid,
        )
    ]
    values = [v for v in new_row[2:9]]
    assert sorted(values) == sorted(read) and values[-1] == max(read)


def test_the_reports_page_opens_on_the_counted_reports_facet_counts_too(copies_server, copies_db):
    """The reports table lists copies; its page opens on the reports that count, rows and facet
    counts (issue 24: 上海市 showed 4 for one report), and links to every file's row."""
    import html

    def opened(query: str) -> tuple[str, str]:
        with urllib.request.urlopen(f"{copies_server.base}/{DB_NAME}/reports{query}", timeout=30) as resp:
            return "?" + urllib.parse.urlsplit(resp.geturl()).query, resp.read().decode("utf-8")

    def facet(query: str) -> tuple[dict, int]:
        with urllib.request.urlopen(f"{copies_server.base}/{DB_NAME}/reports.json{query}", timeout=30) as resp:
            data = json.loads(resp.read())
        provinces = {r["value"]: r["count"] for r in data["facet_results"]["province"]["results"]}
        return provinces, data["filtered_table_rows_count"]

    def count(where: str) -> tuple[dict, int]:
        sql = f"select province, count(*) from reports where 1 {where} group by province"
        rows = _q(copies_db, sql)
        return {p: n for p, n in rows if p is not None}, sum(n for _, n in rows)

    counted, every = count("and duplicate_of is null and not is_template"), count("")
    assert counted[0] != every[0]  # the database has copies of placed reports
    query, page = opened("")
    assert query == "?_counted=1"
    assert facet(query + "&_facet=province") == counted
    # the page says so, and links to the counted reports and to every file's row
    assert "计入统计的报告" in page.split('class="rows-and-columns"')[0]
    links = dict(re.findall(r'class="(gidr-counted|gidr-all-files)" href="([^"]+)"', page))
    assert facet(html.unescape(links["gidr-counted"]) + "&_facet=province") == counted
    query, _ = opened(html.unescape(links["gidr-all-files"]))
    assert facet(query + "&_facet=province") == every
    # a facet or sort asked for keeps the counted reports; a filter is the reader's own
    query, _ = opened("?_facet=city&_sort=year")
    assert "_counted=1" in query and "_facet=city" in query
    mine = "?province=" + urllib.parse.quote("江苏省")
    assert opened(mine)[0] == mine
    # the JSON is the table as it is
    assert facet("?_facet=province") == every
