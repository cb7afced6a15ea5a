"""Real converters' text of the real PDFs and of the seeds' renderings (made at test time, cached
by content: converted_text.py), read and scored against gold: no wrong number anywhere, every
cell not read said by a finding, and at least 95% of cells right where a converter keeps a
table row a line. The seeds are also rendered with their tables' zeros blank, as many real
reports print them, or with every other requests row's zeros blank: a row then prints fewer
values than columns."""

from __future__ import annotations

from pathlib import Path

import pytest
from converted_text import (
    ONE_A_LINE,
    ROW_A_LINE,
    VARIANTS,
    Score,
    borderless_cases,
    cases,
    converted,
    kind_of,
    read_text,
    score,
)

# Converters whose input is a PDF: the seeds' PDFs are LibreOffice's, so those need soffice.
_PDF = pytest.mark.soffice


def _marks(converter: str):
    kind = kind_of(converter)
    return [pytest.mark.slow] + ([_PDF] if kind in ("pdf", "docx") else [])


def _scored(converter: str, variant: str | None, tmp: Path) -> tuple[Score, list[str]]:
    total, bad = Score(), []
    for case in cases(kind_of(converter), variant):
        s, lines = score(read_text(converted(converter, case), tmp, f"{case.name}.txt"), case.gold)
        total.add(s)
        bad += [f"{case.name} {line}" for line in lines if not line.startswith("missed")]
    return total, bad


@pytest.mark.parametrize("variant", [None, *VARIANTS], ids=["printed", *VARIANTS])
@pytest.mark.parametrize("converter", [pytest.param(c, marks=_marks(c)) for c in ROW_A_LINE])
def test_row_a_line_converters_read_their_tables(converter, variant, tmp_path):
    total, wrong = _scored(converter, variant, tmp_path)
    assert wrong == [] and total.unsaid == 0
    assert total.right >= 0.95 * total.cells, (total.right, total.cells)


@pytest.mark.parametrize("variant", [None, *VARIANTS], ids=["printed", *VARIANTS])
@pytest.mark.parametrize("converter", [pytest.param(c, marks=_marks(c)) for c in ONE_A_LINE])
def test_one_value_a_line_reads_only_what_is_forced(converter, variant, tmp_path):
    # pdftotext's default and -raw modes, pdfminer.six and pypdfium2 keep no row structure:
    # a cell is right or NULL with a finding, never another number.
    total, wrong = _scored(converter, variant, tmp_path)
    assert wrong == [] and total.unsaid == 0


def _layout_case(seed: str) -> tuple[str, dict]:
    (case,) = [c for c in cases("pdf", "some-zeros-blank") if c.name.startswith(seed)]
    return converted("pdftotext-layout", case), case.gold


@pytest.mark.slow
@pytest.mark.soffice
def test_layout_row_short_of_values_reads_by_column_position(tmp_path):
    # pdftotext -layout prints nothing for a blank cell: "二、上年结转…   5      5" stands for
    # 5 _ _ _ _ _ 5, as the rows printing all seven values place the columns.
    text, g = _layout_case("001_")
    line = next(x for x in text.splitlines() if x.startswith("二、上年结转"))
    assert line.split()[1:] == ["5", "5"]
    report = read_text(text, tmp_path)
    row = [report.value("requests", "carried_over", c) for c in ("natural_person", "commercial", "total")]
    assert row == [5, None, 5]
    s, lines = score(report, g)
    assert (s.wrong, s.missed) == (0, 0), lines


