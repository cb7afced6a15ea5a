"""Serve a gidr-etl database with Datasette: read-only, time-limited, described by datasette.yml."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
from importlib import resources
from pathlib import Path

import yaml

from gidr_etl.database import views as research
from gidr_etl.serving.workers import default_workers

# datasette.yml describes the database under this name, the stem of `gidr.db`, so that
# `datasette -i gidr.db -m datasette.yml` works as is; other file names get a rewritten copy.
DB_NAME = "gidr"
METADATA_FILE = "datasette.yml"

# Read-only research service with bounded queries. The file is served mutable, not
# immutable (-i): an ingest may write to it while it is served (WAL keeps each page's
# read consistent), and immutable mode would read half-written pages as "malformed".
# Datasette 0.65 reads through read-only connections and has no write API.
SETTINGS = {
    "sql_time_limit_ms": 3000,
    "max_returned_rows": 2000,
    "facet_time_limit_ms": 500,
    "default_page_size": 100,
    # Facets are chosen in datasette.yml; suggesting more scans every column of the page
    # (up to 50 ms each, 2 s on requests_wide at 10,000 reports) on every view.
    "suggest_facets": "off",
    # Queries of a page wait on these; 3 (Datasette's default) queued the slow ones of twenty
    # users behind each other. SQLite lets go of the GIL while it runs a query.
    "num_sql_threads": 4,
}

# Plugins that may be installed next to Datasette: none of them writes to a database.
# gidr-etl's own (serving/plugin.py) adds SQL functions and pages, and writes nothing.
ALLOWED_PLUGINS = {
    "datasette-dashboards",
    "datasette-leaflet",
    "datasette-render-markdown",
    "gidr-etl",
    "gidr_etl.serving.plugin",
}


def find_metadata(explicit: str | Path | None = None) -> Path:
    """datasette.yml: as given, else the one packaged with gidr-etl.

    Never a datasette.yml that happens to be in the working folder: that may describe
    another project's database (`-m` chooses one on purpose).
    """
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise FileNotFoundError(f"{METADATA_FILE} not found: {path}")
        return path
    return Path(str(resources.files("gidr_etl").joinpath(f"data/{METADATA_FILE}")))


def _rename_db(node, old: str, new: str):
    # Dashboards name their database in `db:` keys, anywhere in the plugin config.
    if isinstance(node, dict):
        return {k: (new if k == "db" and v == old else _rename_db(v, old, new)) for k, v in node.items()}
    if isinstance(node, list):
        return [_rename_db(v, old, new) for v in node]
    return node


def metadata_for(db_path: str | Path, metadata: str | Path | None = None, workdir: str | Path | None = None) -> Path:
    """The metadata file for `db_path`: datasette.yml itself, or a copy naming the database."""
    source = find_metadata(metadata)
    name = Path(db_path).stem
    if name == DB_NAME:
        return source
    meta = yaml.safe_load(source.read_text("utf-8"))
    meta["databases"] = {name: meta.get("databases", {}).get(DB_NAME, {})}
    meta = _rename_db(meta, DB_NAME, name)
    # A private temporary copy: the database's folder may be read-only or shared.
    out_dir = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="gidr-serve-"))
    out = out_dir / f"{name}.datasette.yml"
    out.write_text(yaml.safe_dump(meta, allow_unicode=True, sort_keys=False), "utf-8")
    return out


def ready(db_path: str | Path) -> None:
    """Make the file servable: research objects present, WAL folded into the file."""
    conn = sqlite3.connect(str(db_path), timeout=60, isolation_level=None)
    try:
        has_labels = conn.execute("select 1 from sqlite_master where name = 'labels'").fetchone()
        if not has_labels:
            research.prepare(conn)
        conn.execute("pragma wal_checkpoint(truncate)")
    finally:
        conn.close()


def command(
    db_path: str | Path,
    port: int = 8001,
    host: str = "127.0.0.1",
    open_browser: bool = False,
    metadata: str | Path | None = None,
    workdir: str | Path | None = None,
    workers: int | None = None,
) -> list[str]:
    """The command line that serves `db_path`: `workers` Datasette processes on one port (workers.py)."""
    cmd = [sys.executable, "-m", "gidr_etl.serving.workers", "--host", host, "--port", str(port)]
    cmd += ["--workers", str(workers or default_workers())] + (["--open"] if open_browser else [])
    return cmd + ["--", *datasette_args(db_path, metadata, workdir)]


def datasette_args(
    db_path: str | Path, metadata: str | Path | None = None, workdir: str | Path | None = None
) -> list[str]:
    """`datasette serve`'s arguments for `db_path` (without host and port)."""
    args = ["serve", str(db_path), "-m", str(metadata_for(db_path, metadata, workdir))]
    for key, value in SETTINGS.items():
        args += ["--setting", key, str(value)]
    return args


def serve(
    db_path: str | Path,
    port: int = 8001,
    host: str = "127.0.0.1",
    open_browser: bool = False,
    metadata: str | Path | None = None,
    workers: int | None = None,
) -> int:
    """Run Datasette on `db_path` until interrupted; returns its exit code."""
    db_path = Path(db_path)
    if not db_path.is_file():
        raise FileNotFoundError(db_path)
    ready(db_path)
    print(f"metadata: {find_metadata(metadata)}", file=sys.stderr)
    proc = subprocess.Popen(command(db_path, port, host, open_browser, metadata, workers=workers))
    if threading.current_thread() is threading.main_thread():
        # A SIGTERM to us must not leave Datasette running without its parent.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        return proc.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
