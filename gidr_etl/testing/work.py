"""The work an ingest does on its database, counted rather than timed: SQLite's
virtual-machine instructions (a progress handler called at every one), the same on every
run of the same data, so a loaded machine can neither pass nor fail a comparison of them
(tests/test_incremental.py, bench/incremental.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from gidr_etl.database import load
from gidr_etl.ingest import pipeline


@contextmanager
def counted(within: tuple[tuple[Any, str], ...] = ()) -> Iterator[Counter]:
    """While active, count the instructions run on every database pipeline.ingest opens:
    steps["ingest"] in all, and steps[name] within each function `name` of a module in
    `within` ((module, name) pairs, as the ingest calls them)."""
    steps: Counter = Counter()
    inside: list[str] = []

    def tick() -> int:
        steps["ingest"] += 1
        if inside:
            steps[inside[-1]] += 1
        return 0  # go on

    def opened(path):
        db = load.open_db(path)
        db.conn.set_progress_handler(tick, 1)
        return db

    def counting(name: str, fn: Callable) -> Callable:
        def run(*args, **kwargs):
            inside.append(name)
            try:
                return fn(*args, **kwargs)
            finally:
                inside.pop()

        return run

    saved = [(pipeline, "open_db", pipeline.open_db), *((m, name, getattr(m, name)) for m, name in within)]
    pipeline.open_db = opened
    for module, name in within:
        setattr(module, name, counting(name, getattr(module, name)))
    try:
        yield steps
    finally:
        for module, name, original in saved:
            setattr(module, name, original)
