"""The TXT plugin recognises the table layouts of the five real seeds."""

import pytest
from helpers import SAMPLES

from gidr_etl import ExtractionError
from gidr_etl.formats.choice import choose_format
from gidr_etl.formats.txt import TxtFormat
from gidr_etl.model import Table
from gidr_etl.plugins import formats


def _doc(name):
    return TxtFormat().extract(SAMPLES / name)


def _rows(table: Table):
    return [[c.text for c in row if c is not None] for row in table.grid()]


def test_pipe_rows_layout_002():
    doc = _doc("002_3a38b772f27b9fba.txt")
    tables = list(doc.tables())
    assert all(t.rows_known for t in tables)
    rows = [r for t in tables for r in _rows(t)]
    assert ["行政許可", "38", "-1", "2391"] in [[c.replace("(xǔ)", "") for c in r] for r in rows] or any(
        r[0].startswith("行政許") and r[1:] == ["38", "-1", "2391"] for r in rows
    )
    # "(七)總計 | 0 ×6 | |||": the blank seventh cell is kept, the spacers are not
    total = next(r for r in rows if r[0].startswith("(七)"))
    assert total[1:] == ["0"] * 6 + [""]


def test_tab_rows_layout_004():
    doc = _doc("004_20a0191baea80f94.txt")
    rows = [r for t in doc.tables() for r in _rows(t)]
    new = next(r for r in rows if r[0].startswith("一、本年新收"))
    assert new == ["一、本年新收政府信息公开申请数量", ""] + ["0"] * 7
    assert not any(set("".join(r)) <= set("-") for r in rows)  # the ---- rule row is dropped


@pytest.mark.parametrize("name", ["000_2d55a32003931e6c.txt", "001_f034b2af3da2120e.txt", "003_7310e8e43cef02b2.txt"])
def test_cell_per_line_layouts_are_cell_streams(name):
    doc = _doc(name)
    stream = [t for t in doc.tables() if not t.rows_known]
    assert stream, "the report tables are read as a stream of cells"
    texts = [c.text for t in stream for c in t.reading_order()]
    assert any(t.startswith("(七)") for t in texts)
    assert all("|" not in t for t in texts)
    # provenance: every cell knows its line in the file
    lines = (SAMPLES / name).read_text("utf-8").splitlines()
    for table in stream:
        for cell in table.reading_order()[:50]:
            assert cell.text in lines[cell.prov.line - 1]


def test_provenance_and_encoding():
    doc = _doc("000_2d55a32003931e6c.txt")
    assert doc.encoding == "utf-8"
    assert doc.format == "txt"
    assert all(b.prov.file.endswith("000_2d55a32003931e6c.txt") for b in doc.blocks)


def test_a_txt_that_is_html_goes_to_html(tmp_path):
    path = tmp_path / "page.txt"
    path.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'></head><body><p>x</p></body></html>", "utf-8")
    fmt = choose_format(path, path.read_bytes()[:4096], formats())
    assert fmt.name == "html"


def test_binary_and_empty_files_are_clear_errors(tmp_path):
    empty = tmp_path / "e.txt"
    empty.write_bytes(b"  \n")
    with pytest.raises(ExtractionError, match="empty"):
        TxtFormat().extract(empty)
    blob = tmp_path / "b.txt"
    blob.write_bytes(bytes(range(256)) * 10)
    with pytest.raises(ExtractionError, match="binary"):
        TxtFormat().extract(blob)
