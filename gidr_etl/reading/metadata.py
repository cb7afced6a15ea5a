"""Report metadata (agency, year, title, publish_date, index_no) from titles, headers and prose."""

from __future__ import annotations

import re

from gidr_etl.report import Metadata
from gidr_etl.text.cjk import despace
from gidr_etl.text.normalize import fold_radicals, to_simplified
from gidr_etl.text.wrapped import Piece, pieces, unwrap

_FIELD_SEP = r"\s*[:：|]?\s*"
_DATE = r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})"
_INDEX = re.compile(r"索引号" + _FIELD_SEP + r"([0-9A-Za-z][0-9A-Za-z/\-_.]*)")
_TITLE_FIELD = re.compile(r"^(?:标题|题名|文件标题)" + _FIELD_SEP + r"(.+?)(?:\s*\|.*)?$")
_REPORT_NAME = re.compile(r"政府信息公开(?:工作)?(?:年度报告|年报)")
_TITLE = re.compile(
    r"^(?P<pre>.*?)\s*(?P<year>20\d\d)\s*年度?\s*(?:度\s*)?(?P<post>.*?)\s*政府信息公开(?:工作)?(?:年度报告|年报)"
)
# A covering letter (关于…的函) or a sentence quoting the title is not the title.
_NOT_TITLE = re.compile(r"关于|函$|[《》。，,；;|]")
_LEADING_TAG = re.compile(r"^\s*[(\[【][^)\]】]{1,6}[)\]】]\s*")
_PERIOD_YEAR = re.compile(r"(?:统计期限|统计时限|期限)[^。]{0,12}?(20\d\d)\s*年\s*1\s*月\s*1\s*日")
_ANY_YEAR = re.compile(r"(20\d\d)\s*年度?")
# Markup and converter words before a line's text are no part of a name: Markdown headings and
# emphasis ("# 沭阳县人民政府"), a crawler's body marker run into the title ("正文2025 年…").
_MARKUP = re.compile(r"^(?:\s*(?:#{1,6}|[*>]+|正文(?=$|[:：\s\d])[:：]?))+\s*")


def _unmarked(line: str) -> str:
    return _MARKUP.sub("", line)


# What a browser prints on every page of a page it saves as PDF, never the report's own words:
# Chromium's header starts with the print date and time ("12/7/26, 3:27 AM", on a Chinese desktop
# "2026/12/7 03:27", as wkhtmltopdf's [date] [time] header too) before the page's title, and its
# footer is the page's address ("file:///…/report.html   1/4").
_PRINT_STAMP = re.compile(
    r"^\s*\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}[,，]?\s+(?:上午|下午)?\s*\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp]\.?[Mm]\.?)?(?=\s|$)"
)
_PRINT_ADDRESS = re.compile(r"\b(?:file|about):/{0,3}\S*", re.I)


def unprinted(lines: list[str]) -> list[str]:
    """The lines without the print furniture a browser adds (a line of nothing else dropped)."""
    out = []
    for line in lines:
        if _PRINT_ADDRESS.search(line):
            continue
        kept = _PRINT_STAMP.sub("", line)
        if kept.strip() or not line.strip():
            out.append(kept.strip() if kept != line else line)
    return out


# ------------------------------------------------------------------ labelled fields
# A page's metadata block: "索引号：X  发布机构：Y  成文日期：Z", on one line or several.

FIELD_LABELS = {
    "index_no": ["索引号"],
    "agency": ["发布机构", "发文机关", "发布机关", "发布单位"],
    # most specific first; a date in a covering letter is not a publish date
    "publish_date": ["发布日期", "发文日期", "发布时间", "公开日期", "成文日期"],
}
# Labels that end a value when several sit on one line ("索引号 X 成文日期 Y").
_ANY_LABEL = [label for labels in FIELD_LABELS.values() for label in labels] + [
    "主题分类",
    "分类",
    "文号",
    "标题",
    "公开方式",
    "来源",
    "信息来源",
    "有效性",
    "时效",
    "访问次数",
    "主题词",
    "内容概述",
]


def _label_re(label: str) -> str:
    return r"\s*".join(re.escape(ch) for ch in label)


_NEXT_LABEL = re.compile("|".join(_label_re(lab) for lab in _ANY_LABEL) + r"|\|")


def _is_label(piece: str) -> bool:
    """A field label, or its start wrapped away from the rest ("索引" of 索引/号)."""
    key = to_simplified(piece).strip(":：")
    return len(key) >= 2 and any(label.startswith(key) for label in _ANY_LABEL)


def has_label_piece(line: str) -> bool:
    return any(_is_label(piece) for _, piece in pieces(line))


