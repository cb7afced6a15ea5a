"""Figures the prose states (收到申请…件, 办结…件, 结转…件, 行政复议…件), to check against the tables."""

from __future__ import annotations

import re
from dataclasses import dataclass

from gidr_etl.template.arithmetic import CARRIED_OVER, PROSE_FIGURE_CELLS, Equation, Key, prose_equation
from gidr_etl.text.cjk import NUMBERING


@dataclass
class Figure:
    """A count the prose states: what it counts, the number, and the clause that says it."""

    key: str
    value: int
    quote: str


# A count: not part of a decimal ("22.08万件"), a percentage or a longer number.
_N = r"(?<![\d.])(?P<n>\d+)(?![\d.%])\s*"
# Words between a verb and its number; no digit, so the number is the first one after the verb.
_GAP = r"(?P<gap>[^\d]{0,16}?)"
_TO_NEXT_YEAR = r"(?:结转|顺延|转入)(?:到|至)?下一?年度?"
_FROM_LAST_YEAR = r"上一?年度?结转"
# A request figure's own words must not be about something else (complaints, hotline calls…).
_NOT_REQUESTS = re.compile(r"复议|诉讼|投诉|举报|信访|来电|来信|事项|咨询|万")

# key → patterns; a request count's gap (and tail) are checked by _plausible.
_PATTERNS: dict[str, list[re.Pattern]] = {
    "requests_received": [
        re.compile(r"(?<!不予)(?<!未)(?:收到|受理|新收|接收)" + _GAP + _N + r"件(?P<tail>[^\d]{0,6})")
    ],
    # Not 办结率 or 答复书/答复函 (documents, not requests).
    "requests_completed": [re.compile(r"(?:办结|答复)(?![率书函])" + _GAP + _N + r"件")],
    "requests_carried_forward": [
        re.compile(_N + r"件(?P<gap>[^\d]{0,6}?)" + _TO_NEXT_YEAR),
        re.compile(_TO_NEXT_YEAR + r"(?:继续)?(?:办理|答复)?" + _GAP + _N + r"件"),
    ],
    "requests_carried_over": [
        re.compile(_FROM_LAST_YEAR + _GAP + _N + r"件"),
        re.compile(_N + r"件(?P<gap>(?:申请)?(?:为|系|是|属于)?)" + _FROM_LAST_YEAR),
    ],
    # "行政复议、行政诉讼案件3件" counts both together: a keyword joined to the other by 、/和 is not read.
    "reviews": [re.compile(r"(?<![诉讼][、和及与或])行政复议(?:案件|申请)?\s*" + _N + r"[件起]")],
    "lawsuits": [re.compile(r"(?<![复议][、和及与或])行政诉讼(?:案件)?\s*" + _N + r"[件起]")],
}

# Line breaks: a heading line starts a new sentence; a PDF wrap inside a sentence is closed up.
_HEADING_BREAK = re.compile(rf"\s*\n\s*(?={NUMBERING})")
_DIGIT_BREAK = re.compile(r"(?<=\d)[ \t]*\n\s*(?=\d)")
_SENTENCE = re.compile(r"[。；;！!？?]")
# Not 、: it joins "行政复议、行政诉讼", which the patterns must see whole. NFKC made "，" a ",";
# "69,103件" is read as two clauses, never as 69103 (a thousands separator leaves no figure).
_CLAUSE = re.compile(r"[,，]")


def stated_figures(text: str) -> list[Figure]:
    """Request, review and lawsuit counts the prose states, each once per (key, value)."""
    text = _HEADING_BREAK.sub("。", text)
    text = _DIGIT_BREAK.sub(" ", text)
    # Closed up, not join_lines: a clause quoted in a finding reads as printed ("办结12件"),
    # however the PDF wrapped it.
    text = re.sub(r"\s*\n\s*", "", text)
    figures: dict[tuple[str, int], Figure] = {}
    for sentence in _SENTENCE.split(text):
        # Request counts only where the sentence is about requests (not hotline calls or licences).
        about_requests = "申请" in sentence
        for clause in _CLAUSE.split(sentence):
            for key, patterns in _PATTERNS.items():
                is_request = key.startswith("requests_")
                if is_request and not about_requests:
                    continue
                for pattern in patterns:
                    for m in pattern.finditer(clause):
                        if is_request and not _plausible(key, m):
                            continue
                        value = int(m["n"])
                        figures.setdefault((key, value), Figure(key, value, clause.strip()))
    return list(figures.values())


def _plausible(key: str, m: re.Match) -> bool:
    """The words around a request count say it counts requests and nothing else."""
    gap = m.groupdict().get("gap") or ""
    if _NOT_REQUESTS.search(gap):
        return False
    if key == "requests_received":
        # "收到70件申请", "受理申请17件", "受理 0 件依申请公开"; never "受理上年结转…".
        return "结转" not in gap and "申请" in gap + m["tail"]
    return True


def contradictions(
    figures: list[Figure], table_values: dict[Key, float | int | None]
) -> list[tuple[Figure, float | int]]:
    """Figures that disagree with the table, each with the table's number; undecidable ones skipped."""
    out = []
    for fig in figures:
        cells = [v for c in PROSE_FIGURE_CELLS[fig.key] if (v := table_values.get(c)) is not None]
        if len(cells) < len(PROSE_FIGURE_CELLS[fig.key]):
            continue
        table = sum(cells)
        accepted = {table}
        carried_over = table_values.get(CARRIED_OVER)
        if fig.key == "requests_received" and carried_over is not None:
            # "受理N件" often counts the requests carried over from last year as well.
            accepted.add(table + carried_over)
        if fig.value not in accepted:
            out.append((fig, table))
    return out


def equations(figures: list[Figure]) -> list[Equation]:
    """Prose totals as equations for the digit-run solver (not 收到/受理: it may include carried-over requests)."""
    return [prose_equation(f.key, f.value) for f in figures if f.key != "requests_received"]
