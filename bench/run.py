"""Throughput and memory of `gidr-etl ingest`, per format, on one core and on all of them.

    .venv/bin/python bench/run.py --n 200                      # all four formats, 1 worker and all cores
    .venv/bin/python bench/run.py --n 10000 --formats txt,html --workers 0

The corpus (bench/corpus.py) is made once per N under --corpus and reused. Each run
ingests one format's folder into a fresh database in a child process, timed around
pipeline.ingest (discovery, hashing, extraction, the single writer, the views and
full-text index at the end; not the interpreter's start), while this process samples
the resident memory of the child and all its workers together. Every run also checks
that the cells read are the ones the corpus holds, so speed never hides a wrong number.
CPU ms/report (the process tree's user + system time) varies less with the machine's
load than the rates do.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402

TARGETS = {"txt": 200, "html": 100, "docx": 50, "pdf": 8}  # reports/s on all cores (issue #7)
SAMPLE_EVERY = 0.05  # seconds between memory samples


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200, help="reports per format")
    ap.add_argument("--formats", default=",".join(corpus.FORMATS))
    ap.add_argument("--workers", default="1,0", help="worker counts to run, comma-separated (0: every core)")
    ap.add_argument("--executor", default="local")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each; the best is reported")
    ap.add_argument("--corpus", type=Path, default=Path(tempfile.gettempdir()) / "gidr-bench")
    ap.add_argument("--one", nargs=3, metavar=("FOLDER", "DB", "WORKERS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        return _ingest_one(Path(args.one[0]), Path(args.one[1]), int(args.one[2]), args.executor)

    formats = [f for f in args.formats.split(",") if f]
    started = time.perf_counter()
    folders = corpus.build(args.corpus / str(args.n), args.n, formats)
    print(
        f"corpus: {args.n} reports a format under {args.corpus / str(args.n)} "
        f"({time.perf_counter() - started:.0f} s to make or find)"
    )
    print(f"machine: {psutil.cpu_count()} cores; executor {args.executor}")
    print()
    print(
        "| format | workers | reports | reports/s | pages/s | CPU ms/report | peak RSS (MB) | cells as expected | load avg before |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for fmt in formats:
        for workers in map(int, args.workers.split(",")):
            best = min(
                (_measure(folders[fmt], workers, args.executor) for _ in range(args.repeat)), key=lambda r: r["seconds"]
            )
            shown = workers or psutil.cpu_count()
            pages = f"{best['pages'] / best['seconds']:.1f}" if fmt == "pdf" else ""
            print(
                f"| {fmt} | {shown}{' (all)' if not workers else ''} | {best['reports']}/{best['files']} | "
                f"{best['files'] / best['seconds']:.1f} | {pages} | {1000 * best['cpu'] / best['files']:.1f} | {best['peak_mb']:.0f} | "
                f"{best['cells_ok']}/{best['cells']} | {best['load']:.2f} |",
                flush=True,
            )
    print()
    print("targets on all cores, reports/s: " + ", ".join(f"{k} ≥ {v}" for k, v in TARGETS.items() if k in formats))
    print(f"load average after: {os.getloadavg()[0]:.2f}")


def _measure(folder: Path, workers: int, executor: str) -> dict:
    """One ingest of `folder` in a child process: its figures and the tree's peak memory."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        load = os.getloadavg()[0]
        cmd = [sys.executable, __file__, "--executor", executor, "--one", str(folder), str(db), str(workers)]
        child = psutil.Popen(cmd, stdout=subprocess.PIPE, text=True)
        peak = 0
        while child.poll() is None:
            peak = max(peak, _tree_rss(child))
            time.sleep(SAMPLE_EVERY)
        out = child.stdout.read()
        if child.returncode != 0:
            raise SystemExit(f"ingest of {folder} failed ({child.returncode}): {out}")
        figures = json.loads(out.splitlines()[-1])
        figures.update(_check(db, folder), peak_mb=peak / 2**20, load=load)
        return figures


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):  # a worker that just ended
            total += p.memory_info().rss
    return total


def _ingest_one(folder: Path, db: Path, workers: int, executor: str) -> None:
    import resource

    from gidr_etl.ingest.pipeline import ingest, warm_up
    from gidr_etl.plugins import executors

    # Imports and registries (the plugins, pdfplumber's and pdfium's modules among them) are
    # paid once a process, as the baselines' own imports are: not timed.
    warm_up()
    executors()
    started, cpu = time.perf_counter(), _cpu_seconds(resource)
    summary = ingest([folder], db, workers=workers, executor=executor)
    seconds, cpu = time.perf_counter() - started, _cpu_seconds(resource) - cpu
    con = sqlite3.connect(db)
    pages = con.execute("select coalesce(sum(pages), 0) from reports").fetchone()[0]
    con.close()
    print(
        json.dumps({"files": summary.files, "reports": summary.reports, "seconds": seconds, "cpu": cpu, "pages": pages})
    )


def _cpu_seconds(resource) -> float:
    """CPU time of this process and of its workers that have ended."""
    return sum(
        u.ru_utime + u.ru_stime for u in map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    )


def _check(db: Path, folder: Path) -> dict:
    """How many cells read match what the corpus holds."""
    expected = json.loads(corpus.expected_file(folder).read_text("utf-8"))
    con = sqlite3.connect(db)
    read: dict[str, dict] = {}
    for path, s, r, c, v in con.execute(
        "select source_path, section, row, col, value from cells join reports on reports.id = report_id"
    ):
        read.setdefault(Path(path).name, {})[(s, r, c)] = v
    con.close()
    ok = total = 0
    for name, entry in expected.items():
        want, got = corpus.expected_cells(entry), read.get(name, {})
        total += len(want)
        ok += sum(1 for key, value in want.items() if key in got and got[key] == value)
    return {"cells": total, "cells_ok": ok}


if __name__ == "__main__":
    main()
