"""A researcher's first hour (issue 24) in headless Debian Chromium at 1366×900: the dashboard,
the tables, search and the report page Chinese first, with data on the first screen."""

from __future__ import annotations

import re

import pytest
from helpers import DB_NAME
from test_browser import ARTIFACTS, CHROMIUM, chromium_page

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium not installed"),
    pytest.mark.browser,
    pytest.mark.server,
]
SCREEN = {"width": 1366, "height": 900}


@pytest.fixture(scope="module")
def page():
    with chromium_page(SCREEN) as page:
        yield page


def _chart(page, title: str):
    """The drawn SVG of the dashboard chart headed `title`."""
    card = page.locator(".dashboard-card", has=page.locator(f"text={title}")).first
    svg = card.locator(".vega-embed svg").first
    svg.wait_for(state="attached", timeout=30_000)
    return svg


def _axis_labels(svg) -> list[str]:
    return svg.locator("g.role-axis-label text").all_text_contents()


def test_dashboard_legends_chinese_axes_whole_and_the_province_panel_plots_both(server, page):
    page.goto(server.url("/-/dashboards/overview"))
    page.locator(".vega-embed svg").nth(3).wait_for(state="attached", timeout=30_000)
    page.wait_for_timeout(500)
    drawn = page.locator(".vega-embed svg")
    legends = " ".join(
        " ".join(drawn.nth(i).locator("g.role-legend-label text").all_text_contents()) for i in range(drawn.count())
    )
    assert "警告" in legends and not re.search(r"\b(error|warning|null)\b", legends), legends
    # counts tick at whole numbers only
    for title in ("各年度新收申请", "校验发现", "各省报告与新收申请"):
        labels = [t for t in _axis_labels(_chart(page, title)) if re.fullmatch(r"[\d.,]+", t)]
        assert labels and all("." not in t for t in labels), (title, labels)
    province = _chart(page, "各省报告与新收申请")
    titles = province.locator("g.role-axis-title text").all_text_contents()
    assert any("报告数" in t for t in titles) and any("新收申请" in t for t in titles), titles
    assert province.locator("g.role-legend-label text").all_text_contents()  # the levels
    page.screenshot(path=str(ARTIFACTS / "dashboard_first_hour.png"), full_page=True)


def test_report_page_hover_says_what_is_known_and_the_place_is_shown(server, page):
    import sqlite3

    with sqlite3.connect(server.db_path) as conn:
        conn.row_factory = sqlite3.Row
        reports = {
            r["format"]: r
            for r in conn.execute("select * from reports where format in ('pdf', 'txt') and county is not null")
        }
        for report in reports.values():
            cell = conn.execute(
                "select * from cells where report_id = ? and section = 'requests' and row = 'new' and col = 'total'",
                [report["id"]],
            ).fetchone()
            page.goto(server.url(f"/-/report/{DB_NAME}/{report['id']}"))
            title = page.locator('td[data-cell="requests.new.total"]').get_attribute("title")
            assert "?" not in title, title
            assert ("page" in title) == (cell["page"] is not None), title
            assert ("line" in title) == (cell["line"] is not None), title
            if cell["page"]:
                assert f"page {cell['page']}" in title
            if cell["line"]:
                assert f"line {cell['line']}" in title
            place = page.locator("dl.report-meta").inner_text()
            assert f"{report['province']} / {report['city']} / {report['county']}（{report['adcode']}）" in place
    assert set(reports) == {"pdf", "txt"}  # a PDF (pages, no lines) and a text file (lines, no pages)


def _rows_on_screen(page) -> int:
    """How many data rows are wholly on the first screen."""
    rows = page.locator("table.rows-and-columns tbody tr")
    return sum(
        1
        for i in range(min(rows.count(), 20))
        if (box := rows.nth(i).bounding_box()) and box["y"] + box["height"] <= 900
    )


def _headings(page) -> list[str]:
    return [h.strip().split("\n")[0].strip() for h in page.locator("table.rows-and-columns thead th").all_inner_texts()]


def _facets(page) -> list[str]:
    return page.locator(".facet-info").evaluate_all("els => els.map(e => e.dataset.column)")


