"""How fast the served pages answer at N reports (default 10,000): prints the slowest page.

    PYTHONPATH=. python bench/pages.py [--reports 10000]

The database is sample_inputs/ ingested by the real CLI, then its reports cloned under
other agency keys until it holds N (cells, findings, prose and all); the after-load steps
(copies, research.prepare) run on it as an ingest would run them. Every table, view,
canned query, dashboard panel and a report page is then fetched from a real Datasette
(`gidr-etl serve`'s command line) and timed; the target is < 1 s each.
"""

from __future__ import annotations

import argparse
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from helpers import free_port  # noqa: E402

from gidr_etl.database import copies  # noqa: E402
from gidr_etl.database import views as research  # noqa: E402
from gidr_etl.database.load import open_db  # noqa: E402
from gidr_etl.serving import server as serve  # noqa: E402

TARGET_S = 1.0
CLONED = {"reports": "id", "cells": "report_id", "findings": "report_id", "sections": "report_id"}


def build(db: Path, n: int) -> None:
    subprocess.run(
        [sys.executable, "-m", "gidr_etl.cli", "ingest", str(ROOT / "sample_inputs"), "--db", str(db), "-q"],
        check=True,
        cwd=ROOT,
    )
    conn = sqlite3.connect(db, isolation_level=None)
    base = conn.execute("select count(*) from reports where duplicate_of is null").fetchone()[0]
    step = conn.execute("select max(id) from reports").fetchone()[0]
    cols = {t: [r[1] for r in conn.execute(f"pragma table_info([{t}])")] for t in CLONED}
    conn.execute("begin")
    for k in range(1, -(-n // base)):
        for table, key in CLONED.items():
            names = [c for c in cols[table] if not (table == "findings" and c == "id")]
            values = [
                f"{c} + {k * step}"
                if c in (key, "duplicate_of")
                else f"agency || '（{k}）'"
                if c in ("agency", "agency_key")
                else "null"
                if c == "source_sha256"
                else c
                for c in names
            ]
            originals = "select id from reports where duplicate_of is null and id <= ?"
            where = f"id in ({originals})" if table == "reports" else f"{key} in ({originals})"
            conn.execute(
                f"insert into [{table}] ({', '.join(names)}) select {', '.join(values)} from [{table}] where {where}",
                [step],
            )
    conn.execute("commit")
    conn.close()


def pages(meta: dict, name: str) -> dict[str, str]:
    """Every page to time: label → path."""
    db_meta = meta["databases"][serve.DB_NAME]
    out = {f"table {t}": f"/{name}/{t}" for t, m in db_meta["tables"].items() if not m.get("hidden")}
    for q, m in db_meta["queries"].items():
        params = {p: {"agency": "洪泽区", "q": "政府信息公开", "rule": ""}.get(p, "") for p in m.get("params", [])}
        out[f"query {q}"] = f"/{name}/{q}?" + urllib.parse.urlencode(params)
    for slug, dash in meta["plugins"]["datasette-dashboards"].items():
        for chart, c in dash["charts"].items():
            if "query" in c:
                sql = re.sub(r"\[\[.*?\]\]", "", c["query"], flags=re.S)
                out[f"panel {slug}/{chart}"] = f"/{name}.json?" + urllib.parse.urlencode({"sql": sql})
    out["report page"] = f"/-/report/{name}/1"
    out["dashboard"] = f"/-/dashboards/{slug}"
    return out


def fetch(url: str) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as resp:
        resp.read()
    return time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=10_000)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="gidr-bench-pages-"))
    db = work / f"{serve.DB_NAME}.db"
    started = time.perf_counter()
    build(db, args.reports)
    built = time.perf_counter() - started
    conn = open_db(db)
    started = time.perf_counter()
    copies.recompute(conn)
    research.prepare(conn)
    after_load = time.perf_counter() - started
    n = conn.execute("select count(*) from reports where duplicate_of is null").fetchone()[0]
    cells = conn.execute("select count(*) from cells").fetchone()[0]
    conn.conn.close()
    print(f"{n} counted reports, {cells} cells (built in {built:.0f} s); after-load steps {after_load:.1f} s")
    port = free_port()
    # What a page costs to make: a kept page (serving/cache.py) would answer the timed fetches.
    proc = subprocess.Popen(
        serve.command(db, port=port, workdir=work),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
        env={**os.environ, "GIDR_ETL_PAGE_CACHE": "0"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                fetch(base + "/-/versions.json")
                break
            except OSError:
                time.sleep(0.2)
        meta = yaml.safe_load(serve.find_metadata().read_text("utf-8"))
        timings = {}
        for label, path in pages(meta, serve.DB_NAME).items():
            try:
                fetch(base + path)  # warm: the first request pays for Datasette's table counts
                timings[label] = min(fetch(base + path) for _ in range(2))
            except Exception as exc:  # a page that fails is the slowest there is
                print(f"  FAILED {label}: {exc}")
                timings[label] = float("inf")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    for label, s in sorted(timings.items(), key=lambda kv: -kv[1]):
        print(f"  {s:7.3f} s  {label}")
    slowest = max(timings, key=timings.get)
    print(
        f"slowest page: {slowest} {timings[slowest]:.3f} s at {n} reports "
        f"({timings[slowest] / TARGET_S:.2f} × the {TARGET_S:.0f} s target)"
    )


if __name__ == "__main__":
    main()
