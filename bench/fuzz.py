"""The fuzzer of issue #12, larger than CI's sample: N variants of every gold with a seed,
wrong numbers and recall per class, each failure shrunk to a regression fixture.

    python bench/fuzz.py [-n 10000] [--seed 1] [--fixtures tests/fixtures/fuzz_regressions] [--per-class 5]

Shrinking keeps the first `--per-class` failures of each class (distinct shrunk texts);
`--no-shrink` only measures. Exit status 1 when any variant held a wrong number.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gidr_etl.testing.fuzz import run, shrink, write_fixture  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--fixtures", type=Path, default=ROOT / "tests" / "fixtures" / "fuzz_regressions")
    ap.add_argument("--per-class", type=int, default=5)
    ap.add_argument("--no-shrink", action="store_true")
    args = ap.parse_args()
    started = time.perf_counter()
    result = run(ROOT, args.n, args.seed)
    seconds = time.perf_counter() - started
    print(result.table())
    print(
        f"{sum(t.variants for t in result.tallies.values())} variants in {seconds:.1f} s "
        f"({seconds / max(1, args.n) * 1000:.1f} ms each), seed {args.seed}"
    )
    if not args.no_shrink:
        kept: Counter = Counter()
        for v, verdict in result.failures:
            if kept[v.klass] >= args.per_class:
                continue
            small, cells = shrink(v, verdict)
            path = write_fixture(args.fixtures, small, cells)
            kept[v.klass] += 1
            print(f"  {v.klass}: {len(v.data)} → {len(small.data)} bytes: {path.name}  {cells}")
    return 1 if result.failures else 0


if __name__ == "__main__":
    sys.exit(main())
