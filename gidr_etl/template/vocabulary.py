"""The template vocabulary (data/template.toml) as Python objects, with plugin variants."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from gidr_etl.errors import one_line
from gidr_etl.plugins import label_variants, load_errors
from gidr_etl.text.normalize import compact, label_key

TEMPLATES = ("2019", "2021")


@dataclass
class Term:
    """A row or column of a section: its code, official label and what it is matched by."""

    code: str
    label: str
    en: str
    kind: str = "count"
    group: str | None = None
    templates: tuple[str, ...] = TEMPLATES
    match: list[str] = field(default_factory=list)  # contained phrases (label keys)
    exact: list[str] = field(default_factory=list)  # whole-label keys

    @property
    def key(self) -> str:
        """The official label as a label key."""
        return label_key(self.label)

    def holds(self, key: str) -> bool:
        """Whether `key` is a piece of this term's official label or of its group's."""
        return bool(key) and (key in self.key or (self.group is not None and key in label_key(self.group)))

    def matches(self, key: str) -> bool:
        """Whether a normalised printed label (see normalize.label_key) names this term."""
        if key in self.exact or any(key.endswith(e) and _only_group_before(key[: -len(e)]) for e in self.exact):
            return True
        return any(m in key for m in self.match)


def _only_group_before(prefix: str) -> bool:
    # "不予公开其他" must not read as "其他", but "其他处理其他" (group + row) may.
    return prefix == "" or prefix.endswith("其他处理")


@dataclass
class Section:
    code: str
    table: str
    label: str
    en: str
    match: list[str]
    rows: list[Term]
    columns: dict[str, list[Term]]
    templates: tuple[str, ...] = TEMPLATES

    def rows_for(self, template: str) -> list[Term]:
        return [r for r in self.rows if template in r.templates]

    def columns_for(self, template: str) -> list[Term]:
        return self.columns.get(template, [])


@dataclass
class Vocabulary:
    tables: dict[str, dict]
    sections: list[Section]

    def sections_for(self, template: str, table: str | None = None) -> list[Section]:
        return [s for s in self.sections if template in s.templates and (table is None or s.table == table)]

    def section(self, code: str) -> Section:
        return next(s for s in self.sections if s.code == code)

    def cells(self, template: str) -> list[tuple[str, str, str]]:
        """Every template cell (section, row, col) of a template version, in order."""
        return [
            (s.code, r.code, c.code)
            for s in self.sections_for(template)
            for r in s.rows_for(template)
            for c in s.columns_for(template)
        ]

    def add_variant(self, section: str, code: str, text: str) -> None:
        """Let `text` also name the row or column `code` of `section`."""
        sec = self.section(section)
        terms = [t for t in sec.rows if t.code == code] + [
            t for cols in sec.columns.values() for t in cols if t.code == code
        ]
        if not terms:
            raise KeyError(f"{section}.{code} is not in the template")
        for term in terms:
            key = label_key(text)
            if key and key not in term.match:
                term.match.append(key)


def _term(raw: dict) -> Term:
    return Term(
        code=raw["code"],
        label=raw["label"],
        en=raw.get("en", ""),
        kind=raw.get("kind", "count"),
        group=raw.get("group"),
        templates=tuple(raw.get("templates", TEMPLATES)),
        match=[label_key(m) for m in raw.get("match", []) + raw.get("variants", [])],
        exact=[label_key(e) for e in raw.get("exact", [])],
    )


def _load() -> Vocabulary:
    raw = tomllib.loads(resources.files("gidr_etl").joinpath("data/template.toml").read_text("utf-8"))
    sections = []
    for s in raw["sections"]:
        columns: dict[str, list[Term]] = {}
        for version, cols in s["columns"].items():
            # A version may say it has the same columns as another ("2019" = "2021").
            columns[version] = [_term(c) for c in (s["columns"][cols] if isinstance(cols, str) else cols)]
        sections.append(
            Section(
                code=s["code"],
                table=s["table"],
                label=s["label"],
                en=s.get("en", ""),
                match=[compact(m) for m in s.get("match", [])],
                rows=[_term(r) for r in s["rows"]],
                columns=columns,
                templates=tuple(s.get("templates", TEMPLATES)),
            )
        )
    return Vocabulary(tables=raw["tables"], sections=sections)


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """The template vocabulary with every plugin's label variants added."""
    vocab = _load()
    for section, code, text in label_variants():
        try:
            vocab.add_variant(section, code, text)
        except KeyError as exc:  # a plugin's slip must not stop every report being read
            load_errors[f"label variant {section}.{code}"] = one_line(exc)
    return vocab