def test_reports_table_data_first_facets_chinese_and_each_once(server, page):
    page.goto(server.url(f"/{DB_NAME}/reports"))
    assert _rows_on_screen(page) >= 1
    columns = page.locator("table.rows-and-columns thead th").evaluate_all("els => els.map(e => e.dataset.column)")
    assert columns.index("agency") < 3 and columns.index("year") < 4
    assert columns[-2:] == ["source_path", "source_sha256"]  # the bookkeeping last
    names = page.locator(".facet-info-name strong").all_inner_texts()
    assert names and all(re.match(r"[\u4e00-\u9fff]", n) for n in names), names
    page.screenshot(path=str(ARTIFACTS / "reports_first_screen.png"))
    page.goto(server.url(f"/{DB_NAME}/reports") + "?_facet=province&_facet=city")
    facets = _facets(page)
    assert sorted(facets) == sorted(set(facets)) and {"province", "city"} <= set(facets), facets


def test_reports_page_facets_count_reports_not_files_and_links_to_every_file(copies_server, page):
    """A report read from several files (the PDFs and their pdftotext copies) counts once in
    the facets of the page a researcher opens, with the data and the link to every file in view."""
    import sqlite3

    with sqlite3.connect(copies_server.db_path) as conn:

        def by_province(where: str) -> dict:
            sql = f"select province, count(*) from reports where province is not null {where} group by province"
            return dict(conn.execute(sql).fetchall())

        counted, every = by_province("and duplicate_of is null and not is_template"), by_province("")
    assert counted != every

    def shown() -> dict:
        items = page.locator("#facet-province li").all_inner_texts()
        return {m.group(1): int(m.group(2)) for t in items if (m := re.match(r"(\S+?)\s.*?([\d,]+)\s*\S?$", t.strip()))}

    page.goto(copies_server.url(f"/{DB_NAME}/reports"))
    assert page.url.endswith("?_counted=1")
    assert shown() == counted
    assert _rows_on_screen(page) >= 1
    every_file = page.locator("a.gidr-all-files")
    box = every_file.bounding_box()
    assert box and box["y"] + box["height"] <= SCREEN["height"]  # on the first screen
    page.screenshot(path=str(ARTIFACTS / "reports_counted_first_screen.png"))
    every_file.click()
    page.wait_for_load_state("load")
    assert shown() == every


def test_wide_views_show_rows_of_data_on_the_first_screen(server, page):
    for view in ("requests_wide", "report_summary"):
        page.goto(server.url(f"/{DB_NAME}/{view}"))
        assert _rows_on_screen(page) >= 3, view
        first = page.locator("table.rows-and-columns tbody tr").first.locator("td.col-agency").inner_text()
        assert first.strip(), view  # a report with its agency opens the page
        assert all(re.match(r"[\u4e00-\u9fff]", h) or h.split()[0] in ("Link", "rowid") for h in _headings(page)), (
            _headings(page)
        )
        page.screenshot(path=str(ARTIFACTS / f"{view}_first_screen.png"))
    page.goto(server.url(f"/{DB_NAME}/requests_wide"))
    width = {c: page.locator(f"table.rows-and-columns th.col-{c}").bounding_box()["width"] for c in ("row", "row_zh")}
    assert width["row"] < width["row_zh"], width
    # the first rows' 行 on a line or two, not four (the longest, 申请人逾期未按收费通知…, may take more)
    lines = page.locator("table.rows-and-columns tbody tr td.col-row_zh").evaluate_all(
        "els => els.slice(0, 3).map(e => { const r = document.createRange(); r.selectNodeContents(e);"
        " return new Set([...r.getClientRects()].map(b => Math.round(b.top))).size; })"
    )
    assert max(lines) <= 2, lines


def test_search_page_title_headings_parts_and_snippets_as_printed(server, page):
    import sqlite3

    page.goto(server.url(f"/{DB_NAME}/search", q="审批"))
    assert page.title().startswith("全文检索") and len(page.title()) < 60, page.title()
    assert _rows_on_screen(page) >= 1
    headings = _headings(page)
    assert headings and all(re.match(r"[\u4e00-\u9fff]", h) for h in headings), headings
    parts = page.locator("td.col-parts").all_inner_texts()
    assert parts and not any(re.search(r"[a-z]", p) for p in parts), parts
    rows = server.rows(f"/{DB_NAME}/search.json", q="审批")
    with sqlite3.connect(server.db_path) as conn:
        for row in rows:
            printed = [t for (t,) in conn.execute("select text from sections where report_id = ?", [row["report_id"]])]
            printed += [t for (t,) in conn.execute("select title from reports where id = ?", [row["report_id"]])]
            shown = re.sub(r"[…【】\s]", "", row["snippet"])
            assert any(shown in re.sub(r"\s", "", t or "") for t in printed), row["snippet"]
    assert any("，" in r["snippet"] for r in rows)  # full-width, as the reports print it
