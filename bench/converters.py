"""The converter zoo (issue 21): every converter installed here over every real document and the
seeds' renderings, each output read by gidr-etl and scored against its gold.

    python bench/converters.py [-v] [--only pdftotext-layout,w3m] [--files hongze]

Prints converter × file (right / wrong / missed cells, metadata right) and totals per converter;
-v lists each wrong number. Conversions are cached (gidr_etl/testing/converters.py says where).
Exit status 1 when any converter gave a wrong number.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gidr_etl.testing import converters as zoo  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--only", help="comma-separated converter names")
    ap.add_argument("--files", help="only sources whose name contains this")
    a = ap.parse_args()
    convs, missing = zoo.available(a.only.split(",") if a.only else None)
    for name, why in missing.items():
        print(f"skipped {name}: {why}")
    sources = zoo.real_documents(ROOT / "sample_inputs", ROOT / "tests" / "gold" / "realdocs")
    sources += zoo.seed_renderings()
    if a.files:
        sources = [s for s in sources if a.files in s.name]
    totals: dict[str, list[int]] = defaultdict(lambda: [0] * 8)
    t0 = time.perf_counter()
    print(f"{'converter':18} {'file':34} {'right':>7} {'wrong':>5} {'missed':>6} {'meta':>5}")
    for out in zoo.outputs(sources, convs):
        s = zoo.score(out)
        t = totals[out.converter]
        for i, n in enumerate(
            (s.cells, s.right, len(s.wrong), s.missed, s.meta, s.meta_right, s.values, s.values_right)
        ):
            t[i] += n
        note = f"  {s.error}" if s.error else ""
        if s.meta_wrong:
            note += "  metadata " + ", ".join(s.meta_wrong)
        print(
            f"{out.converter:18} {out.source.name:34} {s.right:>3}/{s.cells:<3} {len(s.wrong):>5} {s.missed:>6}"
            f" {s.meta_right:>2}/{s.meta:<2}{note}"
        )
        if a.verbose:
            for sec, row, col, want, got in s.wrong:
                print(f"{'':20}wrong {sec}.{row}.{col}: got {got!r}, want {want!r}")
    # cells: every scored cell (a gold NULL read as NULL is right); values: the printed numbers only.
    print(
        f"\n{'converter':18} {'cells':>6} {'right':>6} {'%':>7} {'wrong':>5} {'missed':>6} {'metadata':>9}"
        f" {'values':>7} {'right':>6} {'%':>7}"
    )
    every = [0] * 8
    for name, row in [*totals.items(), ("all", None)]:
        if row is None:
            row = every
        else:
            every = [x + y for x, y in zip(every, row)]
        cells, right, wrong, missed, meta, meta_right, values, values_right = row
        print(
            f"{name:18} {cells:>6} {right:>6} {right / max(cells, 1):>7.1%} {wrong:>5} {missed:>6}"
            f" {meta_right:>4}/{meta:<4} {values:>7} {values_right:>6} {values_right / max(values, 1):>7.1%}"
        )
    wrong = every[2]
    print(f"({time.perf_counter() - t0:.0f} s)")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