@pytest.mark.slow
@pytest.mark.soffice
def test_layout_value_between_two_columns_is_ambiguous(tmp_path):
    # The same row with its last value moved to stand between the 其他 and 总计 columns: no column
    # is its own, so no cell of the row is read from it (NULL with a finding, never 5 in a column).
    text, _ = _layout_case("001_")
    lines = text.splitlines()
    n = next(i for i, x in enumerate(lines) if x.startswith("二、上年结转"))
    full = next(x for x in lines if x.startswith("一、本年新收"))
    other, total = full.rindex(" 10 ") + 1, full.rindex("113")
    lines[n] = lines[n].rstrip()[:-1].rstrip().ljust((other + total) // 2 + 1) + "5"
    report = read_text("\n".join(lines), tmp_path)
    cells = [report.value("requests", "carried_over", c) for c in ("other_org", "total")]
    assert cells == [None, None]
    said = {(f.section, f.row, f.col) for f in report.findings}
    assert ("requests", "carried_over", "total") in said


@pytest.mark.slow
@pytest.mark.soffice
@pytest.mark.parametrize("converter", ["soffice-txt", "docx2txt", "lynx"])
def test_cell_a_line_blank_cells_are_their_empty_lines(converter, tmp_path):
    # LibreOffice's txt export, docx2txt and lynx print a table a cell a line and a blank cell as
    # empty lines: "二、上年结转…", "5", five blanks, "5" is 5 _ _ _ _ _ 5.
    (case,) = [c for c in cases(kind_of(converter), "some-zeros-blank") if c.name.startswith("001_")]
    report = read_text(converted(converter, case), tmp_path)
    assert [report.value("requests", "carried_over", c) for c in ("natural_person", "commercial", "total")] == [
        5,
        None,
        5,
    ]
    s, lines = score(report, case.gold)
    assert (s.wrong, s.missed) == (0, 0), lines


@pytest.mark.slow
@pytest.mark.soffice
@pytest.mark.parametrize("variant", ["some-zeros-blank", "zeros-blank"])
@pytest.mark.parametrize("footer", [[], ["", "- 3 -", "", "", "", "", "", ""]], ids=["", "page-footer"])
def test_cell_a_line_with_blanks_dropped_is_not_read_by_lines(footer, variant, tmp_path):
    # The same LibreOffice text with the short rows' empty lines taken out, as a converter that
    # drops blank cells prints them: "5" then "5" right after it may be any two of the seven
    # columns, so neither is placed by its line (NULL with a finding, never natural_person 5,
    # commercial 5); nor where a page footer and empty lines follow the row, as many as its
    # blank cells would take. With every row's zeros blank no row shows how many lines a cell
    # takes: the row is not read by its lines either.
    (case,) = [c for c in cases("docx", variant) if c.name.startswith("001_")]
    lines = converted("soffice-txt", case).splitlines()
    n = next(i for i, x in enumerate(lines) if x.startswith("二、上年结转"))
    end = next(i for i in range(n + 1, len(lines)) if lines[i].startswith("三、"))
    lines[n:end] = [x for x in lines[n:end] if x.strip()] + footer
    report = read_text("\n".join(lines), tmp_path)
    s, wrong = score(report, case.gold)
    assert s.wrong == 0 and s.unsaid == 0, wrong
    assert report.value("requests", "carried_over", "commercial") is None
    assert report.cells["requests", "carried_over", "commercial"].status == "ambiguous"


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_w3m_borderless_table_reads_by_display_columns(variant, tmp_path):
    # w3m lays a borderless table out in spaces, a CJK character two columns wide, each cell
    # padded to its column: "行政规范性文件 32           10           153" (a label as wide as
    # its column leaves one space) and "二、上年结转…   5                          5".
    total, wrong = Score(), []
    for case in borderless_cases(variant):
        s, lines = score(read_text(converted("w3m", case), tmp_path, f"{case.name}.txt"), case.gold)
        total.add(s)
        wrong += [f"{case.name} {line}" for line in lines if not line.startswith("missed")]
        if case.name.startswith("001_") and variant == "some-zeros-blank":
            report = read_text(converted("w3m", case), tmp_path)
            assert report.value("art20_1", "normative_documents", "in_force") == 153
            assert report.value("requests", "carried_over", "total") == 5
    assert wrong == [] and total.unsaid == 0
    assert total.right >= 0.95 * total.cells, (total.right, total.cells)
