"""Test hooks: the points where a derived-state refresh reads what it will write from, so
that a test can run another ingest there and show the two cannot interleave
(tests/test_races.py).

`HOOK`, a callable given the point's name, serves tests in one process. The environment
variable GIDR_ETL_PAUSE (`point=path`) serves real processes: at `point` the process
creates `path.paused` and waits until `path.go` exists.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

HOOK: Callable[[str], None] | None = None
ENV = "GIDR_ETL_PAUSE"
# A test that never says go does not hang the process for ever.
MAX_WAIT_SECONDS = 300


def at(point: str) -> None:
    """A refresh has just read what it will write from, at `point`."""
    if HOOK is not None:
        HOOK(point)
    wanted, _, path = os.environ.get(ENV, "").partition("=")
    if wanted == point and path:
        Path(f"{path}.paused").touch()
        deadline = time.monotonic() + MAX_WAIT_SECONDS
        while not Path(f"{path}.go").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
