"""Rows an OCR conversion cut across the pieces of a table (issue #12, point 6).

OCR converters cut a long table into many small tables, each under generic headers
(| 数据1 | 数据2 | … |) and padded to its own width; a row cut at a piece's end goes on in
the next piece's first row, which then prints values and no label. Such a row is rejoined
only where the pieces tie it: the cut row is the last of its piece, the next piece's first
row (past its generic headers) holds values only, and together they print exactly as many
values as the row has columns. Anything less tied stays a short row (row_alignment.py).
"""

from __future__ import annotations

from gidr_etl.reading.row_alignment import trimmed
from gidr_etl.reading.tokens import FURNITURE, Token


def continued(toks: list[Token], run: list[Token], after: int, n: int) -> tuple[list[Token], int] | None:
    """`run` (the values of a table row, ending at toks[after]) with the values the next piece
    continues it with, and the index after them; None where nothing ties the two."""
    if not run or run[-1].row_id is None or after >= len(toks):
        return None
    table = run[-1].row_id[0]
    if (next_row := toks[after].row_id) is None:
        return None
    # The next piece starts after the row: a new table, or generic headers inside this one
    # (a text reader joins Markdown pieces that only a blank line parts).
    i = _past_generic_headers(toks, after)  # toks[i] opens the piece's first row of content
    if i == after and next_row[0] == table:
        return None  # the row is not the last of its piece
    if i >= len(toks) or toks[i].row_id is None:
        return None
    row_id = toks[i].row_id
    end = i
    while end < len(toks) and toks[end].row_id == row_id:
        end += 1
    rest = trimmed(toks[i:end], lead=False)
    if not rest or not all(t.is_value() for t in rest):
        return None
    mine = trimmed(run, lead=False)
    for head in (mine, trimmed(mine, lead=True)):
        if len(head) + len(rest) == n:
            return head + rest, end
    return None


def _past_generic_headers(toks: list[Token], i: int) -> int:
    """Past a row of generic column headers (数据1 …) opening a piece, if there is one."""
    row_id, end = toks[i].row_id, i
    while end < len(toks) and toks[end].row_id == row_id:
        end += 1
    cells = [t for t in toks[i:end] if not t.is_blank()]
    return end if cells and all(FURNITURE.match(t.norm) for t in cells) else i