def _joins(above: str, below: str) -> bool:
    """Whether `below` continues the cell `above`: a label's rest (索引 + 号：), or a value's
    ("11320703MB/" + "2021-00061"), never a label after a value or more after a whole label."""
    if _is_label(above):
        return not re.search("[:：]$", above) and _is_label(above + below)
    return not _NEXT_LABEL.search(to_simplified(above)) and not _is_label(below)


def wrapped_block_hints(rows: list[list[Piece]], tolerance: float = 0, limit: int = 60) -> dict[str, str]:
    """metadata_hints from a page's first lines as positioned pieces, an info block's cells that
    a browser, text browser or pdftotext wrapped onto the next lines joined back first (text/wrapped.py)."""
    return metadata_hints(unwrap(rows[:limit], has_label_piece, _joins, _is_label, tolerance), limit)


def wrapped_text_hints(lines: list[str], limit: int = 60) -> dict[str, str]:
    """wrapped_block_hints of text lines, their indentation kept (display columns)."""
    return wrapped_block_hints([pieces(line) for line in lines[:limit]], 0, limit)


def metadata_hints(fragments: list[str], limit: int = 60) -> dict[str, str]:
    """index_no, agency and publish_date from a page's metadata block (raw strings).

    `fragments` are texts in document order (text blocks, table cells, lines); a value
    is either after its label in the same fragment or the next fragment.
    """
    hints: dict[str, str] = {}
    frags = [_printed_and_simplified(f) for f in fragments[:limit]]
    for key, labels in FIELD_LABELS.items():
        for label in labels:  # in order of preference
            value = _find_value(frags, label)
            if value:
                hints[key] = value
                break
    return hints


def _printed_and_simplified(fragment: str) -> tuple[str, str]:
    """A fragment as printed, beside its Simplified form to match labels (發布機構) in.

    A value is cut from the printed text at the same offsets: converting it would turn
    place names wrong (乾县 → 干县). Where conversion changed the length, labels are
    matched as printed.
    """
    fragment = fold_radicals(fragment)  # a font's radical for 民 is no part of what was printed
    simplified = to_simplified(fragment)
    return fragment, (simplified if len(simplified) == len(fragment) else fragment)


def _find_value(frags: list[tuple[str, str]], label: str) -> str | None:
    pat = re.compile(_label_re(label) + r"\s*[:：]?\s*")
    for i, (printed, frag) in enumerate(frags):
        m = pat.search(frag)
        if not m:
            continue
        printed, rest = printed[m.end() :], frag[m.end() :]
        if not rest.strip() and i + 1 < len(frags):
            printed, rest = frags[i + 1]
            if _NEXT_LABEL.match(rest.strip()):
                continue
        end = _NEXT_LABEL.search(rest)
        value = printed[: end.start()] if end else printed
        value = re.split(r"\s{2,}|\t", value.strip())[0].strip()
        if value:
            return value
    return None


def find_title(lines: list[str], hint: str | None) -> str | None:
    lines = [_unmarked(line) for line in lines[:120]]
    for line in lines[:80]:
        m = _TITLE_FIELD.match(despace(line))
        if m and _REPORT_NAME.search(despace(m.group(1))):
            return m.group(1).strip()
    for n, line in enumerate(lines[:120]):
        text = line.strip()
        m = _TITLE.match(despace(text))
        if len(text) <= 80 and m and not _NOT_TITLE.search(text):
            # A title printed over two lines: the agency stands on the line above.
            above = lines[n - 1].strip() if n else ""
            if not (m["pre"] or m["post"]) and above and len(above) <= 30 and not _NOT_TITLE.search(above):
                return f"{above}{text}"
            return text
    return _wrapped_title(lines[:120]) or hint


# A title wrapped over this many lines at most.
_MAX_TITLE_LINES = 3


def _wrapped_title(lines: list[str]) -> str | None:
    """A title whose report name is broken over lines ("…办公" / "室 2023 年政府信息公开工作年度报" / "告")."""
    for n in range(len(lines)):
        for k in range(2, _MAX_TITLE_LINES + 1):
            text = "".join(line.strip() for line in lines[n : n + k])
            m = _TITLE.match(despace(text))
            if m and len(text) <= 80 and not _NOT_TITLE.search(text):
                return text
    return None


def names_report(title: str | None) -> bool:
    """Whether `title` names an annual report (a page's <title> may be anything)."""
    return bool(title and _REPORT_NAME.search(despace(title)))


def agency_and_year(title: str | None) -> tuple[str | None, int | None]:
    if not title:
        return None, None
    m = _TITLE.match(despace(title))
    if not m:
        return None, None
    agency = _LEADING_TAG.sub("", m["pre"]).strip() or m["post"].strip()
    return agency or None, int(m["year"])


