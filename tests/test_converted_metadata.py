"""Metadata from converted text: markup and converter words are no part of a name, and a publish
date or index number in a crawler header or a page's info block (kept by a PDF rendering) is read."""

from pathlib import Path

import pytest

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


def test_radicals_a_pdf_font_maps_ideographs_to(tmp_path):
    # Hongze's pdftotext dump as a PDF whose font maps 民 to ⺠ (U+2EA0) and 人 to ⼈ (U+2F08) leaves it.
    source = ROOT / "tests" / "fixtures" / "converted" / "hongze_district_gov_2023.pdftotext.txt"
    path = tmp_path / source.name
    path.write_text(source.read_text("utf-8").replace("民", "\u2ea0").replace("人", "\u2f08"), "utf-8")
    report = build_report(TxtFormat().extract(path))
    assert report.metadata.agency in ("洪泽区人民政府", "淮安市洪泽区人民政府")
    plain = build_report(TxtFormat().extract(source))
    assert {k: c.value for k, c in report.cells.items()} == {k: c.value for k, c in plain.cells.items()}


def _w3m_dump(seed: str) -> Path:
    from gidr_etl.testing import converters as zoo

    conv = zoo.by_name("w3m")
    if why := conv.missing():
        pytest.skip(why)
    out = zoo.convert(conv, zoo.seed_renderings([seed], (".html",))[0])
    assert out.path is not None, out.error
    return out.path


def test_an_info_block_w3m_wrapped_over_two_lines():
    # At w3m's default 80 columns the label 索引号 wraps its colon, the index number wraps after
    # its "/" and the agency after 管理: each piece of the second line stands under its cell.
    from gidr_etl.testing.seeds import gold

    for seed in ("000_2d55a32003931e6c", "003_7310e8e43cef02b2"):
        path = _w3m_dump(seed)
        want = gold(seed)["metadata"]
        assert want["index_no"] not in path.read_text("utf-8")  # wrapped, as w3m prints it
        md = build_report(TxtFormat().extract(path)).metadata
        assert (md.index_no, md.publish_date) == (want["index_no"], want["publish_date"])


def test_only_pieces_standing_under_cells_continue_them():
    from gidr_etl.reading.metadata import wrapped_text_hints

    head = "索引号  H042/         发布机构 杭州市萧山区行政审批服务管理 发布日期 2024-01-16"
    assert wrapped_text_hints([head, "：      2024-75954    ：       办公室                       ："]) == {
        "index_no": "H042/2024-75954",
        "agency": "杭州市萧山区行政审批服务管理办公室",
        "publish_date": "2024-01-16",
    }
    assert wrapped_text_hints([head, "   2024-75954"])["index_no"] == "H042/"  # under no cell's start
    # A crawler's line holding a label and its value is no cell a line below continues, and a
    # whole label takes no body text.
    dump = ["索引号：H042/2024-75954", "2023年政府信息公开工作年度报告"]
    assert wrapped_text_hints(dump) == {"index_no": "H042/2024-75954"}
    assert wrapped_text_hints(["索引号： H042/", "一、总体情况"]) == {"index_no": "H042/"}


@pytest.mark.slow  # Chromium prints the page (cached by content after the first run)
def test_a_browser_s_print_header_and_footer_are_no_part_of_the_metadata(tmp_path):
    # Chromium's print of a seed page, as pdftotext reads it: each page headed by the print date
    # and time beside the title, footed by the file:// address. On a Chinese desktop the date reads
    # "2026/12/7 03:27" (headless Chromium prints en-US): neither is the title, year or publish date.
    import subprocess

    from gidr_etl.testing import converters as zoo
    from gidr_etl.testing.seeds import agency, gold

    seed = "001_f034b2af3da2120e"  # its info block prints no publish date
    conv = zoo.by_name("chromium-pdf")
    if (why := conv.missing()) or (why := zoo.by_name("pdftotext").missing()):
        pytest.skip(why)
    pdf = zoo.convert(conv, zoo.seed_renderings([seed], (".html",))[0]).path
    assert pdf is not None
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
    first = text.splitlines()[0]
    assert "AM" in first or "PM" in first  # the print date and time
    want = gold(seed)["metadata"]
    for header in (first.split("   ")[0], "2026/12/7 03:27"):
        path = tmp_path / f"{seed}.txt"
        path.write_text(text.replace(first.split("   ")[0], header), "utf-8")
        md = build_report(TxtFormat().extract(path)).metadata
        assert (md.agency, md.year, md.publish_date) == (agency(want), want["year"], None), header


@pytest.mark.slow  # Chromium prints the page (cached by content after the first run)
def test_an_info_block_chromium_wrapped_in_narrow_cells(tmp_path):
    # The seed page with its info cells narrow, as CMS pages set them, printed by Chromium: 索引/号：,
    # 发布/机/构：, "11320703MB/2021-" over "00061", "2021-" over "12-31", each piece under its cell.
    from gidr_etl.formats.pdf import PdfFormat
    from gidr_etl.reading.tokens import lines
    from gidr_etl.testing import converters as zoo
    from gidr_etl.testing.seeds import gold

    seed = "000_2d55a32003931e6c"
    conv = zoo.by_name("chromium-pdf")
    if why := conv.missing():
        pytest.skip(why)
    page = zoo.seed_renderings([seed], (".html",))[0].path.read_text("utf-8")
    narrow = tmp_path / f"{seed}.html"
    narrow.write_text(page.replace("</style>", "table.meta td{width:2.6em;font-size:16px}</style>", 1), "utf-8")
    out = zoo.convert(conv, zoo.Source(narrow.name, narrow, {}))
    assert out.path is not None, out.error
    doc = PdfFormat().extract(out.path)
    assert not any("索引号" in line for line in lines(doc))  # the label is wrapped
    md = build_report(doc).metadata
    want = gold(seed)["metadata"]
    assert (md.index_no, md.publish_date) == (want["index_no"], want["publish_date"])


def test_radicals_wkhtmltopdf_prints_for_ideographs():
    # Debian's wkhtmltopdf maps 人民 to ⼈⺠ (U+2F08 U+2EA0) in the PDFs it makes of a seed page
    # when it sets the page in Noto Sans CJK, whose 人 and ⼈ are one glyph (Qt's PDF writer names
    # a glyph by one of its code points). A machine whose fontconfig prefers another CJK font
    # (AR PL UMing) gets the ideographs themselves: the agency must read right either way.
    import pypdfium2
    from pypdf import PdfReader

    from gidr_etl.formats.pdf import PdfFormat
    from gidr_etl.testing import converters as zoo
    from gidr_etl.testing.seeds import agency, gold

    seed = "001_f034b2af3da2120e"
    conv = zoo.by_name("wkhtmltopdf")
    if why := conv.missing():
        pytest.skip(why)
    pdf = zoo.convert(conv, zoo.seed_renderings([seed], (".html",))[0]).path
    assert pdf is not None
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        printed = document[0].get_textpage().get_text_range()
    finally:
        document.close()
    fonts = {str(f.get_object()["/BaseFont"]) for f in PdfReader(pdf).pages[0]["/Resources"]["/Font"].values()}
    if any("NotoSansCJK" in font for font in fonts):
        assert "\u2ea0" in printed, fonts  # ⺠, which NFKC leaves alone
    assert build_report(PdfFormat().extract(pdf)).metadata.agency == agency(gold(seed)["metadata"])
