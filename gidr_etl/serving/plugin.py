"""gidr-etl as a Datasette plugin: its SQL functions, a page per report, report ids linked to it.

Installed, gidr-etl registers this module under Datasette's `datasette` entry point, so
`datasette gidr.db` alone gets it; `gidr-etl serve` registers it itself (`main`), so a
source checkout that was never pip-installed serves the same pages.
"""

from __future__ import annotations

import html
import os
import re
import sys
import weakref

from datasette import hookimpl
from datasette.database import Results
from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup

from gidr_etl.database import search
from gidr_etl.serving import cache, chinese, counted, freshness, report_page, snippet

NAME = "gidr-etl"
# Columns that hold a report id, wherever they appear.
REPORT_ID_COLUMNS = {"report_id", "next_report_id", "duplicate_of"}

PAGE = """{% extends "base.html" %}
{% block title %}{{ heading }}{% endblock %}
{% block extra_head %}<style>
table.official { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }
table.official caption { text-align: left; font-weight: bold; padding: 0.3em 0; }
table.official th, table.official td { border: 1px solid #888; padding: 0.25em 0.5em; }
table.official th { background: #f3f3f3; font-weight: normal; }
table.official td { text-align: right; min-width: 3.5em; white-space: nowrap; }
table.official td small { display: block; font-size: 0.7em; color: #777; }
td.status-blank { background: #fafafa; } td.status-inferred { background: #e8f0ff; }
td.status-ambiguous, td.status-unreadable, td.status-missing { background: #fff3cd; }
td.flagged { outline: 2px solid #d62728; outline-offset: -2px; }
dl.report-meta { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1em; }
dl.report-meta dt { color: #555; } dl.report-meta dd { margin: 0; }
ul.findings li.error { color: #a40000; }
</style>{% endblock %}
{% block content %}
<h1>{{ heading }}</h1>
{{ body|safe }}
{% endblock %}"""


# GIDR_ETL_PAGE_CACHE=0 serves as Datasette alone does: every page and table count made per
# request (bench/load.py's baseline).
CACHING = os.environ.get("GIDR_ETL_PAGE_CACHE", "1") != "0"
_versions: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _files(datasette) -> list:
    return [db for db in datasette.databases.values() if db.path and not db.is_memory]


def versions_for(datasette) -> freshness.Versions | None:
    """The version of the files `datasette` serves, one watcher per Datasette."""
    if datasette not in _versions:
        files = _files(datasette)
        _versions[datasette] = freshness.Versions([db.path for db in files]) if files else None
    return _versions[datasette]


_caches: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def page_cache(datasette) -> cache.PageCache | None:
    """The PageCache around `datasette`'s app, once its app was made (workers.py's renderer)."""
    return _caches.get(datasette)


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        if CACHING:
            renderer = os.environ.get(cache.RENDERER_ENV) == "1"
            app = cache.PageCache(app, lambda: versions_for(datasette), cache.store_from_env(), renderer)
            _caches[datasette] = app
        return counted.wrap(app, datasette)

    return wrap


@hookimpl
def startup(datasette):
    # Datasette 0.65 counts every table of a mutable database on each index and database
    # page, and the whole table or view on its page: here once per version of the file.
    if not CACHING:
        return
    versions = versions_for(datasette)
    for db in _files(datasette):
        if db.is_mutable and versions is not None:
            _keep_counts(db, freshness.TableCounts(db.path, versions, prepare_connection))


# The count Datasette's table page runs for a whole table or view (views/table.py).
WHOLE_COUNT = re.compile(r"select count\(\*\) from (?:\[([^\]]+)\]|(\w+)) ")


def _keep_counts(db, counts: freshness.TableCounts) -> None:
    run = db.execute

    async def execute(sql, params=None, *args, **kwargs):
        whole = WHOLE_COUNT.fullmatch(sql) if isinstance(sql, str) and not params else None
        if whole:
            n = (await counts.get()).get(whole.group(1) or whole.group(2))
            if n is not None:
                return Results([(n,)], False, [("count(*)", None, None, None, None, None, None)])
        return await run(sql, params, *args, **kwargs)

    async def table_counts(limit=10):
        return await counts.table_counts()

    db.execute = execute
    db.table_counts = table_counts


@hookimpl
def filters_from_request(request, database, table, datasette):
    return counted.filters(request, database, table, datasette)


@hookimpl
def prepare_connection(conn):
    search.register(conn)
    chinese.register(conn)
    snippet.register(conn)


@hookimpl
def register_routes():
    return [(r"^/-/report/(?P<id>\d+)$", report_view), (r"^/-/report/(?P<database>[^/]+)/(?P<id>\d+)$", report_view)]


@hookimpl
def prepare_jinja2_environment(env):
    # Our _table.html, _facet_results.html and query.html (Chinese first) before Datasette's own.
    from jinja2 import ChoiceLoader, FileSystemLoader

    env.loader = ChoiceLoader([FileSystemLoader(chinese.templates_dir()), env.loader])
    env.globals.update(gidr_heading=chinese.heading, gidr_facet_label=chinese.facet_label)
    env.globals.update(
        gidr_query_heading=chinese.query_heading,
        gidr_facet_heading=chinese.facet_heading,
        gidr_column_order=chinese.column_order,
    )


@hookimpl
def extra_body_script():
    return chinese.BODY_SCRIPT


