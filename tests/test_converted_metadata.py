"""Metadata from converted text: markup and converter words are no part of a name, and a publish
date or index number in a crawler header or a page's info block (kept by a PDF rendering) is read."""

from pathlib import Path

from gidr_etl.core import build_report
from gidr_etl.formats.txt import TxtFormat
from gidr_etl.reading.metadata import extract_metadata

ROOT = Path(__file__).resolve().parent.parent
PINGTAN = ROOT / "sample_inputs" / "pingtan_zonghe_shiyanqu_2021.txt"


def test_markdown_heading_is_no_part_of_the_agency():
    md = extract_metadata(["# 沭阳县人民政府", "2024年政府信息公开工作年度报告"], {})
    assert (md.agency, md.year) == ("沭阳县人民政府", 2024)
    assert md.title == "沭阳县人民政府2024年政府信息公开工作年度报告"


def test_body_marker_is_no_part_of_the_title():
    md = extract_metadata(
        ["==================== 正文 ====================", "正文2025 年沭阳县人民政府政府信息公开工作年度报告"], {}
    )
    assert md.title == "2025 年沭阳县人民政府政府信息公开工作年度报告"
    assert md.agency == "沭阳县人民政府"
    lone = extract_metadata(["正文", "2024年政府信息公开工作年度报告"], {})
    assert lone.agency is None and lone.year == 2024


def test_info_block_kept_by_a_pdf_rendering():
    # A web page printed to PDF keeps its info block, label and value on lines of their own.
    md = extract_metadata(
        ["索引号", "014123456/2025-00012", "发布日期", "2025-01-20", "沭阳县2024年政府信息公开工作年度报告"], {}
    )
    assert (md.index_no, md.publish_date) == ("014123456/2025-00012", "2025-01-20")
    md = extract_metadata(["索引号：014123456/2025-00012 发布日期：2025-01-20"], {})
    assert (md.index_no, md.publish_date) == ("014123456/2025-00012", "2025-01-20")


def test_crawler_header_of_a_real_dump_converted_to_markdown(tmp_path):
    # The Pingtan dump as a converter to Markdown leaves it: the title a heading, the body marked.
    text = PINGTAN.read_text("utf-8").replace("标题: ", "# ", 1).replace("发布时间: 2022-02-08", "发布时间：2020-01-13")
    text = text.replace("==================== 正文 ====================\n", "正文")
    path = tmp_path / "pingtan.md.txt"
    path.write_text(text, "utf-8")
    md = build_report(TxtFormat().extract(path)).metadata
    assert md.title == "平潭综合实验区2021年度政府信息公开工作年度报告"
    assert (md.agency, md.year, md.publish_date) == ("平潭综合实验区", 2021, "2020-01-13")
