"""Chinese first on the served pages: codes shown with their Chinese names, shares as percentages.

The database keeps its codes (`requests_balance`, `denied_state_secret`, `read`) and its
shares as fractions, which is what SQL and exports want; a person reading a page wants
勾稽关系不平 and 12.5%. So the names are put beside the codes where a page draws a cell,
a facet value or a column heading, and nowhere else. The names come from the template
vocabulary (sections, rows, columns) and data/labels_zh.yml (rules, severities, statuses);
a column's heading from its description in datasette.yml, up to its first bracket, colon
or "=" (the short name every description starts with).
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from importlib import resources

import yaml
from markupsafe import Markup

from gidr_etl.serving.report_page import zh
from gidr_etl.template.vocabulary import TEMPLATES, vocabulary
from gidr_etl.validation.rules import METADATA_ZH

# Columns that hold a code of labels_zh.yml, by the kind of code.
NAMED_CODES = {"rule": "rule", "severity": "severity", "status": "status", "part": "part"}
# Columns holding a fraction that a page shows as a percentage.
SHARES = {
    "disclosure_share",
    "refusal_share",
    "correction_rate",
    "review_correction_rate",
    "suit_correction_rate",
    "share",
}
# Pages whose row/col codes belong to one section without a `section` column saying so.
SECTION_OF_TABLE = {"requests_wide": "requests", "appeals_wide": "appeals", "balance_failures": "requests"}
DEFAULT_TEMPLATE = "2021"
# The section a metadata_missing finding names (validation/rules.py), its fields as cols.
METADATA = "metadata"
# The section a finding on a prose part names (validation/compliance.py), its row the part.
PARTS = "parts"
_SHORT_NAME_END = re.compile(r"（|\(|：|；| =|=| · ")


@lru_cache(maxsize=1)
def _vocabulary_names() -> dict[tuple[str, str, str, str], str]:
    """(template, section, kind, code) → official Chinese label, kind being section/row/col."""
    out = {}
    vocab = vocabulary()
    for template in TEMPLATES:
        for sec in vocab.sections_for(template):
            out[(template, sec.code, "section", sec.code)] = sec.label
            for kind, terms in (("row", sec.rows_for(template)), ("col", sec.columns_for(template))):
                for t in terms:
                    out[(template, sec.code, kind, t.code)] = t.label
    return out


def code_name(column: str, value, row=None, table: str | None = None) -> str:
    """The Chinese name of the code `value` in `column` (of a row of `table`), or ""."""
    if not isinstance(value, str) or not value:
        return ""
    if column in NAMED_CODES:
        return zh(NAMED_CODES[column], value)
    if column not in ("section", "row", "col"):
        return ""
    section = value if column == "section" else _get(row, "section") or SECTION_OF_TABLE.get(table or "")
    if not section:
        return ""
    if section == METADATA:  # a finding on the report's own facts, not on a template cell
        return zh("section", value) if column == "section" else METADATA_ZH.get(value, "")
    if section == PARTS:
        # its col is the required item, named in Chinese by data/compliance.toml itself
        return {"section": zh("section", value), "row": zh("part", value)}.get(column, value)
    names = _vocabulary_names()
    templates = [t for t in (_get(row, "template"), DEFAULT_TEMPLATE, *TEMPLATES) if t]
    for template in templates:
        name = names.get((str(template), section, column, value))
        if name:
            return name
    return ""


SQL_FUNCTION = "gidr_zh"


def name_in_sql(kind: str | None, code: str | None) -> str | None:
    """gidr_zh(kind, code): the Chinese name of a rule, severity or status code (or the code)."""
    return zh(kind or "", code) or code


def register(conn) -> None:
    """Make gidr_zh(kind, code) callable from SQL on this connection (the dashboard's charts)."""
    conn.create_function(SQL_FUNCTION, 2, name_in_sql, deterministic=True)


def _get(row, key: str):
    try:
        return row[key] if row is not None else None
    except (KeyError, IndexError):
        return None


def percent(value) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return f"{value * 100:.1f}%".replace(".0%", "%")


def render(column: str, value, row=None, table: str | None = None) -> Markup | None:
    """A cell drawn Chinese first, or None to leave it to Datasette."""
    if column in SHARES:
        shown = percent(value)
        return Markup(f'<span title="{value}">{shown}</span>') if shown else None
    # The page shows the name in a column of its own (row_zh beside row). keys(): `in` on
    # a sqlite3.Row looks among the values.
    if row is not None and f"{column}_zh" in row.keys():  # noqa: SIM118
        return None
    name = code_name(column, value, row, table)
    if not name:
        return None
    return Markup(f'{html.escape(name)} <code class="gidr-code">{html.escape(value)}</code>')


def short_name(description: str | None) -> str:
    """A column's Chinese heading: its description up to the first bracket, colon or '='."""
    if not description or not re.match(r"[^\x00-\x7f]|\w+ 年", description):
        return ""
    return _SHORT_NAME_END.split(description, 1)[0].strip()


@lru_cache(maxsize=1)
def templates_dir() -> str:
    """Datasette templates drawn Chinese first (facet values, column headings)."""
    return str(resources.files("gidr_etl").joinpath("serving/templates"))


# Column notes (dl.column-descriptions) go under a fold, so that a wide view's data is on
# the first screen; each heading keeps its note in its title.
BODY_SCRIPT = """
(function () {
  var notes = document.querySelector('dl.column-descriptions');
  if (!notes) return;
  var fold = document.createElement('details');
  fold.className = 'gidr-column-notes';
  var summary = document.createElement('summary');
  summary.textContent = '列说明 Column notes (' + notes.querySelectorAll('dt').length + ')';
  fold.appendChild(summary);
  notes.parentNode.insertBefore(fold, notes);
  fold.appendChild(notes);
})();
"""


def heading(column) -> Markup:
    """A table page's column heading: the Chinese short name over the column's code."""
    described = column.get("description") if isinstance(column, dict) else getattr(column, "description", None)
    name = short_name(described)
    code = column["name"] if isinstance(column, dict) else column.name
    if not name:
        return Markup.escape(code)
    return Markup(
        f'<span class="gidr-zh">{html.escape(name)}</span><br><small class="gidr-code">{html.escape(code)}</small>'
    )


def facet_label(column: str, facet_value, table: str | None) -> Markup:
    """A facet value: its Chinese name beside the code, or what Datasette would show."""
    value, label = facet_value.get("value"), facet_value.get("label")
    name = code_name(column, value, None, table) if label == value or label is None else ""
    if name:
        return Markup(f'{html.escape(name)} <code class="gidr-code">{html.escape(value)}</code>')
    return Markup.escape(str(label) if label not in (None, "") else "-")


@lru_cache(maxsize=1)
def _described() -> dict[str, str]:
    """Each column name's description in the packaged datasette.yml, from the first table that has it."""
    meta = yaml.safe_load(resources.files("gidr_etl").joinpath("data/datasette.yml").read_text("utf-8"))
    out: dict[str, str] = {}
    for table in meta["databases"]["gidr"]["tables"].values():
        for name, description in (table.get("columns") or {}).items():
            out.setdefault(name, description)
    return out


def query_heading(column: str, metadata) -> Markup:
    """A query page's column heading: the query's own description of it (`columns:` under the
    query in datasette.yml), else the table column's of the same name; Chinese over the code."""
    own = (metadata or {}).get("columns") or {}
    return heading({"name": column, "description": own.get(column) or _described().get(column)})


def facet_heading(column: str, metadata) -> Markup:
    """A facet's heading: the column's Chinese short name beside its code."""
    name = short_name(((metadata or {}).get("columns") or {}).get(column))
    if not name:
        return Markup.escape(column)
    return Markup(f'{html.escape(name)} <small class="gidr-code">{html.escape(column)}</small>')


def column_order(columns, metadata) -> list[int]:
    """The display order of a table page's columns: as its `columns:` in datasette.yml lists them
    (a table's data before its bookkeeping), the unlisted ones after, the link column first."""
    listed = list(((metadata or {}).get("columns") or {}).keys())

    def key(item):
        i, column = item
        name = column["name"] if isinstance(column, dict) else column.name
        if name in listed:
            return (1, listed.index(name), i)
        return (0 if i == 0 else 2, 0, i)  # Datasette's Link/rowid column stays first

    return [i for i, _ in sorted(enumerate(columns), key=key)]
