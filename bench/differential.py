"""Random sequences of ingests compared after every step with a fresh build of the same files
(issue #22): how many sequences and steps, of which operations, left a database that differs.

    PYTHONPATH=. python bench/differential.py [--sequences 100] [--steps 8] [--jobs 2] [--first 1000]

Each sequence runs in a scratch folder (gidr_etl/testing/sequences.py); --jobs runs that
many sequences at once, each in a process of its own. A failing sequence prints its seed
and steps, so `--first SEED --sequences 1` replays it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gidr_etl.testing import sequences  # noqa: E402


def _one(seed: int, steps: int, work: Path) -> None:
    done, seconds = sequences.run(seed, work, steps)
    print(
        json.dumps(
            {
                "seed": seed,
                "seconds": seconds,
                "steps": [{"op": s.op, "detail": s.detail, "differences": s.differences} for s in done],
            },
            ensure_ascii=False,
        )
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sequences", type=int, default=100)
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--first", type=int, default=1000, help="the first sequence's seed")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one is not None:
        work = Path(tempfile.mkdtemp(prefix="gidr-bench-differential-"))
        try:
            return _one(args.one, args.steps, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    started = time.perf_counter()
    todo = list(range(args.first, args.first + args.sequences))
    running: list[subprocess.Popen] = []
    ops: Counter = Counter()
    failed_ops: Counter = Counter()
    failed: list[dict] = []
    n_steps = 0

    def collect(proc: subprocess.Popen) -> None:
        nonlocal n_steps
        out, err = proc.communicate()
        lines = out.strip().splitlines()
        if proc.returncode != 0 or not lines:
            failed.append({"seed": proc.args[-1], "error": err.strip().splitlines()[-1:]})
            print(f"sequence {proc.args[-1]}: crashed: {err.strip()[-500:]}", flush=True)
            return
        got = json.loads(lines[-1])
        n_steps += len(got["steps"])
        bad = [s for s in got["steps"] if s["differences"]]
        for s in got["steps"]:
            ops[s["op"]] += 1
            failed_ops[s["op"]] += bool(s["differences"])
        print(
            f"sequence {got['seed']}: {len(got['steps'])} steps in {got['seconds']:.0f} s,"
            f" {'differs after ' + ', '.join(s['op'] for s in bad) if bad else 'equal to a fresh build after each'}",
            flush=True,
        )
        if bad:
            failed.append(got)
            for s in got["steps"]:
                print(f"    {s['op']} {s['detail']}: {'; '.join(d[:400] for d in s['differences']) or 'equal'}")

    while todo or running:
        while todo and len(running) < args.jobs:
            seed = todo.pop(0)
            cmd = [sys.executable, __file__, "--steps", str(args.steps), "--one", str(seed)]
            running.append(subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        time.sleep(0.2)
        for proc in [p for p in running if p.poll() is not None]:
            running.remove(proc)
            collect(proc)
    print(
        f"{args.sequences - len(failed)} of {args.sequences} sequences ({n_steps} steps) equal to a fresh build"
        f" after every step, in {time.perf_counter() - started:.0f} s"
    )
    print("operations: " + ", ".join(f"{op} {n} ({failed_ops[op]} differing)" for op, n in ops.most_common()))


if __name__ == "__main__":
    main()
