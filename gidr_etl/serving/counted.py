"""The `reports` table page opens on the reports that count, so its facets count reports.

`reports` keeps a row per file read: a report published as HTML, PDF and DOCX is three rows,
two of them copies (`duplicate_of`), and a blank template is a row too. Datasette counts a
facet over the rows the page selects, and a facet cannot leave rows out by itself, so the
plain page counted 上海市 four times for one report.

`?_counted=1` selects the counted reports (a filter of this plugin, named in the page's
"where" line); a GET of the plain HTML page, with no filter of its own, is redirected to it.
The address, the facets and the page's JSON/CSV links then all say the same thing, the
filter form keeps the argument (Datasette carries "_" arguments along as hidden fields),
and `?_counted=0` lists every file's row (the page's description links to both).
`reports.json` without the argument is the table as it is: scripts are never redirected.
"""

from __future__ import annotations

import urllib.parse

TABLE = "reports"
ARG = "_counted"
WHERE = "duplicate_of is null and not is_template"
# the page's "N rows where …" line (the description beside it says it in English too)
SAID = "计入统计的报告（不含副本与空白模板）"


def counted_location(path: str, query_string: bytes) -> str | None:
    """Where a GET of `path`?`query_string` is sent instead, or None when it is answered as asked.

    Only the HTML page of a `reports` table (/DATABASE/reports), and only when the query says
    nothing of the copies (no ARG) and holds no filter: Datasette's filters are the arguments
    not starting with "_" or holding "__", and _where.
    """
    parts = path.strip("/").split("/")
    if len(parts) != 2 or parts[1] != TABLE:
        return None
    args = urllib.parse.parse_qsl(query_string.decode("utf-8", "replace"), keep_blank_values=True)
    if any(not key.startswith("_") or "__" in key or key in ("_where", ARG) for key, _ in args):
        return None
    # relative to the page itself, so a base_url prefix is kept
    return f"{TABLE}?{urllib.parse.urlencode([*args, (ARG, '1')])}"


async def _has_copies_columns(datasette, database: str) -> bool:
    """Whether `database` is served and its reports table says which rows are copies and templates."""
    db = datasette.databases.get(database)
    if db is None or not await db.table_exists(TABLE):
        return False
    return {"duplicate_of", "is_template"} <= set(await db.table_columns(TABLE))


def wrap(app, datasette):
    """An ASGI app sending the plain `reports` page of a gidr-etl database to its counted reports."""

    async def counted_first(scope, receive, send):
        if scope.get("type") == "http" and scope.get("method") == "GET":
            location = counted_location(scope.get("path", ""), scope.get("query_string", b""))
            database = urllib.parse.unquote(scope.get("path", "").strip("/").split("/")[0])
            if location is not None and await _has_copies_columns(datasette, database):
                headers = [(b"location", location.encode("latin-1")), (b"content-length", b"0")]
                await send({"type": "http.response.start", "status": 302, "headers": headers})
                await send({"type": "http.response.body", "body": b""})
                return
        await app(scope, receive, send)

    return counted_first


async def filters(request, database: str, table: str, datasette):
    """The counted-reports filter of a `reports` page that asks for it (ARG=1), else None."""
    from datasette.filters import FilterArguments

    if table != TABLE or request.args.get(ARG) != "1" or not await _has_copies_columns(datasette, database):
        return None
    return FilterArguments([WHERE], human_descriptions=[SAID])
