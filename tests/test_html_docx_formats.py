"""The HTML and DOCX plugins on their own: what reaches the Document, merges as spans."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
import render

from gidr_etl import ExtractionError
from gidr_etl.formats.base import HEAD_BYTES
from gidr_etl.formats.choice import choose_format
from gidr_etl.formats.docx import DocxFormat
from gidr_etl.formats.html import HtmlFormat
from gidr_etl.model import Table

ROOT = Path(__file__).resolve().parent.parent
HTML, DOCX = HtmlFormat(), DocxFormat()


def _extract(fmt, path: Path):
    head = path.read_bytes()[:HEAD_BYTES]
    assert fmt.sniff(path, head) == fmt.CONTENT
    return fmt.extract(path)


def _requests_table(doc) -> Table:
    return next(t for t in doc.tables() if any("申请人情况" in c.text for c in t.cells))


def _spans(table: Table) -> dict[str, tuple[int, int, int]]:
    """Each label's (count, row_span, col_span)."""
    out: dict[str, tuple[int, int, int]] = {}
    for c in table.cells:
        n = out.get(c.text, (0, 0, 0))[0]
        out[c.text] = (n + 1, c.row_span, c.col_span)
    return out


def _value_cells(table: Table) -> list[str]:
    """The printed values: the cells below the three header rows, right of the three label columns."""
    return [c.text for c in table.reading_order() if c.row >= 3 and c.col >= 3]


def _gold_request_values(seed: str) -> list[str]:
    g = render.gold(seed)
    return [render.printed(v, s, c) for s, r, c, v in g["cells"] if s == "requests"]


def _rendered(seed: str, kind: str, tmp_path: Path):
    if kind == "html":
        return _extract(HTML, render.write_html(seed, tmp_path / f"{seed}.html"))
    return _extract(DOCX, render.render_docx(seed, tmp_path / f"{seed}.docx"))


# ------------------------------------------------------------------ (a) rendered seeds


@pytest.mark.parametrize("kind", ["html", pytest.param("docx", marks=pytest.mark.slow)])
@pytest.mark.parametrize("seed", render.SEEDS)
def test_rendered_seed_tables(seed, kind, tmp_path):
    doc = _rendered(seed, kind, tmp_path)
    template = render.gold(seed)["metadata"]["template"]
    table = _requests_table(doc)
    spans = _spans(table)
    outcome_rows = 22 if template == "2021" else 20
    assert spans["三、本年度办理结果"] == (1, outcome_rows, 1)
    assert spans["（三）不予公开"] == (1, 8, 1)
    assert spans["申请人情况"] == (1, 1, 7)
    assert spans["法人或其他组织"] == (1, 1, 5)
    assert spans["自然人"] == (1, 2, 1)
    if template == "2021":
        assert spans["（六）其他处理"] == (1, 3, 1)
    else:
        assert spans["（六）其他处理"] == (1, 1, 2)
    assert table.n_cols == 10 and table.n_rows == 5 + outcome_rows + 1
    # The values, in grid order, are the gold's (blank printed as "").
    assert _value_cells(table) == _gold_request_values(seed)
    appeals = next(t for t in doc.tables() if any(c.text == "行政复议" for c in t.cells))
    assert (appeals.n_rows, appeals.n_cols) == (4, 15)
    assert _spans(appeals)["行政诉讼"] == (1, 1, 10)
    headings = [b.text for b in doc.text_blocks() if b.kind == "heading"]
    assert render.title(render.gold(seed)) in headings
    assert "三、收到和处理政府信息公开申请情况" in headings
    assert doc.hints["title"] == render.title(render.gold(seed))


@pytest.mark.slow
def test_rendered_2019_active_table(tmp_path):
    seed = next(s for s in render.SEEDS if render.gold(s)["metadata"]["template"] == "2019")
    for kind in ("html", "docx"):
        doc = _rendered(seed, kind, tmp_path)
        active = next(t for t in doc.tables() if any(c.text == "第二十条第（一）项" for c in t.cells))
        texts = [c.text for c in active.reading_order()]
        assert "第二十条第（九）项" in texts and "0(元)" in texts and "+15" in texts
        assert _spans(active)["第二十条第（一）项"] == (1, 1, 4)


def test_html_metadata_hints(tmp_path):
    seed = "003_7310e8e43cef02b2"
    doc = _extract(HTML, render.write_html(seed, tmp_path / "r.html"))
    assert doc.hints["index_no"] == "H042/2024-75954"
    assert doc.hints["publish_date"] == "2024-01-16"
    assert doc.hints["agency"] == "杭州市萧山区行政审批服务管理办公室"
    assert all(b.prov.line for b in doc.blocks)


