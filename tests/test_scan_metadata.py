"""Metadata of scanned reports when a red seal over the title made OCR misread it
(gidr_etl/reading/metadata.py: misread_title, as_printed_elsewhere). The lines are as
the OCR read them from the scans tests/scans.py makes of the project's PDFs."""

from __future__ import annotations

from gidr_etl.reading.metadata import extract_metadata

# hongze_district_gov_2023.pdf as a scan: the seal's ring crosses 工 and 年 of the title.
HONGZE_2023 = [
    "洪泽区人民政府",
    "2023年政府信息公开作律度报告",
    "民",
    "本报告由淮安市洪泽区人民政府办公室根据《中华人民共和",
    "2023年,洪泽区人民政府坚持以习近平新时代中国特色社会",
]
# The seed 000's PDF rendering as a scan: the seal crosses 区 and 批 of the agency.
SEED_000 = [
    "连云×行政审北局2021年政府信息",
    "公开工作年度报告 到",
    "索引号:11320703MB/2021-00061",
    "发布机构:连云区行政审批局",
    "发布日期:2021-12-31",
]


def test_a_title_misread_under_the_seal_still_gives_the_agency_the_text_prints_again():
    meta = extract_metadata(HONGZE_2023, {}, misread=True)
    assert (meta.agency, meta.year) == ("洪泽区人民政府", 2023)
    assert meta.title == "洪泽区人民政府2023年政府信息公开作律度报告"  # as read: nothing is corrected in it


def test_an_agency_misread_under_the_seal_is_the_one_the_page_prints_elsewhere():
    meta = extract_metadata(SEED_000, {}, misread=True)
    assert (meta.agency, meta.year, meta.publish_date) == ("连云区行政审批局", 2021, "2021-12-31")


def test_nothing_is_invented_where_the_text_does_not_support_it():
    # The agency above the misread title printed nowhere else: no agency.
    alone = ["洪泽区人民政府", "2023年政府信息公开作律度报告", "一、总体情况"]
    assert extract_metadata(alone, {}, misread=True).agency is None
    # Two different names alike to the misread one: no choosing between them.
    two = [SEED_000[0], SEED_000[1], "连云区行政审批局", "连云县行政审批局"]
    assert extract_metadata(two, {}, misread=True).agency == "连云×行政审北局"
    # Too far from the report's name (three characters lost) is no title.
    assert extract_metadata(["洪泽区人民政府", "2023年政府信息作年度告"], {}, misread=True).title is None


def test_text_that_was_not_recognised_from_images_is_taken_as_printed():
    assert extract_metadata(SEED_000, {}).agency == "连云×行政审北局"
    assert extract_metadata(HONGZE_2023, {}).agency is None
