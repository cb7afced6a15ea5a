"""Chinese first, as a person sees it in headless Debian Chromium (#15 point 5): codes under
their Chinese names, headings in Chinese, shares as percentages, a wide view's data on the
first screen with its column notes folded away."""

from __future__ import annotations

import pytest
from helpers import DB_NAME, report_id
from test_browser import ARTIFACTS, CHROMIUM, chromium_page

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium not installed")
SCREEN = {"width": 1400, "height": 900}


@pytest.fixture(scope="module")
def page():
    with chromium_page(SCREEN) as page:
        yield page


def test_requests_wide_data_on_the_first_screen(server, page):
    page.goto(server.url(f"/{DB_NAME}/requests_wide"))
    first_row = page.locator("table.rows-and-columns tbody tr").first
    assert first_row.bounding_box()["y"] + first_row.bounding_box()["height"] < SCREEN["height"]
    page.screenshot(path=str(ARTIFACTS / "requests_wide_first_screen.png"))
    # The column notes are one click away, not above the data.
    notes = page.locator("details.gidr-column-notes")
    assert notes.count() == 1 and not page.locator("dl.column-descriptions").is_visible()
    notes.locator("summary").click()
    assert page.locator("dl.column-descriptions").is_visible()
    headings = page.locator("table.rows-and-columns thead th").all_inner_texts()
    for heading in ("报告编号", "发布机关", "自然人", "总计"):
        assert any(h.startswith(heading) for h in headings), headings


def test_facets_and_codes_read_in_chinese(server, page):
    page.goto(server.url(f"/{DB_NAME}/findings"))
    facets = page.locator(".facet-results").inner_text()
    assert "警告 warning" in facets and "单元格空白 cell_blank" in facets
    rules = page.locator("table.rows-and-columns td.col-rule").all_inner_texts()
    assert rules and all(" " in r and r.split(" ")[0] != r.split(" ")[-1] for r in rules)
    seed = report_id(server, "001_f034b2af3da2120e")
    page.goto(server.url(f"/{DB_NAME}/requests_wide", report_id=seed, _facet="row"))
    facets = page.locator(".facet-results").inner_text()
    assert "本年新收政府信息公开申请数量 new" in facets
    page.goto(server.url(f"/{DB_NAME}/cells", report_id=seed, section="requests", col="total"))
    cells = page.locator("table.rows-and-columns").inner_text()
    assert "属于国家秘密 denied_state_secret" in cells and "收到和处理政府信息公开申请情况 requests" in cells
    assert "总计 total" in cells and "已读 read" in cells


def test_shares_read_as_percentages(server, page):
    rid = report_id(server, "huaian_municipal_gov_2024.pdf")
    (row,) = server.rows(f"/{DB_NAME}/report_summary.json", report_id=rid)
    page.goto(server.url(f"/{DB_NAME}/report_summary", report_id=rid))
    shown = page.locator("table.rows-and-columns td.col-disclosure_share").inner_text().strip()
    assert shown.endswith("%") and float(shown[:-1]) == pytest.approx(row["disclosure_share"] * 100, abs=0.05)
