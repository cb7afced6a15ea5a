"""Real converters' text of the real PDFs and of the seeds' renderings (made at test time, cached
by content: converted_text.py), read and scored against gold: no wrong number anywhere, every
cell not read said by a finding, and at least 95% of cells right where a converter keeps a
table row a line. The seeds are also rendered with their tables' zeros blank, as many real
reports print them: a row then prints fewer values than columns."""

from __future__ import annotations

from pathlib import Path

import pytest
from converted_text import CONVERTERS, ONE_A_LINE, ROW_A_LINE, Score, cases, converted, read_text, score

from gidr_etl.formats.txt import parse_text
from gidr_etl.model import Table

# Converters whose input is a PDF: the seeds' PDFs are LibreOffice's, so those need soffice.
_PDF = pytest.mark.soffice


def _marks(converter: str):
    kind = CONVERTERS[converter][0]
    return [pytest.mark.slow] + ([_PDF] if kind in ("pdf", "docx") else [])


def _scored(converter: str, blanks: bool, tmp: Path) -> tuple[Score, list[str]]:
    total, bad = Score(), []
    for case in cases(CONVERTERS[converter][0], blanks):
        s, lines = score(read_text(converted(converter, case), tmp, f"{case.name}.txt"), case.gold)
        total.add(s)
        bad += [f"{case.name} {line}" for line in lines if not line.startswith("missed")]
    return total, bad


@pytest.mark.parametrize("blanks", [False, True], ids=["printed", "zeros-blank"])
@pytest.mark.parametrize("converter", [pytest.param(c, marks=_marks(c)) for c in ROW_A_LINE])
def test_row_a_line_converters_read_their_tables(converter, blanks, tmp_path):
    total, wrong = _scored(converter, blanks, tmp_path)
    assert wrong == [] and total.unsaid == 0
    assert total.right >= 0.95 * total.cells, (total.right, total.cells)


@pytest.mark.parametrize("blanks", [False, True], ids=["printed", "zeros-blank"])
@pytest.mark.parametrize("converter", [pytest.param(c, marks=_marks(c)) for c in ONE_A_LINE])
def test_one_value_a_line_reads_only_what_is_forced(converter, blanks, tmp_path):
    # pdftotext's default and -raw modes, pdfminer.six and pypdfium2 keep no row structure:
    # a cell is right or NULL with a finding, never another number.
    total, wrong = _scored(converter, blanks, tmp_path)
    assert wrong == [] and total.unsaid == 0


def test_w3m_box_table_is_read_as_its_cells():
    # w3m's dump of the seed's bordered requests table: a group cell merged over eight rows,
    # its text wrapped a few characters a line, is one cell; a label wrapped over lines is one.
    (case,) = [c for c in cases("html") if c.name.startswith("001_")]
    text = converted("w3m", case)
    tables = [b for b in parse_text(text, "w3m.txt") if isinstance(b, Table)]
    requests = next(t for t in tables if any("本年新收" in c.text for c in t.cells))
    denied = next(c for c in requests.cells if c.text == "（三）不予公开")
    assert denied.row_span == 8
    partial = next(c for c in requests.cells if c.text.startswith("（二）部分公开"))
    assert partial.text == "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
    row = sorted((c for c in requests.cells if c.row == partial.row and c.col > partial.col), key=lambda c: c.col)
    assert [c.text for c in row] == ["18", "6", "0", "0", "0", "0", "24"]
