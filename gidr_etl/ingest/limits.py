"""Bounded work per file: a time limit and a memory limit around reading one file.

A hostile file (a PDF decompression bomb, a pathological run of digits) must cost its
own error, never the batch. Inside the limit the file is read as usual; past it the
reading stops with FileTimeout or MemoryError, which the pipeline records as the file's
one-line error. In a worker process a watchdog also ends the process if the reading is
stuck in C code that never returns to Python; the pool then records the file as failed.
"""
from __future__ import annotations

import faulthandler
import multiprocessing
import resource
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from gidr_etl.errors import ExtractionError

# Real reports read in well under a second (a scanned one in seconds), in tens of MB.
DEFAULT_SECONDS = 60.0
DEFAULT_MEMORY_MB = 2048
# How long the watchdog gives the time limit to work before it ends a stuck worker.
WATCHDOG_GRACE = 15.0


class FileTimeout(ExtractionError):
    """Reading one file took longer than its time limit."""


@contextmanager
def bounded(seconds: float | None, memory_mb: int | None) -> Iterator[None]:
    """Run the body under the limits (None: no limit); only in a process's main thread,
    where signals and rlimits belong to the reading alone."""
    if threading.current_thread() is not threading.main_thread() or sys.platform == "win32":
        yield
        return
    # The memory limit only in a worker process: a reader that aborts on a failed
    # allocation must not take the process that writes the database with it.
    in_worker = multiprocessing.parent_process() is not None
    with _time_limit(seconds), _memory_limit(memory_mb if in_worker else None):
        yield


@contextmanager
def _time_limit(seconds: float | None) -> Iterator[None]:
    if not seconds:
        yield
        return

    def expired(signum, frame):
        raise FileTimeout(f"timeout: reading took over {seconds:g} s (see --timeout)")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    in_worker = multiprocessing.parent_process() is not None
    # never in the main process: it holds the database
    watchdog = _stream_with_fd() if in_worker else None
    if watchdog is not None:
        faulthandler.dump_traceback_later(seconds + WATCHDOG_GRACE, exit=True, file=watchdog)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if watchdog is not None:
            faulthandler.cancel_dump_traceback_later()


def _stream_with_fd() -> TextIO | None:
    """Where the watchdog writes: faulthandler needs a file descriptor, and sys.stderr may be
    a stream without one (a notebook's, click's CliRunner's), then the process's own stderr."""
    for stream in (sys.stderr, sys.__stderr__):
        if stream is None:
            continue
        try:
            stream.fileno()
            return stream
        except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both of the last
            continue
    return None


@contextmanager
def _memory_limit(memory_mb: int | None) -> Iterator[None]:
    """At most `memory_mb` more address space than the process holds now (soft limit only,
    so it is lifted again afterwards)."""
    if not memory_mb:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm") as f:
        held = int(f.read().split()[0]) * resource.getpagesize()
    limit = held + memory_mb * 2**20
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
