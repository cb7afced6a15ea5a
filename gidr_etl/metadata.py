"""Report metadata (agency, year, title, publish_date, index_no) from titles, headers and prose."""
from __future__ import annotations

import re

_CJK_SPACE = re.compile(r"(?<=[\u3400-\u9fff]) +(?=[\u3400-\u9fff])")
_FIELD_SEP = r"\s*[:|]?\s*"
# Labelled dates, most specific first; a date in a covering letter is not a publish date.
_DATE_LABELS = ("发布日期", "发文日期", "发布时间", "公开日期", "成文日期")
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


def despace(line: str) -> str:
    """Drop the spaces some pages put between characters ("索 引 号")."""
    return _CJK_SPACE.sub("", line)


def find_title(lines: list[str], hint: str | None) -> str | None:
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
    return hint


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
    for label in _DATE_LABELS:
        m = re.search(label + _FIELD_SEP + _DATE, text)
        if m:
            y, mo, d = (int(g) for g in m.groups())
            if 1 <= mo <= 12 and 1 <= d <= 31:
                return f"{y:04d}-{mo:02d}-{d:02d}"
    return hint


def index_no(lines: list[str], hint: str | None) -> str | None:
    for line in lines[:60]:
        m = _INDEX.search(despace(line))
        if m:
            return m.group(1)
    return hint


def year_from_prose(lines: list[str]) -> int | None:
    text = "\n".join(lines)
    m = _PERIOD_YEAR.search(text)
    if m:
        return int(m.group(1))
    years = _ANY_YEAR.findall(text)
    return int(max(set(years), key=years.count)) if years else None


def extract_metadata(lines: list[str], hints: dict[str, str]) -> dict[str, object]:
    """The report's metadata; a key that cannot be found is None."""
    title = find_title(lines, hints.get("title"))
    agency, year = agency_and_year(title)
    return {
        "title": title,
        "agency": agency or hints.get("agency"),
        "year": year or year_from_prose(lines),
        "publish_date": publish_date(lines, hints.get("publish_date")),
        "index_no": index_no(lines, hints.get("index_no")),
    }