def publish_date(lines: list[str], hint: str | None) -> str | None:
    text = "\n".join(despace(line) for line in lines[:60])
    for label in FIELD_LABELS["publish_date"]:
        m = re.search(label + _FIELD_SEP + _DATE, text)
        if m:
            y, mo, d = (int(g) for g in m.groups())
            if 1 <= mo <= 12 and 1 <= d <= 31:
                return f"{y:04d}-{mo:02d}-{d:02d}"
    return hint


def index_no(lines: list[str], hint: str | None) -> str | None:
    # Over the lines joined: a page's info block kept by a PDF rendering prints 索引号 and its value apart.
    m = _INDEX.search("\n".join(despace(line) for line in lines[:60]))
    if m and hint and hint.startswith(m.group(1)):
        return hint  # the value wrapped after its "/" (11320703MB/ · 2021-00061), joined in the hint
    return m.group(1) if m else hint


def year_from_prose(lines: list[str]) -> int | None:
    text = "\n".join(lines)
    m = _PERIOD_YEAR.search(text)
    if m:
        return int(m.group(1))
    years = _ANY_YEAR.findall(text)
    return int(max(set(years), key=years.count)) if years else None


def extract_metadata(lines: list[str], hints: dict[str, str], misread: bool = False) -> Metadata:
    """The report's metadata; a field that cannot be found is None. `misread`: the text
    was recognised from images (a seal over the title may have changed characters)."""
    lines = unprinted(lines)
    title = find_title(lines, hints.get("title"))
    agency, year = agency_and_year(title)
    if misread:
        found = misread_title(lines) if title is None else None
        if found:
            title, agency, year = found
        agency = as_printed_elsewhere(agency, lines, keep=found is None)
    return Metadata(
        title=title,
        agency=agency or hints.get("agency") or metadata_hints(lines).get("agency"),
        year=year or year_from_prose(lines),
        publish_date=publish_date(lines, hints.get("publish_date")),
        index_no=index_no(lines, hints.get("index_no")),
    )


# ------------------------------------------------------------------ recognised text
# A red seal stamped over a scan's title can make OCR misread or drop a character or two
# of it (…公开作律度报告, 连云×行政审北局). These fallbacks accept only what the page's
# other text supports.

_REPORT_NAME_TEXT = "政府信息公开工作年度报告"
# Characters a title may have misread, at most, and an agency one per this many characters.
_MAX_MISREADS = 2
_CHARS_A_MISREAD = 4
_YEAR_THEN = re.compile(r"(20\d\d)\s*年度?")  # "2023 年": a text layer's or an OCR's space before 年


def edits(a: str, b: str) -> int:
    """Levenshtein distance: characters changed, dropped or added."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def misread_title(lines: list[str]) -> tuple[str, str | None, int] | None:
    """(title, agency, year) from a title line whose report name is misread by at most
    _MAX_MISREADS characters; the agency stands before the year or on the line above."""
    head = [despace(_unmarked(line).strip()) for line in lines[:12]]
    n_name = len(_REPORT_NAME_TEXT)
    for n in range(len(head)):
        for k in range(1, _MAX_TITLE_LINES + 1):
            text = "".join(head[n : n + k])
            m = _YEAR_THEN.search(text)
            if not m or len(text) > 80 or _NOT_TITLE.search(text):
                continue
            tail = text[m.end() :]
            if min(edits(tail[:size], _REPORT_NAME_TEXT) for size in range(n_name - 2, n_name + 3)) > _MAX_MISREADS:
                continue
            pre = _LEADING_TAG.sub("", text[: m.start()]).strip()
            if not pre and n and 0 < len(head[n - 1]) <= 30 and not _NOT_TITLE.search(head[n - 1]):
                pre, text = head[n - 1], head[n - 1] + text
            return text, pre or None, int(m.group(1))
    return None


def as_printed_elsewhere(agency: str | None, lines: list[str], keep: bool = True) -> str | None:
    """The agency as the rest of the text prints it.

    An agency read from the title that the text prints again is kept. One the text does
    not print, but prints a single name alike to but for a misread character or two (the
    发布机构 field, the body's first sentence), is that name. Otherwise it is kept as
    read when `keep`, else None (a name under a misread title needs the text's support).
    """
    if not agency:
        return agency
    text = "\n".join(despace(line) for line in lines)
    if text.count(agency) >= 2:
        return agency
    allowed = min(_MAX_MISREADS, len(agency) // _CHARS_A_MISREAD)
    size = len(agency)
    alike = {
        text[i : i + size]
        for i in range(len(text) - size + 1)
        if "\n" not in text[i : i + size] and 0 < sum(a != b for a, b in zip(agency, text[i : i + size])) <= allowed
    }
    if len(alike) == 1:
        return alike.pop()
    return agency if keep else None
