"""Markdown as converters write it (issue 21 point 6), read by a plain install: real reports through
markitdown, pandoc gfm, html2text and pymupdf4llm (gidr_etl/testing/converters.py, cached)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gidr_etl.core import build_report
from gidr_etl.formats.choice import choose_format
from gidr_etl.formats.markdown import MarkdownFormat, plain
from gidr_etl.model import Table
from gidr_etl.testing import converters as zoo
from gidr_etl.testing.seeds import agency, gold

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "sample_inputs" / "template_2021_blank_govnianbao.docx"
SEED = "000_2d55a32003931e6c"  # its info block is a table: 索引号 | … | 发布机构 | … | 发布日期 | …
TOTAL_ROW_BLANK = "002_3a38b772f27b9fba"  # its （七）总计 row prints a blank 总计 cell


def converted(converter: str, source: zoo.Source) -> Path:
    conv = zoo.by_name(converter)
    if why := conv.missing():
        pytest.skip(why)
    out = zoo.convert(conv, source)
    assert out.path is not None, out.error
    return out.path


def real(path: Path) -> zoo.Source:
    return zoo.Source(path.name, path, {})


def rendering(seed: str, suffix: str) -> zoo.Source:
    return zoo.seed_renderings([seed], (suffix,))[0]


def tables(path: Path) -> list[Table]:
    return list(MarkdownFormat().extract(path).tables())


def test_a_plain_install_reads_markdown(tmp_path):
    path = tmp_path / "report.md"
    path.write_text("# 标题\n", "utf-8")
    fmt = choose_format(path, b"# ")
    assert fmt is not None and type(fmt).__module__ == "gidr_etl.formats.markdown"


@pytest.mark.parametrize("converter", ["markitdown", "pandoc-gfm"])
def test_the_real_template_s_tables_are_tables(converter):
    # markitdown writes pipe tables; pandoc writes the merged tables as HTML inside the Markdown.
    found = tables(converted(converter, real(TEMPLATE)))
    texts = {c.text for t in found for c in t.cells}
    assert {"行政规范性文件", "行政许可", "行政处罚"} <= texts
    # 第二十条第（一）项's table: a label and three column headings on one row.
    row = next(t for t in found for c in t.cells if c.text == "行政规范性文件")
    assert row.n_cols >= 4


def test_pandoc_s_html_tables_keep_their_spans():
    found = tables(converted("pandoc-gfm", real(TEMPLATE)))
    assert any(c.row_span > 1 or c.col_span > 1 for t in found for c in t.cells)


def test_html2text_s_rows_without_outer_pipes_keep_a_blank_last_cell():
    path = converted("html2text", rendering(TOTAL_ROW_BLANK, ".html"))
    line = next(ln for ln in path.read_text("utf-8").splitlines() if ln.startswith("（七）总计"))
    assert not line.startswith("|") and line.rstrip().endswith("|")  # html2text's own way
    row = next(
        [c.text for c in t.cells if c.row == cell.row]
        for t in tables(path)
        for cell in t.cells
        if cell.text == "（七）总计"
    )
    assert row[-1] == "" and len(row) == 8  # the label, six values and the blank 总计


@pytest.mark.parametrize("converter", ["markitdown", "html2text", "pandoc-gfm"])
def test_emphasis_never_reaches_the_metadata(converter, tmp_path):
    # The seed's own conversion, its title and info block made bold as pages and editors make them.
    g = gold(SEED)
    name = agency(g["metadata"])
    text = converted(converter, rendering(SEED, ".html")).read_text("utf-8")
    assert name in text
    bold = tmp_path / f"{SEED}.md"
    bold.write_text(text.replace(name, f"**{name}**").replace("发布日期：", "__发布日期：__"), "utf-8")
    md = build_report(MarkdownFormat().extract(bold)).metadata
    assert md.agency == name and "*" not in (md.title or "")
    assert md.publish_date == g["metadata"]["publish_date"]


def test_inline_markup_is_gone():
    assert (
        plain("**机关**的[网站](http://x.gov.cn)公开`12`条，1\\.属于 ~~旧~~ *新*") == "机关的网站公开12条，1.属于 旧 新"
    )
    assert plain("2*3*4 与 a_b_c") == "2*3*4 与 a_b_c"  # no emphasis without its flanking


def test_pymupdf4llm_s_labels_and_captions_cut_over_cells_read_joined():
    # pymupdf4llm cuts a merged cell where its wrapped lines' text columns fall: the requests
    # rows' labels ("一、本" | "年新收政府" | "信息公开申请数量") and the 第二十条 captions
    # ("第二十条第（一）" | "项") run over several cells of their row.
    pdf = ROOT / "sample_inputs" / "hongze_district_gov_2023.pdf"
    path = converted("pymupdf4llm", real(pdf))
    text = path.read_text("utf-8")
    assert "|第二十条第（一）|项|" in text.replace(" ", "")  # what the test is about is still printed
    report = build_report(MarkdownFormat().extract(path))
    want = {tuple(c[:3]): c[3] for c in gold_of(pdf)["cells"]}
    rows = {("art20_1", "normative_documents"), ("art20_5", "licensing"), ("requests", "new"), ("requests", "total")}
    got = {k: report.value(*k) for k in want if k[:2] in rows}
    assert got == {k: want[k] for k in got} and len(got) >= 12


def gold_of(pdf: Path) -> dict:
    return json.loads((ROOT / "tests" / "gold" / "realdocs" / f"{pdf.stem}.json").read_text("utf-8"))
