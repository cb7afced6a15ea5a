"""The report page (/-/report/<db>/<id>) in headless Debian Chromium: the official layout drawn,
statuses shown, finding cells marked, printed text and provenance on hover."""

from __future__ import annotations

import sqlite3

import pytest
from helpers import DB_NAME, report_id
from test_browser import ARTIFACTS, CHROMIUM, chromium_page

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium not installed"),
    pytest.mark.browser,
    pytest.mark.server,
    pytest.mark.slow,
]


@pytest.fixture(scope="module")
def page():
    with chromium_page({"width": 1400, "height": 1000}) as page:
        yield page


def test_report_page_as_printed(server, page):
    rid = report_id(server, "hongze_district_gov_2023.pdf")
    with sqlite3.connect(server.db_path) as conn:
        cells = {
            (s, r, c): (v, raw, p, line)
            for s, r, c, v, raw, p, line in conn.execute(
                "select section, row, col, value, raw, page, line from cells where report_id = ?", [rid]
            )
        }
        flagged = conn.execute(
            "select section, row, col from findings where report_id = ? and row is not null and col is not null", [rid]
        ).fetchall()
    # reached from the report id on a view
    page.goto(server.url(f"/{DB_NAME}/report_summary", report_id=rid))
    page.locator(f'a[href="/-/report/{DB_NAME}/{rid}"]').first.click()
    page.wait_for_load_state("load")
    assert page.url.endswith(f"/-/report/{DB_NAME}/{rid}")
    body = page.inner_text("body")
    assert "hongze_district_gov_2023.pdf" in body and "洪泽区人民政府" in body
    for heading in (
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
    ):
        assert heading in body
    # the merged headings span the columns they head, as printed
    group = page.locator('table[data-section="requests"] th', has_text="法人或其他组织")
    assert group.get_attribute("colspan") == "5"
    assert page.locator('table[data-section="appeals"] th', has_text="行政诉讼").get_attribute("colspan") == "10"
    denied = page.locator('table[data-section="requests"] th', has_text="不予公开").first
    assert denied.get_attribute("rowspan") == "8"
    # each value as read, its status shown, printed text and provenance on hover
    value, raw, pg, line = cells[("requests", "new", "total")]
    cell = page.locator('td[data-cell="requests.new.total"]')
    assert cell.inner_text().split()[0] == str(int(value))
    assert cell.get_attribute("data-status") == "read" and "已读" in cell.inner_text()
    title = cell.get_attribute("title")
    assert f"原文 printed: {raw}" in title and f"page {pg}" in title
    # the cells a finding names are marked, and the findings listed
    for s, r, c in flagged:
        if page.locator(f'td[data-cell="{s}.{r}.{c}"]').count():
            assert "flagged" in page.locator(f'td[data-cell="{s}.{r}.{c}"]').get_attribute("class")
    assert "校验发现 Findings" in body
    page.screenshot(path=str(ARTIFACTS / "report_page.png"), full_page=True)
