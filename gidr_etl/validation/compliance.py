"""What evaluators check of a report beyond its sums: published on time, every required
part there, the current template. The rules are data (data/compliance.toml, with their
sources in spec/TEMPLATE.md, "What the regulation requires"); this module reads them and
registers the rules, as a plugin.

A plugin adds or overrides deadlines and required parts through the same `register_rules`
hook: `register_on_time(register, extra)` and `register("part_missing", "warning",
part_missing_rule(extra_items=…))` re-register the built-in rules with its data laid over
the built-in one (a rule registered under a built-in's name replaces it: plugins.rules()),
and `scored(check, rule)` makes a rule of its own count toward a check of the scorecard
(database/scorecard.py).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any

from gidr_etl.hookspecs import RuleCheck, hookimpl
from gidr_etl.report import Issue, Report, bilingual

LATE = "published_late"
DATE_UNKNOWN = "publish_date_unknown"
DEADLINE_UNKNOWN = "deadline_unknown"
OUTDATED = "template_outdated"
PART_MISSING = "part_missing"
# The attribute `scored` sets on a rule's check: the scorecard check it counts toward.
SCORECARD_ATTRIBUTE = "scorecard"

_PART_HEADINGS = {
    "overall": "一、总体情况",
    "problems": "五、存在的主要问题及改进情况",
    "other": "六、其他需要报告的事项",
}


@lru_cache(maxsize=1)
def data() -> dict[str, Any]:
    """data/compliance.toml, read once."""
    return tomllib.loads(resources.files("gidr_etl").joinpath("data/compliance.toml").read_text("utf-8"))


def scored(check: str, rule: RuleCheck) -> RuleCheck:
    """`rule`, marked as counting toward the scorecard's `check` (on_time, parts_complete, …)."""
    setattr(rule, SCORECARD_ATTRIBUTE, check)  # noqa: B010 (a function attribute: Callable declares none)
    return rule


# ------------------------------------------------------------------ on time


@dataclass(frozen=True)
class Deadline:
    """Reports of agencies of `kind` (and `levels`; in `provinces`, when given) for year Y are
    published by Y+1-`month_day`."""

    kind: str
    month_day: str  # "01-31"
    source: str
    levels: tuple[str, ...] = ()
    provinces: tuple[str, ...] = ()  # a province's own stricter deadline; () = everywhere

    def applies(self, report: Report) -> bool:
        place = report.place
        if place is None or place.kind != self.kind:
            return False
        if self.provinces and place.province not in self.provinces:
            return False
        return not (self.levels and place.level and place.level not in self.levels)

    def due(self, year: int) -> date:
        month, day = (int(n) for n in self.month_day.split("-"))
        return date(year + 1, month, day)


def builtin_deadlines() -> list[Deadline]:
    return [
        Deadline(kind, d["month_day"], d["source"], tuple(d.get("levels", ())), tuple(d.get("provinces", ())))
        for kind, d in data()["deadlines"].items()
    ]


def deadline_for(report: Report, deadlines: Iterable[Deadline]) -> Deadline | None:
    """The deadline that governs `report`: a province's own before a national one."""
    fitting = [d for d in deadlines if d.applies(report)]
    return max(fitting, key=lambda d: bool(d.provinces), default=None)


def on_time_rules(extra: Iterable[Deadline] = ()) -> dict[str, tuple[str, RuleCheck]]:
    """The on-time rules by name (severity, check), `extra` deadlines laid over the built-in ones."""
    deadlines = [*builtin_deadlines(), *extra]

    def published_late(report: Report):
        due, published = _due(report, deadlines), _published(report)
        if due is None or published is None or published <= due[1]:
            return
        rule, deadline = due
        yield Issue(
            "metadata",
            None,
            "publish_date",
            bilingual(
                f"发布日期 {published.isoformat()} 晚于{rule.kind}的法定期限 {deadline.isoformat()}（{rule.source}）",
                f"published {published.isoformat()}, after the deadline for a {rule.kind} of "
                f"{deadline.isoformat()} ({rule.source})",
            ),
        )

    def publish_date_unknown(report: Report):
        if _due(report, deadlines) is not None and _published(report) is None:
            yield Issue(
                "metadata",
                None,
                "publish_date",
                bilingual(
                    "未找到发布日期，无法判断是否按时发布", "the publish date was not found: on time cannot be told"
                ),
            )

    def deadline_unknown(report: Report):
        if report.metadata.year is None or _due(report, deadlines) is not None:
            return
        kind = report.place.kind if report.place else None
        yield Issue(
            "metadata",
            None,
            "kind",
            bilingual(
                f"机关类别（{kind or '未知'}）无条例规定的发布期限，无法判断是否按时发布",
                f"no deadline is stated for this kind of agency ({kind or 'unknown'}): on time cannot be told",
            ),
        )

    return {
        LATE: ("warning", scored("on_time", published_late)),
        DATE_UNKNOWN: ("info", scored("on_time", publish_date_unknown)),
        DEADLINE_UNKNOWN: ("info", scored("on_time", deadline_unknown)),
    }