def test_gbk_page_and_txt_named_html(tmp_path):
    seed = render.SEEDS[1]
    gbk = render.write_html(seed, tmp_path / "gbk.html", charset="gbk")
    assert b'charset="gbk"' in gbk.read_bytes()
    doc = _extract(HTML, gbk)
    assert doc.encoding == "gb18030"
    assert render.title(render.gold(seed)) in [b.text for b in doc.text_blocks()]
    txt = tmp_path / "report.txt"
    txt.write_bytes(gbk.read_bytes())
    assert choose_format(txt, txt.read_bytes()[:HEAD_BYTES]).name == "html"


# ------------------------------------------------------------------ (b) the official template


def test_template_docx():
    path = ROOT / "sample_inputs" / "template_2021_blank_govnianbao.docx"
    doc = _extract(DOCX, path)
    tables = list(doc.tables())
    assert [(t.n_rows, t.n_cols) for t in tables] == [(14, 4), (28, 10), (4, 15)]
    requests = _spans(tables[1])
    assert requests["三、本年度办理结果"] == (1, 22, 1)
    assert requests["（六）其他处理"] == (1, 3, 1)
    assert requests["商业企业"][0] == 1  # two paragraphs 商业 / 企业 in the cell, joined
    assert all(c.text == "" for c in tables[2].cells if c.row == 3)
    assert "四、政府信息公开行政复议、行政诉讼情况" in [b.text for b in doc.text_blocks()]


# ------------------------------------------------------------------ (c) hostile DOCX


def _docx_with(tmp_path: Path, document_xml: bytes | None = None, huge: int = 0) -> Path:
    """A copy of a rendered DOCX with its word/document.xml replaced."""
    src = render.render_docx(render.SEEDS[0], tmp_path / "src.docx")
    out = tmp_path / "bad.docx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename != "word/document.xml":
                zout.writestr(info, zin.read(info))
            elif huge:
                with zout.open("word/document.xml", "w", force_zip64=True) as f:
                    block = b"\0" * (1 << 20)
                    for _ in range(huge):
                        f.write(block)
            else:
                zout.writestr("word/document.xml", document_xml)
    return out


@pytest.mark.slow
def test_docx_zip_bomb(tmp_path):
    bomb = _docx_with(tmp_path, huge=300)  # 300 MB of zeros, about 300 KB compressed
    assert bomb.stat().st_size < 2 * 2**20
    with pytest.raises(ExtractionError, match="zip bomb"):  # refused by the size guard, not inflated
        DOCX.extract(bomb)


@pytest.mark.slow
def test_docx_malformed_xml(tmp_path):
    bad = _docx_with(tmp_path, b'<?xml version="1.0"?><w:document xmlns:w="x"><w:body><w:p>')
    with pytest.raises(ExtractionError, match="malformed DOCX"):
        DOCX.extract(bad)


# "Billion laughs": entity i expands to 10^9 a's if entities are expanded.
BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "AAAAAAAAAA">'
    + b"".join(b'<!ENTITY %s "%s">' % (bytes([98 + i]), (b"&%s;" % bytes([97 + i])) * 10) for i in range(8))
    + b']><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b"<w:body><w:p><w:r><w:t>&i;</w:t></w:r></w:p></w:body></w:document>"
)


@pytest.mark.slow
def test_docx_entities_not_expanded(tmp_path):
    # Expanded, &i; would be 10^8 characters: the text (or a refusal) shows it was not.
    try:
        doc = DOCX.extract(_docx_with(tmp_path, BILLION_LAUGHS))
    except ExtractionError:
        return
    assert sum(len(b.text) for b in doc.text_blocks()) < 1000


def test_not_a_zip(tmp_path):
    p = tmp_path / "x.docx"
    p.write_bytes(b"\xd0\xcf\x11\xe0 an old .doc")
    with pytest.raises(ExtractionError, match="not a DOCX"):
        DOCX.extract(p)


def test_docx_nested_table(tmp_path):
    import docx

    d = docx.Document()
    outer = d.add_table(rows=1, cols=2)
    outer.cell(0, 0).text = "外层"
    inner = outer.cell(0, 1).add_table(rows=1, cols=2)
    inner.cell(0, 0).text, inner.cell(0, 1).text = "内层", "7"
    path = tmp_path / "n.docx"
    d.save(str(path))
    tables = list(_extract(DOCX, path).tables())
    assert [[c.text for c in t.reading_order()] for t in tables] == [["外层", ""], ["内层", "7"]]


# ------------------------------------------------------------------ (d) HTML edge cases


