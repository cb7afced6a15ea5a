"""Twenty users at once at 10,000 reports: p50/p95/max per page kind and requests/s.

    PYTHONPATH=. python bench/load.py [--db /tmp/gidr10k/gidr.db] [--clients 20] [--per-kind 12]
                                      [--ingest both|no|yes] [--workers N]

The database is bench/pages.py's (sample_inputs/ ingested, cloned to N reports, the
after-load steps run); given `--db`, a file already there is reused, else built there.
Each configuration is served by a real server on a random 127.0.0.1 port:

  baseline  Datasette alone as `gidr-etl serve` ran it before: one process, 3 SQL threads,
            every page and every table count made per request (GIDR_ETL_PAGE_CACHE=0);
  served    `gidr-etl serve` now: one process per core, kept pages with ETags, table counts
            kept per database version (serving/cache.py, freshness.py, workers.py).

For each, `--clients` threads share a shuffled list of `--per-kind` requests of every page
kind (index, database page, each table and view, each canned query with search, report
pages at random ids, the dashboard, JSON of tables and dashboard panels), once with the
database quiet and once with `gidr-etl ingest sample_inputs --force` re-reading its files
into it in a loop beside them (each run commits its 10 files one by one, then refreshes the
derived tables). Such rounds repeat until --min-seconds have passed and, with the ingest,
--min-ingests runs of it have finished (at most --max-rounds). One warm-up request per page
kind comes first (Datasette's start-up work). Targets: p95 < 1 s and >= 50 requests/s on
2 cores, with the ingest beside.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

import pages as pages_bench  # noqa: E402
from helpers import free_port  # noqa: E402

from gidr_etl.database import derived  # noqa: E402
from gidr_etl.database.load import open_db  # noqa: E402
from gidr_etl.serving import server as serve  # noqa: E402
from gidr_etl.serving.cache import STALE_HEADER as STALE  # noqa: E402

TARGET_P95_S = 1.0
TARGET_RATE = 50.0
STALE_HEADER = STALE.decode()
# Settings as `gidr-etl serve` passed them before: Datasette's 3 SQL threads.
BASELINE_SETTINGS = {k: v for k, v in serve.SETTINGS.items() if k != "num_sql_threads"}


def database(path: Path | None, n: int) -> Path:
    if path and path.is_file():
        return path
    if path is None:
        path = Path(tempfile.mkdtemp(prefix="gidr-bench-load-")) / f"{serve.DB_NAME}.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    pages_bench.build(path, n)
    # Every derived table made from the clones by the product's own refresh, as an ingest leaves it.
    conn = open_db(path)
    conn.execute("delete from derived_state")
    derived.refresh(conn)
    conn.conn.close()
    print(f"built {path} in {time.perf_counter() - started:.0f} s")
    return path


def page_kinds(db: Path, name: str, rng: random.Random) -> dict[str, list[str]]:
    """Page kind → the paths a request of that kind may ask for."""
    meta = yaml.safe_load(serve.find_metadata().read_text("utf-8"))
    conn = sqlite3.connect(db)
    types = dict(conn.execute("select name, type from sqlite_master where type in ('table', 'view')"))
    ids = [r[0] for r in conn.execute("select id from reports")]
    conn.close()
    kinds: dict[str, list[str]] = {"index": ["/"], "database": [f"/{name}"]}
    for label, path in pages_bench.pages(meta, name).items():
        if label.startswith("table "):
            table = label.split()[1]
            label = f"{types.get(table, 'table')} {table}"
        elif label.startswith("panel "):
            label = "json " + label
        elif label == "report page":
            continue
        kinds[label] = [path]
    kinds["json report_summary"] = [f"/{name}/report_summary.json?_size=100"]
    kinds["json reports"] = [f"/{name}/reports.json?year=2023"]
    kinds["report page"] = [f"/-/report/{name}/{i}" for i in rng.sample(ids, min(len(ids), 2000))]
    return kinds


def _get(url: str) -> tuple[float, int, float | None]:
    """Seconds taken, status, and how long after a commit a stale page was sent (None: current)."""
    started = time.perf_counter()
    stale = None
    try:
        with urllib.request.urlopen(url, timeout=300) as resp:
            resp.read()
            status = resp.status
            if resp.headers.get(STALE_HEADER):
                stale = float(resp.headers[STALE_HEADER])
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError:
        status = 0
    return time.perf_counter() - started, status, stale


def start_server(db: Path, config: str, work: Path, workers: int | None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(os.environ)
    if config == "baseline":
        args = [
            "serve",
            str(db),
            "-m",
            str(serve.metadata_for(db, workdir=work)),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ]
        for key, value in BASELINE_SETTINGS.items():
            args += ["--setting", key, str(value)]
        cmd = [sys.executable, "-c", "from gidr_etl.serving.plugin import main; main()", *args]
        env["GIDR_ETL_PAGE_CACHE"] = "0"
    else:
        cmd = serve.command(db, port=port, workdir=work, workers=workers)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while _get(base + "/-/versions.json")[1] != 200:
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{config} server did not start")
        time.sleep(0.2)
    return proc, base


class Ingests:
    """`gidr-etl ingest sample_inputs --force` into the served database, again and again, until stopped."""

    def __init__(self, db: Path):
        self.db = db
        self.runs = 0
        self.failed = 0
        self._stop = threading.Event()
        self._proc: subprocess.Popen | None = None
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self):
        while not self._stop.is_set():
            self._proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gidr_etl.cli",
                    "ingest",
                    str(ROOT / "sample_inputs"),
                    "--db",
                    str(self.db),
                    "--force",
                    "-q",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd=ROOT,
            )
            code = self._proc.wait()
            if not self._stop.is_set():
                self.runs += 1
                self.failed += code != 0

    def __enter__(self):
        self._thread.start()
        time.sleep(3)  # the ingest under way (reading files, then writing) before clients start
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()  # the run under way finishes: a killed ingest is another bench


def run_clients(base: str, kinds: dict[str, list[str]], clients: int, per_kind: int, rng: random.Random):
    """Latencies per page kind, non-200 answers, stale pages' x-gidr-stale-for and the wall time."""
    plan = [(kind, rng.choice(paths)) for kind, paths in kinds.items() for _ in range(per_kind)]
    rng.shuffle(plan)
    lock = threading.Lock()
    times: dict[str, list[float]] = {kind: [] for kind in kinds}
    failures: list[tuple[str, int]] = []
    stale: list[float] = []

    def client():
        while True:
            with lock:
                if not plan:
                    return
                kind, path = plan.pop()
            took, status, stale_for = _get(base + path)
            with lock:
                times[kind].append(took)
                if status != 200:
                    failures.append((kind, status))
                if stale_for is not None:
                    stale.append(stale_for)

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times, failures, stale, time.perf_counter() - started


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) > 1 else values[0]