def register_on_time(register: Callable[[str, str, RuleCheck], None], extra: Iterable[Deadline] = ()) -> None:
    """Register the on-time rules with `extra` deadlines (a plugin's) over the built-in ones."""
    for name, (severity, check) in on_time_rules(extra).items():
        register(name, severity, check)


def _due(report: Report, deadlines: list[Deadline]) -> tuple[Deadline, date] | None:
    rule = deadline_for(report, deadlines)
    year = report.metadata.year
    return None if rule is None or year is None else (rule, rule.due(year))


def _published(report: Report) -> date | None:
    try:
        return date.fromisoformat(report.metadata.publish_date or "")
    except ValueError:
        return None


# ------------------------------------------------------------------ the template


def template_outdated(report: Report):
    templates = data()["templates"]
    year = report.metadata.year
    if year is None or year < templates["current_from_year"] or report.template == templates["current"]:
        return
    yield Issue(
        "metadata",
        None,
        "template",
        bilingual(
            f"{year} 年度报告仍使用 {report.template} 年格式，应使用 {templates['current']} 年格式（{templates['source']}）",
            f"a report for {year} on the {report.template} template; from {templates['current_from_year']} "
            f"the {templates['current']} template applies ({templates['source']})",
        ),
    )


# ------------------------------------------------------------------ required parts


def part_missing_rule(extra_required: Iterable[dict] = (), extra_items: Iterable[dict] = ()) -> RuleCheck:
    """The required-parts check, `extra_required` parts and `extra_items` (compliance.toml's
    [[parts.required]] and [[parts.items]] shapes) added to the built-in ones."""
    parts = data()["parts"]
    required = [*parts["required"], *extra_required]
    items = [*parts["items"], *extra_items]
    placeholder = re.compile(r"[(（][^)）]*(?:" + "|".join(map(re.escape, parts["empty"])) + r")[^)）]*[)）]")

    def says_something(text: str) -> bool:
        return bool(re.search(r"\w", placeholder.sub("", text)))

    def check(report: Report):
        applies = [r for r in required if report.template in r["templates"]]
        for req in applies:
            text = report.parts.get(req["part"])
            heading = _PART_HEADINGS.get(req["part"], req["heading"])
            if text is None:
                zh, en = f"未找到“{heading}”部分", f"the part {heading} was not found"
            elif not says_something(text):
                zh, en = f"“{heading}”部分为空", f"the part {heading} is empty"
            else:
                continue
            yield Issue("parts", req["part"], None, bilingual(f"{zh}（{req['source']}）", f"{en} ({req['source']})"))
        kind = report.place.kind if report.place else None
        for item in items:
            if report.template not in item["templates"] or ("kinds" in item and kind not in item["kinds"]):
                continue
            where = "\n".join(report.parts.values()) if item.get("anywhere") else report.parts.get(item["part"])
            if where is None or not says_something(where):  # the part itself is missing or empty: said above
                continue
            if any(w in where for w in item["words"]):
                continue
            part = item.get("part")
            zh_where, en_where = (_PART_HEADINGS.get(part, part), part) if part else ("全文", "the report")
            yield Issue(
                "parts",
                part,
                item["item"],
                bilingual(
                    f"{zh_where}未提及{item['item']}情况（{item['source']}）",
                    f"{en_where} does not mention {item['item']} ({item['source']})",
                ),
            )

    return scored("parts_complete", check)


@hookimpl
def register_rules(register):
    register_on_time(register)
    register(OUTDATED, "warning", scored("template_current", template_outdated))
    register(PART_MISSING, "warning", part_missing_rule())
