"""Serving many users (issue 22, defect 6): what makes it possible, tested without timing.

Pages are kept per database version and answered by ETag (serving/cache.py); tables are
counted once per version, not per request (serving/freshness.py); several Datasette
processes answer on one port (serving/workers.py). bench/load.py measures the speed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request

import psutil
import pytest
from helpers import DB_NAME, ROOT, SEEDS, free_port, run_cli

from gidr_etl.serving import plugin
from gidr_etl.serving import server as serve
from gidr_etl.serving import workers as workers_module

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def seeds_db(tmp_path_factory):
    """Two seed reports loaded; the third is left for a test to ingest while serving."""
    folder = tmp_path_factory.mktemp("seeds")
    for seed in SEEDS[:2]:
        shutil.copy(seed, folder)
    db = tmp_path_factory.mktemp("db") / f"{DB_NAME}.db"
    run_cli("ingest", folder, "--db", db, check=0)
    return db


@pytest.fixture(scope="module")
def server(seeds_db, tmp_path_factory):
    """A copy of seeds_db served by two processes: (supervisor, base URL, database)."""
    work = tmp_path_factory.mktemp("served")
    db = work / f"{DB_NAME}.db"
    shutil.copy(seeds_db, db)
    with served(db, work, workers=2) as (proc, base):
        yield proc, base, db


@contextlib.contextmanager
def served(db, tmp_path, workers: int):
    port = free_port()
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            serve.command(db, port=port, workdir=tmp_path, workers=workers),
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while get(base + "/-/versions.json")[0] != 200:
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.2)
        yield proc, base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def get(url: str, etag: bytes | str | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers={"If-None-Match": etag} if etag else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()
    except OSError:
        return 0, {}, b""


@pytest.mark.slow
def test_a_page_is_304_until_an_ingest_changes_it_then_200_with_the_new_report(server, tmp_path):
    _, base, db = server
    page = f"/{DB_NAME}/reports.json?_shape=array&_col=source_path"
    status, headers, body = get(base + page)
    assert status == 200 and headers["cache-control"] == "no-cache"
    etag = headers["etag"]
    before = {r["source_path"] for r in json.loads(body)}
    assert len(before) == 2
    # The same bytes from whichever process answers: 304 every time (the ETag is their hash).
    assert [get(base + page, etag)[0] for _ in range(8)] == [304] * 8
    # A cookie may change the page (Datasette's actor): such a request is answered in full.
    cookied = urllib.request.Request(base + page, headers={"If-None-Match": etag, "Cookie": "a=b"})
    with urllib.request.urlopen(cookied, timeout=30) as resp:
        assert resp.status == 200 and "etag" not in {k.lower() for k in resp.headers}

    folder = tmp_path / "third"
    folder.mkdir()
    shutil.copy(SEEDS[2], folder)
    run_cli("ingest", folder, "--db", db, check=0)
    # Until its fresh page is rendered, a page from before the commit may still be sent
    # (whole, and with its own ETag: 304); then 200 with the new report, never anything else.
    answers = []
    for _ in range(300):
        status, headers, body = get(base + page, etag)
        answers.append((status, "x-gidr-stale-for" in headers))
        if status != 304:
            break
        time.sleep(0.2)
    # each old page says it is stale; the new one does not
    assert set(answers[:-1]) <= {(304, True)} and answers[-1] == (200, False), answers
    after = {r["source_path"] for r in json.loads(body)}
    assert before < after and len(after) == 3
    assert headers["etag"] != etag
    assert get(base + page, headers["etag"])[0] == 304


@pytest.mark.slow
def test_each_server_process_answers_on_its_own(server):
    proc, base, _ = server
    children = psutil.Process(proc.pid).children()
    # two answering on the port, and the renderer of stale pages
    workers = [c for c in children if workers_module.RENDER not in c.cmdline()]
    assert len(workers) == 2 and len(children) == 3
    for alone in workers:
        others = [w for w in workers if w.pid != alone.pid]
        for w in others:
            os.kill(w.pid, signal.SIGSTOP)
        try:
            # a page, a query and a report page, from the one process left running
            for path in (f"/{DB_NAME}", f"/{DB_NAME}/report_summary.json?_size=1", "/-/report/1"):
                assert get(base + path)[0] == 200, path
        finally:
            for w in others:
                os.kill(w.pid, signal.SIGCONT)


def _index_counts(db, monkeypatch, caching: bool) -> list[int]:
    """How many `select count(*)` statements each of four renders of the index page ran:
    two, a write to the file, two more."""
    statements: list[str] = []
    connect = sqlite3.connect

    def traced(*args, **kwargs):
        conn = connect(*args, **kwargs)
        conn.set_trace_callback(statements.append)
        return conn

    monkeypatch.setattr(sqlite3, "connect", traced)
    monkeypatch.setattr(plugin, "CACHING", caching)
    from datasette.app import Datasette

    plugin.register()

    async def renders() -> list[int]:
        ds = Datasette([str(db)])
        counts = []
        for i in range(4):
            if i == 2:
                with contextlib.closing(connect(db)) as conn, conn:
                    conn.execute(
                        "insert or replace into derived_state (name, value) values ('test', ?)", [str(time.time())]
                    )
            before = len(statements)
            # a query string of its own each time: rendered, never a kept page
            response = await ds.client.get(f"/?render={i}")
            assert response.status_code == 200 and f'href="/{DB_NAME}"' in response.text
            counts.append(sum(s.lower().startswith("select count(*) from") for s in statements[before:]))
        return counts

    return asyncio.run(renders())


def test_the_index_page_counts_tables_once_per_database_version(seeds_db, tmp_path, monkeypatch):
    db = tmp_path / f"{DB_NAME}.db"
    shutil.copy(seeds_db, db)
    with contextlib.closing(sqlite3.connect(db)) as conn:
        kinds = [k for (k,) in conn.execute("select type from sqlite_master where type in ('table', 'view')")]
    tables, tables_and_views = kinds.count("table"), len(kinds)
    # Datasette alone counts every table on every render of the index page.
    assert _index_counts(db, monkeypatch, caching=False) == [tables] * 4
    # Served by gidr-etl: everything once, nothing while the file is unchanged, once again after a write.
    assert _index_counts(db, monkeypatch, caching=True) == [tables_and_views, 0, tables_and_views, 0]
