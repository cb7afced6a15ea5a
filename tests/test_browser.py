"""The served pages in headless Debian Chromium: Chinese labels rendered, dashboard charts drawn."""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest
from helpers import DB_NAME, report_id

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium not installed"),
    pytest.mark.browser,
    pytest.mark.server,
    pytest.mark.slow,
]

# Flags for a closed network: no background connections Chromium would retry forever.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def chromium_page(viewport: dict):
    """A zh-CN page of Debian's chromium (driven by Playwright) at `viewport`, for a module's tests."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield browser.new_page(viewport=viewport, locale="zh-CN")
        browser.close()


@pytest.fixture(scope="module")
def page():
    with chromium_page({"width": 1400, "height": 1000}) as page:
        yield page


def test_table_pages_show_chinese_labels(server, page):
    rid = report_id(server, "001_f034b2af3da2120e")
    page.goto(server.url(f"/{DB_NAME}/requests_wide", report_id=rid))
    body = page.inner_text("body")
    assert "本年新收政府信息公开申请数量" in body and "结转下年度继续办理" in body
    # The first data row is 'new' with 91 natural persons, in template order.
    first = page.locator("table.rows-and-columns tbody tr").first.inner_text()
    assert "本年新收政府信息公开申请数量" in first and "91" in first
    page.screenshot(path=str(ARTIFACTS / "requests_wide.png"), full_page=True)

    page.goto(server.url(f"/{DB_NAME}/cells_labelled", report_id=rid, section="requests", row="new"))
    body = page.inner_text("body")
    for label in ("自然人", "商业企业", "法律服务机构", "总计"):
        assert label in body


def test_sections_search_box(server, page):
    page.goto(server.url(f"/{DB_NAME}/sections"))
    page.fill("input#_search", "行政审批")
    page.locator("input#_search").press("Enter")
    page.wait_for_load_state("load")
    assert "_search=" in page.url
    assert page.locator("table.rows-and-columns tbody tr").count() > 0
    page.screenshot(path=str(ARTIFACTS / "sections_search.png"), full_page=True)


def test_dashboard_draws_its_charts(server, page):
    page.goto(server.url("/-/dashboards/overview"))
    assert "政府信息公开年度报告概览" in page.inner_text("body")
    # vega-embed renders each chart into an SVG or a canvas once its query has answered.
    charts = page.locator(".vega-embed svg, .vega-embed canvas")
    charts.nth(3).wait_for(state="attached", timeout=30_000)
    assert charts.count() >= 4
    page.wait_for_timeout(500)  # let the marks' transitions finish before the screenshot
    # The legends carry the official labels (vega-embed draws SVG here, so the text is in the DOM).
    drawn = " ".join(page.locator(".vega-embed svg").all_text_contents())
    for label in ("自然人", "予以公开", "cell_blank"):
        assert label in drawn, label
    out = ARTIFACTS / "dashboard.png"
    page.screenshot(path=str(out), full_page=True)
    assert out.stat().st_size > 10_000


def test_search_query_page(server, page):
    page.goto(server.url(f"/{DB_NAME}/search", q="审批"))
    assert page.locator("table.rows-and-columns tbody tr").count() > 0
    assert "【审批】" in page.inner_text("body")


DOCS = Path(__file__).resolve().parents[1] / "docs"


def copy_dashboard_screenshot(docs: Path = DOCS) -> None:
    """Refresh docs/dashboard.png from the last browser run (run by hand, not by pytest)."""
    shutil.copy(ARTIFACTS / "dashboard.png", docs / "dashboard.png")
