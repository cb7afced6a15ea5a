"""The evaluators' dashboard (issue 25) in headless Debian Chromium: its panels drawn, Chinese first."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_browser import ARTIFACTS, CHROMIUM, page  # noqa: F401 (page: the shared browser fixture)

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium not installed"),
    pytest.mark.browser,
    pytest.mark.server,
    pytest.mark.slow,
]

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_the_compliance_dashboard_draws_its_panels(server, page):  # noqa: F811
    page.goto(server.url("/-/dashboards/compliance"))
    assert "年度报告合规情况" in page.inner_text("body")
    charts = page.locator(".vega-embed svg, .vega-embed canvas")
    charts.nth(1).wait_for(state="attached", timeout=30_000)
    page.wait_for_timeout(500)  # the marks' transitions
    drawn = " ".join(page.locator(".vega-embed svg").all_text_contents())
    for label in ("按时发布", "内容完整", "使用现行格式", "表内数据平衡", "正文与表格一致", "江苏省", "2023"):
        assert label in drawn, label
    out = ARTIFACTS / "compliance_dashboard.png"
    page.screenshot(path=str(out), full_page=True)
    assert out.stat().st_size > 10_000


def copy_screenshot(docs: Path = DOCS) -> None:
    """Refresh docs/compliance_dashboard.png from the last browser run (run by hand, not by pytest)."""
    (docs / "compliance_dashboard.png").write_bytes((ARTIFACTS / "compliance_dashboard.png").read_bytes())
