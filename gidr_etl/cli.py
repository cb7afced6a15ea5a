"""The gidr-etl command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from gidr_etl.ingest import limits
from gidr_etl.plugins import add_commands, describe, load_errors
from gidr_etl.version import __version__

# `gidr-etl ingest` found no file under its paths (0, 1 and 2 are loaded, some failed, usage).
NOTHING_FOUND = 3


@click.group()
@click.version_option(__version__, prog_name="gidr-etl")
def cli():
    """Turn government information disclosure annual reports into a validated SQLite database."""


def _check_executor(ctx, param, value: str) -> str:
    from gidr_etl.ingest.executors import get_executor

    try:
        get_executor(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--db",
    "db_path",
    default="gidr.db",
    show_default=True,
    type=click.Path(path_type=Path),
    help="SQLite database to load into (created if missing).",
)
@click.option(
    "--workers",
    default=0,
    show_default=True,
    type=click.IntRange(0, 1024),
    help="Files extracted in parallel (0: every core); one process writes.",
)
@click.option(
    "--executor",
    default="local",
    show_default=True,
    callback=_check_executor,
    help="Where extraction runs: local, or dask[:SCHEDULER_ADDRESS] (docs/scaling.md).",
)
@click.option("--force", is_flag=True, help="Re-read every file, even content already loaded.")
@click.option(
    "--reprocess-outdated", is_flag=True, help="Re-read files whose report an older (or newer) gidr-etl version read."
)
@click.option(
    "--max-size",
    type=click.FloatRange(min=0, min_open=True),
    metavar="MB",
    help="Fail files larger than this, whatever the format "
    "(default: each format's limit, 8 MB for TXT and HTML, 128 MB otherwise).",
)
@click.option(
    "--timeout",
    "seconds",
    type=click.FloatRange(min=0),
    default=limits.DEFAULT_SECONDS,
    show_default=True,
    metavar="SECONDS",
    help="Stop reading a file after this long, or this much CPU time, and record it as failed (0: no limit).",
)
@click.option(
    "--max-memory",
    "memory_mb",
    type=click.IntRange(min=0),
    default=limits.DEFAULT_MEMORY_MB,
    show_default=True,
    metavar="MB",
    help="Stop reading a file that needs more memory than this, its worker killed if need be (0: no limit).",
)
@click.option(
    "--prune",
    "prune_missing",
    is_flag=True,
    help="Forget files under the given folders that no longer exist, and their reports.",
)
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary line (the files table keeps every error).")
def ingest(
    paths, db_path, workers, executor, force, reprocess_outdated, max_size, seconds, memory_mb, prune_missing, quiet
):
    """Ingest report files and folders (recursively, mixed formats) into the database.

    A file whose content is already loaded is skipped without being read, whichever
    gidr-etl version read it: --reprocess-outdated re-reads those another version
    read, --force re-reads everything. A file that failed is tried again each run.
    When a file's content changes, its new report replaces the old one.

    Exit status: 0 when every file was loaded, 1 when some failed (the rest are
    loaded and the failures recorded in the files table), 2 on bad usage, 3 when the
    paths hold no file at all (no database is made).
    """
    from gidr_etl.database.load import unusable_db
    from gidr_etl.plugins import formats

    _usage_error(unusable_db(db_path))
    from gidr_etl.ingest.discover import discover, display_path
    from gidr_etl.ingest.pipeline import FAILED
    from gidr_etl.ingest.pipeline import ingest as run

    formats()  # registers every format now, so a broken plugin is reported before the batch
    for name, error in sorted(load_errors.items()) if not quiet else ():
        click.echo(f"warning: plugin {name}: {error}", err=True)

    bar = None
    if not quiet and sys.stderr.isatty():
        bar = click.progressbar(length=sum(1 for _ in discover(paths)), label="ingesting", file=sys.stderr)
        bar.__enter__()

    def progress(outcome):
        if bar:
            bar.update(1)
        if quiet:
            return
        if outcome.status == FAILED:
            click.echo(f"{display_path(outcome.path)}: {outcome.error}", err=True)
        for warning in outcome.warnings:
            click.echo(f"{display_path(outcome.path)}: warning: {warning}; read as {outcome.plugin}", err=True)

    from gidr_etl.ingest.executors import ExecutorError

    if not prune_missing and next(iter(discover(paths)), None) is None:
        # before the database is opened: an empty folder leaves no empty database behind
        click.echo(f"Error: nothing to ingest: no files under {', '.join(map(str, paths))}", err=True)
        sys.exit(NOTHING_FOUND)
    try:
        max_bytes = int(max_size * 2**20) if max_size else None
        summary = run(
            list(paths),
            db_path,
            workers=workers,
            force=force,
            reprocess_outdated=reprocess_outdated,
            max_bytes=max_bytes,
            progress=progress,
            executor=executor,
            seconds=seconds or None,
            memory_mb=memory_mb or None,
            prune_missing=prune_missing,
        )
    except ExecutorError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    finally:
        if bar:
            bar.__exit__(None, None, None)
    distinct = (
        f" ({summary.reports - summary.repeated} distinct: {summary.repeated} copies of another report)"
        if summary.repeated
        else ""
    )
    click.echo(
        f"{summary.files} files: {summary.reports} reports loaded{distinct}, "
        + (
            f"{summary.templates} blank template{'s' * (summary.templates > 1)} (not counted), "
            if summary.templates
            else ""
        )
        + (f"{summary.copies} same content as another file, " if summary.copies else "")
        + f"{summary.skipped} unchanged, "
        f"{len(summary.failed)} failed; {summary.cells} cells; findings: "
        f"{summary.findings.get('error', 0)} errors, {summary.findings.get('warning', 0)} warnings → {db_path}"
    )
    if prune_missing:
        click.echo(f"  pruned: {summary.pruned_files} files no longer there, {summary.pruned_reports} reports removed")
    if quiet:  # the summary line and the exit status say it all
        sys.exit(1 if summary.failed else 0)
    if summary.outdated:
        click.echo(
            f"  {summary.outdated} unchanged files were read by another gidr-etl version: "
            "--reprocess-outdated re-reads them"
        )
    for path, error in summary.failed:
        click.echo(f"  failed: {path}: {error}")
    sys.exit(1 if summary.failed else 0)


@cli.command()
@click.argument("db_path", default="gidr.db", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--port", default=8001, show_default=True, type=int)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--open", "open_browser", is_flag=True, help="Open a browser at the served page.")
@click.option(
    "-m",
    "--metadata",
    type=click.Path(exists=True, path_type=Path),
    help="Datasette metadata (default: the datasette.yml packaged with gidr-etl).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    help="Server processes answering on the port (default: one per core, at most 8).",
)
def serve(db_path, port, host, open_browser, metadata, workers):
    """Serve the database read-only with Datasette, labels, views, search and the dashboard."""
    from gidr_etl.database.load import unusable_db
    from gidr_etl.serving.server import serve as run

    _usage_error(unusable_db(db_path, existing=True))
    sys.exit(run(db_path, port=port, host=host, open_browser=open_browser, metadata=metadata, workers=workers))


def _usage_error(reason: str | None) -> None:
    """Bad usage is one line and exit status 2, never a traceback."""
    if reason:
        click.echo(f"Error: {reason}", err=True)
        sys.exit(2)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Output as JSON.")
def plugins(as_json):
    """List the installed plugins, their versions, hooks and formats, and any that failed to load."""
    rows = describe()
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        line = f"{row['name']} {row['version'] or ''}".rstrip()
        if row["hooks"]:
            line += f"  hooks: {', '.join(row['hooks'])}"
        if row["formats"]:
            line += f"  formats: {', '.join(row['formats'])}"
        if row.get("error"):
            line += f"  FAILED: {row['error']}"
        click.echo(line)


@cli.command()
@click.argument("db_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--to",
    "out",
    type=click.Path(path_type=Path),
    default=Path("export"),
    show_default=True,
    help="Folder for the wide tables, or the .xlsx file with --report.",
)
@click.option(
    "--format",
    "fmts",
    type=click.Choice(["csv", "xlsx", "json"]),
    multiple=True,
    help="Formats to write (default: all three).",
)
@click.option(
    "--header",
    "csv_header",
    type=click.Choice(["code", "zh", "both"]),
    default="code",
    show_default=True,
    help="The CSVs' header: one row of codes (what loaders expect), one of Chinese names,"
    " or both rows, Chinese over the codes (as in the XLSX).",
)
@click.option("--report", "report_id", type=int, help="Write this one report's tables in the official layout (XLSX).")
def export(db_path, out, fmts, csv_header, report_id):
    """Export a wide sheet per table (one row per counted report) as CSV, XLSX, JSON."""
    from gidr_etl.serving import export as exporting

    try:
        exporting.check_database(db_path, report_id)  # before the --to folder is made
        if report_id is not None:
            target = out if out.suffix == ".xlsx" else out / f"report_{report_id}.xlsx"
            target.parent.mkdir(parents=True, exist_ok=True)
            click.echo(exporting.export_report(db_path, report_id, target))
            return
        written = exporting.export(db_path, out, fmts or exporting.FORMATS, csv_header)
    except (exporting.ExportError, OSError) as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    for path in written:
        click.echo(path)


@cli.command(context_settings={"ignore_unknown_options": True})
@click.argument("packages", nargs=-1, required=True, type=click.UNPROCESSED)
def install(packages):
    """pip install PACKAGES (plugins) into the environment gidr-etl runs in.

    Options after the names go to pip as they are: -U, -e PATH, --dry-run, ...
    """
    from gidr_etl.plugins_install import install as pip_install

    sys.exit(pip_install(packages))


add_commands(cli)

if __name__ == "__main__":
    cli()
