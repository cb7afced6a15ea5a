"""Running the fuzzer of issue #12: read each variant in-process, count wrong numbers and
recall per class, shrink each failure to a small regression fixture, replay fixtures.

The variants and the checker are in variants.py; this module only runs them, so that
the CI test (tests/test_fuzz.py) and the larger run (bench/fuzz.py) measure alike.
"""

from __future__ import annotations

import hashlib
import json
import math
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from gidr_etl.ingest.pipeline import process_file
from gidr_etl.testing.variants import Gold, Variant, Verdict, check, generate, same


def read(path: Path):
    """The report of one file, as ingest builds it, without the per-file limits (in-process)."""
    return process_file(str(path), hashed=True, seconds=None, memory_mb=None)


def read_bytes(data: bytes, suffix: str, folder: Path):
    path = folder / f"variant{suffix}"
    path.write_bytes(data)
    try:
        return read(path)
    finally:
        path.unlink()


@dataclass
class ClassTally:
    variants: int = 0
    failing: int = 0  # variants with at least one wrong number
    wrong: int = 0  # wrong numbers
    recalled: int = 0
    definite: int = 0
    unread: int = 0  # variants whose file failed as a whole (an error, no report)

    @property
    def recall(self) -> float:
        return self.recalled / self.definite if self.definite else 1.0


@dataclass
class Run:
    tallies: dict[str, ClassTally] = field(default_factory=lambda: defaultdict(ClassTally))
    failures: list[tuple[Variant, Verdict]] = field(default_factory=list)

    def table(self) -> str:
        lines = [f"{'class':38s} {'variants':>8s} {'failing':>7s} {'wrong':>6s} {'recall':>7s} {'unread':>6s}"]
        for name in sorted(self.tallies):
            t = self.tallies[name]
            lines.append(f"{name:38s} {t.variants:8d} {t.failing:7d} {t.wrong:6d} {t.recall:7.3f} {t.unread:6d}")
        total = ClassTally()
        for t in self.tallies.values():
            for f in ("variants", "failing", "wrong", "recalled", "definite", "unread"):
                setattr(total, f, getattr(total, f) + getattr(t, f))
        lines.append(
            f"{'ALL':38s} {total.variants:8d} {total.failing:7d} {total.wrong:6d} {total.recall:7.3f} {total.unread:6d}"
        )
        return "\n".join(lines)


def _verdict(job: tuple[bytes, str, dict, set]) -> tuple[Verdict, bool]:
    """One variant read and checked: its verdict, and whether its file failed as a whole."""
    data, suffix, expected, definite = job
    with tempfile.TemporaryDirectory() as tmp:  # a folder of its own: workers read side by side
        outcome = read_bytes(data, suffix, Path(tmp))
    return check(expected, definite, outcome.report), outcome.report is None


def run(root: Path, count: int, seed: int, progress=None, workers: int = 1) -> Run:
    """Generate `count` variants from the golds under `root` with `seed`, read and check each.

    With `workers` > 1 the variants are read by that many processes (each reading is
    independent; the order of the results, and so the run, is the same).
    """
    out = Run()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)

        def read_gold(gold: Gold):
            assert gold.text is not None  # generate reads only the golds with a source text
            return read_bytes(gold.text.encode("utf-8"), ".txt", folder).report

        variants = list(generate(root, count, seed, read=read_gold))
    jobs = [(v.data, v.suffix, v.expected, v.definite) for v in variants]
    verdicts: Iterable[tuple[Verdict, bool]]
    if workers > 1:
        from concurrent.futures import ProcessPoolExecutor

        from gidr_etl.ingest.executors import _START

        with ProcessPoolExecutor(max_workers=workers, mp_context=_START) as pool:
            verdicts = list(pool.map(_verdict, jobs, chunksize=20))
    else:
        verdicts = map(_verdict, jobs)
    for i, (v, (verdict, unread)) in enumerate(zip(variants, verdicts)):
        t = out.tallies[v.klass]
        t.variants += 1
        t.wrong += len(verdict.wrong)
        t.failing += bool(verdict.wrong)
        t.recalled += verdict.recalled
        t.definite += verdict.definite
        t.unread += unread
        if verdict.wrong:
            out.failures.append((v, verdict))
        if progress:
            progress(i, v, verdict)
    return out


# ------------------------------------------------------------------ shrinking


def _ddmin(parts: list, still_fails, budget: list[int]) -> list:
    """Zeller's delta debugging: a smaller list of parts that still fails."""
    n = 2
    while len(parts) >= 2 and budget[0] > 0:
        chunk = math.ceil(len(parts) / n)
        for start in range(0, len(parts), chunk):
            candidate = parts[:start] + parts[start + chunk :]
            budget[0] -= 1
            if candidate and still_fails(candidate):
                parts, n = candidate, max(n - 1, 2)
                break
            if budget[0] <= 0:
                return parts
        else:
            if n >= len(parts):
                return parts
            n = min(len(parts), n * 2)
    return parts


def shrink(v: Variant, verdict: Verdict, evaluations: int = 400) -> tuple[Variant, list]:
    """A smaller variant that still puts the same wrong number in the same cell. It is cut
    by the variant's own units (a structured variant's table rows, a real text's lines) and
    rebuilt by the generator, so its expectations are recomputed for what the smaller text
    says; a real text's cut is kept only while its unedited lines still read the gold there."""
    key, got, _ = verdict.wrong[0]
    budget = [evaluations]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)

        def fails(keep: list) -> bool:
            small = v.rebuild(set(keep)) if v.rebuild else v
            report = read_bytes(small.data, small.suffix, folder).report
            cell = report.cells.get(key) if report else None
            if cell is None or not same(cell.value, got) or not check({key: small.expected[key]}, set(), report).wrong:
                return False
            if small.baseline is not None:
                base = read_bytes(small.baseline.encode("utf-8"), ".txt", folder).report
                said = base.cells.get(key) if base else None
                return said is not None and any(same(said.value, a) for a in small.expected[key])
            return True

        kept = _ddmin(list(v.units), fails, budget) if v.rebuild else v.units
        small = v.rebuild(set(kept)) if v.rebuild else v
        if not fails(kept):
            small = v
    return small, [list(key) + [sorted(small.expected[key]), got]]


def write_fixture(folder: Path, v: Variant, cells: list) -> Path:
    """A regression fixture: the (shrunk) variant's file and a JSON of the cells it tests:
    [section, row, col, numbers allowed (NULL always is), number read when found]."""
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(v.data).hexdigest()[:10]
    stem = f"{v.klass.replace(':', '-').replace('@', '-')}_{digest}"
    (folder / f"{stem}{v.suffix}").write_bytes(v.data)
    meta = {
        "class": v.klass,
        "source": v.source,
        "encoding": v.codec,
        "file": f"{stem}{v.suffix}",
        "notes": v.notes,
        "cells": cells,
    }
    path = folder / f"{stem}.json"
    path.write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", "utf-8")
    return path


def replay(fixture: Path) -> list[tuple]:
    """The wrong numbers a fixture still shows: (cell, number read, numbers allowed)."""
    meta = json.loads(fixture.read_text("utf-8"))
    report = read(fixture.parent / meta["file"]).report
    expected = {(s, r, c): frozenset(allowed) for s, r, c, allowed, _ in meta["cells"]}
    return check(expected, set(), report).wrong
