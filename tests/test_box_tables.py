"""Tables w3m draws with box characters (issue 21): every cell as the drawing bounds it, merged cells
with their spans, a cell's text wrapped over lines one text. On w3m's own dump of a seed rendering."""

from __future__ import annotations

import pytest

from gidr_etl.core import build_report
from gidr_etl.formats.box_tables import box_table
from gidr_etl.formats.txt import TxtFormat
from gidr_etl.testing import converters as zoo
from gidr_etl.testing.seeds import cell_values, gold

SEED = "002_3a38b772f27b9fba"


@pytest.fixture(scope="module")
def dump():
    conv = zoo.by_name("w3m")
    if why := conv.missing():
        pytest.skip(why)
    src = zoo.seed_renderings([SEED], (".html",))[0]
    out = zoo.convert(conv, src)
    assert out.path is not None, out.error
    return out.path


def cells(dump):
    """Each text's first cell (总计 heads the requests table before the appeals table)."""
    found: dict = {}
    for table in TxtFormat().extract(dump).tables():
        for c in table.cells:
            found.setdefault(c.text, c)
    return found


def test_merged_cells_keep_their_spans(dump):
    got = cells(dump)
    assert (got["申请人情况"].row_span, got["申请人情况"].col_span) == (1, 7)
    assert (got["自然人"].row_span, got["总计"].row_span) == (2, 2)
    # Printed on a line that is a rule for the cells beside it.
    assert got["三、本年度办理结果"].row_span > 10


def test_a_cell_wrapped_over_lines_is_one_text(dump):
    wrapped = "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
    lines = dump.read_text("utf-8").splitlines()
    assert not any(wrapped in line for line in lines)  # w3m's 80 columns wrap it
    assert wrapped in cells(dump)


def test_the_dump_gives_the_gold(dump):
    report = build_report(TxtFormat().extract(dump))
    want = {k: v for k, v in cell_values(gold(SEED)).items() if v != "?"}
    assert {k: report.value(*k) for k in want} == want


def test_a_rowspan_reads_from_the_rules():
    drawn = [
        "┌────┬──┐",
        "│ 甲 │ 1│",
        "│    ├──┤",
        "│    │ 2│",
        "├────┼──┤",
        "│ 乙 │  │",
        "└────┴──┘",
    ]
    table = box_table(drawn, "t.txt", 1)
    assert table is not None
    got = [(c.text, c.row, c.col, c.row_span, c.col_span) for c in table.cells]
    assert got == [("甲", 0, 0, 2, 1), ("1", 0, 1, 1, 1), ("2", 1, 1, 1, 1), ("乙", 2, 0, 1, 1), ("", 2, 1, 1, 1)]
