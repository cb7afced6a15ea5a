"""A researcher's first hour (issue 24) in headless Debian Chromium at 1366×900: the dashboard,
the tables, search and the report page Chinese first, with data on the first screen."""

from __future__ import annotations

import re

import pytest
from helpers import DB_NAME
from test_browser import ARTIFACTS, CHROMIUM, FLAGS

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium not installed"),
    pytest.mark.browser,
    pytest.mark.server,
]
SCREEN = {"width": 1366, "height": 900}


@pytest.fixture(scope="module")
def page():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield browser.new_page(viewport=SCREEN, locale="zh-CN")
        browser.close()


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