def measure(db, config, work, kinds, args, ingest: bool) -> dict:
    """Rounds of `--per-kind` requests of each kind, until at least --min-seconds have passed
    and, with the ingest, --min-ingests of its runs have finished (at most --max-rounds)."""
    proc, base = start_server(db, config, work, args.workers)
    times: dict[str, list[float]] = {kind: [] for kind in kinds}
    failures: list[tuple[str, int]] = []
    stale: list[float] = []
    wall, rounds = 0.0, 0
    try:
        for paths in kinds.values():  # warm-up: one request per kind
            _get(base + paths[0])
        rng = random.Random(args.seed)
        with Ingests(db) if ingest else contextlib.nullcontext() as ingests:
            while rounds < args.max_rounds:
                took, failed, stale_for, seconds = run_clients(base, kinds, args.clients, args.per_kind, rng)
                for kind, ts in took.items():
                    times[kind] += ts
                failures += failed
                stale += stale_for
                wall += seconds
                rounds += 1
                if wall >= args.min_seconds and (ingests is None or ingests.runs >= args.min_ingests):
                    break
        extra = f", {ingests.runs} ingests finished beside ({ingests.failed} failed)" if ingests else ""
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    every = [t for ts in times.values() for t in ts]
    result = {
        "times": times,
        "p50": statistics.median(every),
        "p95": p95(every),
        "max": max(every),
        "rate": len(every) / wall,
        "failures": failures,
    }
    label = f"{config}, {'ingest running' if ingest else 'quiet'}"
    print(f"\n== {label}: {len(every)} requests ({rounds} rounds) by {args.clients} clients in {wall:.1f} s{extra}")
    print(f"   {'page kind':44} {'p50':>7} {'p95':>7} {'max':>7}")
    for kind, ts in sorted(times.items(), key=lambda kv: -p95(kv[1])):
        print(f"   {kind[:44]:44} {statistics.median(ts):7.3f} {p95(ts):7.3f} {max(ts):7.3f}")
    print(
        f"   overall p50 {result['p50']:.3f} s, p95 {result['p95']:.3f} s, max {result['max']:.3f} s; "
        f"{result['rate']:.1f} requests/s; {len(failures)} not 200 {sorted(set(failures))[:5]}"
    )
    if stale:
        print(
            f"   {len(stale)} of {len(every)} pages sent from before the latest commit (x-gidr-stale-for: "
            f"median {statistics.median(stale):.1f} s, max {max(stale):.1f} s after it)"
        )
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path, help="reused if it exists, else built there")
    ap.add_argument("--reports", type=int, default=10_000)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--per-kind", type=int, default=12, help="requests of each page kind per run")
    ap.add_argument("--ingest", choices=["both", "no", "yes"], default="both")
    ap.add_argument("--min-seconds", type=float, default=10.0, help="rounds go on at least this long")
    ap.add_argument("--min-ingests", type=int, default=2, help="with the ingest: rounds go on until this many finished")
    ap.add_argument("--max-rounds", type=int, default=60)
    ap.add_argument("--workers", type=int, help="server processes (default: one per core)")
    ap.add_argument("--configs", default="baseline,served")
    ap.add_argument("--seed", type=int, default=22)
    args = ap.parse_args()
    db = database(args.db, args.reports)
    work = Path(tempfile.mkdtemp(prefix="gidr-bench-load-serve-"))
    with sqlite3.connect(db) as conn:
        n = conn.execute("select count(*) from reports").fetchone()[0]
    kinds = page_kinds(db, db.stem, random.Random(args.seed))
    print(f"{n} reports in {db}; {len(kinds)} page kinds × {args.per_kind} requests; {os.cpu_count()} cores")
    phases = {"both": [False, True], "no": [False], "yes": [True]}[args.ingest]
    results = {}
    for ingest in phases:
        for config in args.configs.split(","):
            results[config, ingest] = measure(db, config, work, kinds, args, ingest)
    print("\n== summary (targets: p95 < 1 s, >= 50 requests/s, with an ingest beside)")
    for ingest in phases:
        base, new = results.get(("baseline", ingest)), results.get(("served", ingest))
        for name, r in (("baseline", base), ("served", new)):
            if r:
                print(
                    f"   {name:8} {'ingest' if ingest else 'quiet ':6}  p95 {r['p95']:7.3f} s  max {r['max']:7.3f} s  "
                    f"{r['rate']:6.1f} req/s  {len(r['failures'])} not 200"
                )
        if base and new:
            print(
                f"   served/baseline {'ingest' if ingest else 'quiet'}: p95 × {new['p95'] / base['p95']:.3f}, "
                f"requests/s × {new['rate'] / base['rate']:.1f}"
            )


if __name__ == "__main__":
    main()
