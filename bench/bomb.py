"""A PDF decompression bomb against the per-file memory limit, measured from outside.

    .venv/bin/python bench/bomb.py                       # the 2.6 MB bomb, the default 2,048 MB limit
    .venv/bin/python bench/bomb.py --inflated-mb 256 --max-memory 256

Runs `gidr-etl ingest` on a folder holding the bomb (made here, as the hostile-batch test
makes it; read first, so a worker's first sample is what it held before it) and one seed
report, with one worker, and samples the resident memory of every worker process (psutil)
until the ingest ends. Prints the peak resident memory of any worker, each worker's span
and resident memory (first and most), the bomb's one-line error, and whether the seed was
loaded beside it. The limit counts what a worker gains from the file's start, so a worker's
first sample, taken before the bomb, is its baseline. --python runs another checkout's gidr-etl (its
venv's Python) on the same bomb: the figures before a change.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from helpers import SEEDS  # noqa: E402
from test_hostile_batch import pdf_bomb  # noqa: E402

SAMPLE_EVERY = 0.02  # seconds between memory samples


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inflated-mb", type=int, default=1024, help="MB the content stream inflates to")
    ap.add_argument("--max-memory", type=int, default=2048, help="--max-memory for the ingest")
    ap.add_argument("--python", default=sys.executable, help="the Python whose gidr-etl runs (another checkout's venv)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        batch = Path(tmp) / "batch"
        batch.mkdir()
        shutil.copy(SEEDS[0], batch)
        bomb_mb = pdf_bomb(batch / "0-bomb.pdf", args.inflated_mb).stat().st_size / 2**20
        db = Path(tmp) / "g.db"
        cmd = [args.python, "-m", "gidr_etl.cli", "ingest", str(batch), "--db", str(db), "--workers", "1"]
        cmd += ["--max-memory", str(args.max_memory)]
        started = time.perf_counter()
        # Run from the temporary folder: `-m` must import the gidr-etl of --python, not this checkout's.
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp)
        main_proc, peak = psutil.Process(proc.pid), 0
        first: dict[int, tuple[float, int]] = {}  # worker pid → when first seen, its resident memory then
        top: dict[int, int] = {}  # worker pid → its peak resident memory
        seen: dict[int, float] = {}  # worker pid → when last seen
        while proc.poll() is None:
            try:
                workers = main_proc.children(recursive=True)
            except psutil.NoSuchProcess:
                break
            for worker in workers:
                try:
                    rss = worker.memory_info().rss
                except psutil.NoSuchProcess:
                    continue
                now = time.perf_counter()
                peak = max(peak, rss)
                first.setdefault(worker.pid, (now, rss))
                top[worker.pid] = max(top.get(worker.pid, 0), rss)
                seen[worker.pid] = now
            time.sleep(SAMPLE_EVERY)
        out, err = proc.communicate()
        con = sqlite3.connect(db)
        seed_loaded = con.execute("select status from files where path like ?", [f"%{SEEDS[0].name}"]).fetchone()
        error = con.execute("select error from files where path like '%bomb.pdf'").fetchone()
        con.close()
    print(f"bomb: {bomb_mb:.1f} MB inflating to {args.inflated_mb} MB of drawing operators")
    print(f"peak worker resident memory: {peak / 2**20:,.0f} MB")
    for pid, (when, rss) in first.items():
        print(
            f"worker {pid}: from {when - started:.1f} s to {seen[pid] - started:.1f} s,"
            f" resident {rss / 2**20:,.0f} MB at first, {top[pid] / 2**20:,.0f} MB at most"
        )
    print(f"ingest ended after {time.perf_counter() - started:.1f} s")
    print(f"exit status {proc.returncode}; the seed: {seed_loaded and seed_loaded[0]}")
    print(f"the bomb's error: {error and error[0]}")


if __name__ == "__main__":
    main()
