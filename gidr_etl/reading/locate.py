"""Finding the report's parts in the token stream: the three tables and the prose."""

from __future__ import annotations

import re
from dataclasses import dataclass

from gidr_etl.reading.tokens import Token, first_printing, joined_cells
from gidr_etl.report import ProsePart
from gidr_etl.template.vocabulary import Section, Vocabulary
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


# A caption of the active table as an image's reader prints it with its numbers misread
# ("第二十条第（--）项": the stroke 一 read as dashes; "第二于条": 十 read as 于).
_CAPTION_SHAPE = re.compile(r"^第.{1,3}条第[(（].{1,3}[)）]项$")


def captions(toks: list[Token], sections: list[Section], start: int = 0, end: int | None = None) -> dict[str, int]:
    """Where each section's caption begins in [start, end): as printed, or, for an OCR'd
    caption whose numbers were misread, by its place among those read. The template prints
    the captions in one order, so misread captions between two read ones name the sections
    between them, where they are as many."""
    found = {}
    for section in sections:
        if (i := first_printing(toks, [section.match[0]], start, end)) is not None:
            found[section.code] = i
    order = [s.code for s in sections]
    stop = len(toks) if end is None else end
    misread = [i for i in range(start, stop) if i not in found.values() and _misread_caption(toks, i, stop)]
    anchors = sorted((i, order.index(code)) for code, i in found.items())
    for (at, k), (next_at, next_k) in zip([(-1, -1), *anchors], [*anchors, (stop, len(order))]):
        between = [i for i in misread if at < i < next_at]
        if between and len(between) == next_k - k - 1:
            found.update(zip(order[k + 1 : next_k], between))
    return found


def _misread_caption(toks: list[Token], i: int, end: int) -> bool:
    """Whether an OCR'd caption begins at toks[i], alone or cut over cells of its row."""
    return toks[i].confidence is not None and any(_CAPTION_SHAPE.match(j) for j in joined_cells(toks, i, end))


def locate(toks: list[Token], vocab: Vocabulary) -> Regions:
    """Where the active, requests and appeals tables and the prose parts begin and end."""
    printed = captions(toks, [s for s in vocab.sections if s.table == "active"])
    # A table page without the table's start (a single photographed page, a table broken
    # over pages): the active table begins at whichever of its captions comes first.
    active = printed.get("art20_1", min(printed.values(), default=None))
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