def _html(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "p.html"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return _extract(HTML, p)


def test_html_nbsp_br_and_spans(tmp_path):
    doc = _html(
        tmp_path,
        """<html><body><table>
<tr><td rowspan="2">三、本年度<br>办理结果</td><td>商业<br/>企业</td><td>&nbsp;</td></tr>
<tr><td>Total<br>count</td><td> &nbsp; </td></tr></table></body></html>""",
    )
    t = next(doc.tables())
    assert [(c.text, c.row, c.col, c.row_span) for c in t.reading_order()] == [
        ("三、本年度办理结果", 0, 0, 2),
        ("商业企业", 0, 1, 1),
        ("", 0, 2, 1),
        ("Total count", 1, 1, 1),
        ("", 1, 2, 1),
    ]


def test_html_nested_table(tmp_path):
    doc = _html(
        tmp_path,
        """<p>前言</p><table><tr><td>外层文字<table><tr><td>内层</td><td>5</td></tr></table></td><td>2</td></tr></table><p>后记</p>""",
    )
    kinds = [type(b).__name__ for b in doc.blocks]
    assert kinds == ["TextBlock", "Table", "Table", "TextBlock"]
    outer, inner = doc.tables()
    assert [c.text for c in outer.reading_order()] == ["外层文字", "2"]
    assert [c.text for c in inner.reading_order()] == ["内层", "5"]


def test_word_exported_html(tmp_path):
    doc = _html(
        tmp_path,
        """<html xmlns:o="urn:schemas-microsoft-com:office:office">
<head><meta http-equiv=Content-Type content="text/html; charset=utf-8">
<!--[if gte mso 9]><xml><o:DocumentProperties><o:Author>张三</o:Author></o:DocumentProperties></xml><![endif]-->
<style><!-- p.MsoNormal {mso-style-parent:""; font-size:10.5pt} --></style></head>
<body lang=ZH-CN style='tab-interval:21.0pt'><div class=WordSection1>
<p class=MsoNormal><span style='font-family:宋体'>一、总体情况<o:p></o:p></span></p>
<p class=MsoNormal><![if !supportLists]><span>1.</span><![endif]>第一项<o:p>&nbsp;</o:p></p>
<table class=MsoTableGrid><tr><td width=100 style='mso-border-alt:solid'><p class=MsoNormal>规章<o:p></o:p></p></td>
<td><p class=MsoNormal align=center><span lang=EN-US>3<o:p></o:p></span></p></td></tr></table></div></body></html>""",
    )
    assert [b.text for b in doc.text_blocks()] == ["一、总体情况", "1.第一项"]
    assert [c.text for c in next(doc.tables()).cells] == ["规章", "3"]


def test_gbk_meta_charset(tmp_path):
    page = '<html><head><meta charset="gbk"><title>报告</title></head><body><p>本年新收申请数量</p></body></html>'
    doc = _html(tmp_path, page, encoding="gbk")
    assert doc.encoding == "gb18030" and doc.hints["title"] == "报告"
    assert [b.text for b in doc.text_blocks()] == ["本年新收申请数量"]


def test_utf16_page_sniffed(tmp_path):
    doc = _html(tmp_path, "\ufeff<html><body><p>总体情况</p></body></html>", encoding="utf-16-le")
    assert [b.text for b in doc.text_blocks()] == ["总体情况"]


def test_script_only_page(tmp_path):
    # The body is written by JavaScript: its string literals are read; no crash.
    doc = _html(
        tmp_path,
        """<html><head><script>
var html = "<p>\\u4e00\\u3001\\u603b\\u4f53\\u60c5\\u51b5</p><table><tr><td>规章</td><td>4</td></tr></table>";
document.write(html);</script></head><body><script>init();</script></body></html>""",
    )
    assert [b.text for b in doc.text_blocks()] == ["一、总体情况"]
    assert [c.text for c in next(doc.tables()).cells] == ["规章", "4"]


def test_script_without_text_is_an_error(tmp_path):
    p = tmp_path / "s.html"
    p.write_text("<html><body><script>location.href='/x';</script></body></html>")
    with pytest.raises(ExtractionError):
        HTML.extract(p)


@pytest.mark.parametrize("data", [b"", b"  \n", b"<html><body></body></html>"])
def test_empty_html(tmp_path, data):
    p = tmp_path / "e.html"
    p.write_bytes(data)
    with pytest.raises(ExtractionError):
        HTML.extract(p)


def test_sniffing(tmp_path):
    assert HTML.sniff(Path("a.txt"), b"\xef\xbb\xbf  <!DOCTYPE html><html>") == HTML.CONTENT
    assert HTML.sniff(Path("a.txt"), "一、总体情况 <p>".encode()) is None
    assert HTML.sniff(Path("a.htm"), b"plain") == HTML.EXTENSION
    docx_path = render.render_docx(render.SEEDS[0], tmp_path / "noext")
    assert DOCX.sniff(docx_path, docx_path.read_bytes()[:HEAD_BYTES]) == DOCX.CONTENT
    z = tmp_path / "other.docx"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("a.txt", "x")
    assert DOCX.sniff(z, z.read_bytes()[:HEAD_BYTES]) == DOCX.EXTENSION
