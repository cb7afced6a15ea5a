"""The Markdown plugin through the contract kit, and its merge marks on their own."""

from pathlib import Path

import pytest

from gidr_etl import ExtractionError
from gidr_etl.testing import check_format, layout
from gidr_etl_markdown import MarkdownFormat


def pipe_table(rows) -> str:
    """A seed table as a pipe table; merged positions marked "" (from the left) or ^^ (from above)."""
    placed, n_rows, n_cols = layout.grid_positions(rows)
    owner = {}
    for r, c, cell in placed:
        for i in range(r, r + cell.rowspan):
            for j in range(c, c + cell.colspan):
                owner[i, j] = (r, c, cell)
    lines = []
    for i in range(n_rows):
        pieces = []
        for j in range(n_cols):
            r, c, cell = owner[i, j]
            pieces.append(f" {cell.text} " if (r, c) == (i, j) else "" if r == i else " ^^ ")
        lines.append("|" + "|".join(pieces) + "|")
    lines.insert(1, "|" + "---|" * n_cols)
    return "\n".join(lines)


WRITE = {
    "title": lambda text: f"# {text}",
    "meta": lambda pairs: "\n\n".join(f"{key}：{value}" for key, value in pairs),
    "heading": lambda text: f"## {text}",
    "paragraph": lambda text: text,
    "table": pipe_table,
}


def render(seed: str, path: Path) -> None:
    blocks = [WRITE[kind](content) for kind, content in layout.outline(seed)]
    path.write_text("\n\n".join(blocks) + "\n", "utf-8")


def test_the_seeds_in_markdown_give_their_gold(tmp_path):
    check_format(MarkdownFormat(), render, tmp_path)


def test_merge_marks_become_spans(tmp_path):
    path = tmp_path / "t.md"
    path.write_text("| a || b |\n|---|---|---|\n| ^^ | ^^ | 1 |\n| 2 |  | 3 |\n", "utf-8")
    table = next(MarkdownFormat().extract(path).tables())
    got = [(c.text, c.row, c.col, c.row_span, c.col_span, c.prov.line) for c in table.cells]
    assert got == [
        ("a", 0, 0, 2, 2, 1),
        ("b", 0, 2, 1, 1, 1),
        ("1", 1, 2, 1, 1, 3),
        ("2", 2, 0, 1, 1, 4),
        ("", 2, 1, 1, 1, 4),
        ("3", 2, 2, 1, 1, 4),
    ]


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "gbk.md"
    path.write_bytes("# 年度报告".encode("gbk"))
    with pytest.raises(ExtractionError, match="not UTF-8"):
        MarkdownFormat().extract(path)