def report_url(datasette, database: str, report_id) -> str:
    return datasette.urls.path(f"/-/report/{database}/{report_id}")


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    linked = column in REPORT_ID_COLUMNS or (table == "reports" and column == "title")
    target = row["id"] if table == "reports" and column == "title" else value
    if not linked or not isinstance(target, int):
        return chinese.render(column, value, row, table)
    return Markup(
        f'<a href="{report_url(datasette, database, target)}" title="报告页 · report page">'
        f"{html.escape(str(value))}</a>"
    )


async def _database(datasette, request):
    name = request.url_vars.get("database")
    if name:
        if name not in datasette.databases:
            raise NotFound(f"no database {name}")
        return name
    for name, db in datasette.databases.items():
        if not name.startswith("_") and await db.table_exists("reports"):
            return name
    raise NotFound("no database with a reports table")


def _dicts(results) -> list[dict]:
    return [dict(zip(results.columns, row)) for row in results.rows]


async def report_view(datasette, request):
    name = await _database(datasette, request)
    db = datasette.get_database(name)
    rid = int(request.url_vars["id"])
    found = _dicts(await db.execute("select * from reports where id = ?", [rid]))
    if not found:
        raise NotFound(f"no report {rid}")
    report = found[0]
    cells = {
        (c["section"], c["row"], c["col"]): c
        for c in _dicts(await db.execute("select * from cells where report_id = ?", [rid]))
    }
    findings = _dicts(
        await db.execute("select * from findings where report_id = ? order by severity, rule, section, row, col", [rid])
    )
    files = [
        r["path"] for r in _dicts(await db.execute("select path from files where report_id = ? order by path", [rid]))
    ]
    counted = report.get("duplicate_of") or rid
    copies = (
        _dicts(
            await db.execute(
                "select id, source_path from reports where (id = ? or duplicate_of = ?) and id != ? order by id",
                [counted, counted, rid],
            )
        )
        if "duplicate_of" in report
        else []
    )
    body = (
        _meta_html(datasette, name, report, files, copies)
        + report_page.tables_html(report.get("template") or "2021", cells, findings)
        + _findings_html(findings)
    )
    heading = f"{report.get('agency') or '（机关不详）'} {report.get('year') or ''} 年度报告 · report {rid}"
    page = await datasette.render_template(
        datasette.jinja_env.from_string(PAGE), {"heading": heading, "body": body}, request=request
    )
    return Response.html(page)


def _meta_html(datasette, database, report, files, copies) -> str:
    e = html.escape
    rows = [
        ("标题 Title", e(report.get("title") or "")),
        ("机关 Agency", e(report.get("agency") or "")),
        ("年度 Year", e(str(report.get("year") or ""))),
        ("地区 Place", e(report_page.place(report) or "未定位 not placed")),
        ("模板 Template", e(report.get("template") or "")),
        ("源文件 Source file", "<br>".join(f"<code>{e(p)}</code>" for p in files or [report.get("source_path") or ""])),
        ("格式 Format", e(report.get("format") or "")),
        ("读出单元格 Cells read", e(str(report.get("cells_read")))),
        ("行 Row", f'<a href="{datasette.urls.row(database, "reports", report["id"])}">reports/{report["id"]}</a>'),
    ]
    if report.get("duplicate_of"):
        rows.append(
            (
                "副本 Copy",
                f"此为副本，计入统计的是 this copy does not count; the counted copy is "
                f'<a href="{report_url(datasette, database, report["duplicate_of"])}">'
                f"report {report['duplicate_of']}</a>",
            )
        )
    if copies:
        rows.append(
            (
                "其他副本 Other copies",
                ", ".join(
                    f'<a href="{report_url(datasette, database, c["id"])}">{c["id"]}</a> <code>{e(c["source_path"] or "")}</code>'
                    for c in copies
                ),
            )
        )
    legend = " ".join(
        f'<span class="cell status-{s}">{report_page.zh("status", s)} {s}</span>'
        for s in ("read", "blank", "inferred", "ambiguous", "unreadable", "missing")
    )
    return (
        '<dl class="report-meta">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows) + "</dl>"
        f"<p>单元格状态 Cell status: {legend}；红框为校验发现所指单元格 · red outline: a finding names the cell；"
        "悬停查看原文与页码行号 · hover for the printed text, page and line.</p>"
    )


def _findings_html(findings: list[dict]) -> str:
    if not findings:
        return "<h2>校验发现 Findings</h2><p>无 · none</p>"
    e = html.escape
    items = [
        f'<li class="{e(f["severity"] or "")}">{e(report_page.zh("severity", f["severity"]))} {e(f["severity"] or "")} · '
        f"<b>{e(report_page.zh('rule', f['rule']))}</b> <code>{e(f['rule'] or '')}</code>"
        f"{' · ' + e('.'.join(x for x in (f['section'], f['row'], f['col']) if x)) if f['section'] else ''}"
        f" — {e(f['message'] or '')}</li>"
        for f in findings
    ]
    return f'<h2>校验发现 Findings ({len(findings)})</h2><ul class="findings">{"".join(items)}</ul>'


def register() -> None:
    """Register this module with Datasette unless its entry point already did."""
    from datasette.plugins import pm

    module = sys.modules[__name__]
    if not pm.is_registered(module) and pm.get_plugin(NAME) is None:
        pm.register(module, name=NAME)


def main(argv: list[str] | None = None) -> None:
    """`datasette ARGS` with this plugin registered (what `gidr-etl serve` runs)."""
    from datasette.cli import cli

    register()
    cli(argv if argv is not None else sys.argv[1:])
