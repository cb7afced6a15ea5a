"""A test hook: the points where a derived-state refresh has read what it will write from,
so that a test can run another ingest exactly there and show the two cannot interleave
(tests/test_races.py).
"""

from __future__ import annotations

from collections.abc import Callable

# Set by a test: called with the point's name ("notes", "copies").
HOOK: Callable[[str], None] | None = None


def at(point: str) -> None:
    """A refresh has just read what it will write from, at `point`."""
    if HOOK is not None:
        HOOK(point)
