"""Finding the report's parts in the token stream: the three tables and the prose."""

from __future__ import annotations

import re
from dataclasses import dataclass

from gidr_etl.reading.tokens import Token, first_printing
from gidr_etl.report import ProsePart
from gidr_etl.template.vocabulary import Vocabulary
from gidr_etl.text.cjk import CHINESE_NUMBER

_PART = re.compile("^" + CHINESE_NUMBER)
# Prose parts by what their headings say; the first that matches names the part.
PROSE_PARTS = (
    ("overall", ("总体情况", "基本情况", "概述")),
    ("problems", ("存在的主要问题", "存在问题", "主要问题", "改进情况", "改进措施")),
    ("other", ("其他需要报告", "其它需要报告", "其他事项", "其它事项")),
)


@dataclass
class Regions:
    """Token index ranges [start, end) of each table found; prose headings by part."""

    tables: dict[str, tuple[int, int]]
    prose: dict[str, int]


def is_part_heading(tok: Token) -> bool:
    return not tok.is_value() and bool(_PART.match(tok.norm)) and len(tok.key) <= 40


def _first(toks: list[Token], start: int, test) -> int | None:
    return next((i for i in range(start, len(toks)) if test(toks[i])), None)


def locate(toks: list[Token], vocab: Vocabulary) -> Regions:
    """Where the active, requests and appeals tables and the prose parts begin and end."""
    first_caption = vocab.section("art20_1").match[0]
    active = first_printing(toks, [first_caption])
    if active is None:
        # A table page without the table's start (a single photographed page, a table
        # broken over pages): the active table begins at whichever of its captions comes first.
        captions = [s.match[0] for s in vocab.sections if s.table == "active"]
        active = first_printing(toks, captions)
    after_active = active or 0
    request_words = vocab.tables["requests"]["heading"]
    new_row = next(r for r in vocab.section("requests").rows if r.code == "new")
    requests = _first(
        toks,
        after_active,
        lambda t: (
            (is_part_heading(t) and any(w in t.key for w in request_words) and not new_row.matches(t.key))
            or "申请人情况" in t.key
            or new_row.matches(t.key)
        ),
    )
    after_requests = requests if requests is not None else after_active
    appeal_words = vocab.tables["appeals"]["heading"]
    appeals = _first(toks, after_requests + 1, lambda t: is_part_heading(t) and any(w in t.key for w in appeal_words))
    if appeals is None:
        appeals = _first(toks, after_requests + 1, lambda t: "复议" in t.key and not t.is_value())

    prose = _prose_headings(toks)
    starts = {"active": active, "requests": requests, "appeals": appeals}
    found = sorted((i, name) for name, i in starts.items() if i is not None)
    tail = min(
        (i for i in prose.values() if found and i > found[-1][0]),
        default=len(toks),
    )
    tables = {}
    for n, (i, name) in enumerate(found):
        end = found[n + 1][0] if n + 1 < len(found) else tail
        tables[name] = (i, end)
    return Regions(tables, prose)


def _prose_headings(toks: list[Token]) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, tok in enumerate(toks):
        if tok.in_table or not is_part_heading(tok):
            continue
        for part, words in PROSE_PARTS:
            if part not in found and any(w in tok.key for w in words):
                found[part] = i
                break
    return found


def _normalised_lines(toks: list[Token]) -> str:
    return "\n".join(t.norm for t in toks)


def prose_parts(toks: list[Token], regions: Regions, join=_normalised_lines) -> list[ProsePart]:
    """Each prose part, its text running to the next part or table.

    `join` makes one text of a run of tokens (printed_prose.printed_text keeps them as printed)."""
    bounds = set(regions.prose.values())
    for start, end in regions.tables.values():
        bounds |= {start, end}
    out = []
    for part, start in regions.prose.items():
        end = min((i for i in bounds if i > start), default=len(toks))
        text = join([t for t in toks[start + 1 : end] if not t.in_table])
        out.append(ProsePart(part, join([toks[start]]), text))
    preamble_end = min(bounds, default=len(toks))
    preamble = join([t for t in toks[:preamble_end] if not t.in_table])
    if preamble:
        out.insert(0, ProsePart("preamble", "", preamble))
    return out
