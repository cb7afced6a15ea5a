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
import os
import resource
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from gidr_etl.errors import ExtractionError

# Real reports read in well under a second, a scanned one in seconds to a minute (OCR on a
# loaded machine), in tens to hundreds of MB.
DEFAULT_SECONDS = 300.0
DEFAULT_MEMORY_MB = 2048
# How long the watchdog gives the time limit to work before it ends a stuck worker.
WATCHDOG_GRACE = 15.0
# Set in a worker the parent watches (watch.py): ending a stuck worker is the parent's to
# do, which records why; the watchdog here then only writes where the reading was stuck.
WATCHED = False


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
        faulthandler.dump_traceback_later(seconds + WATCHDOG_GRACE, exit=not WATCHED, file=watchdog)
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
    """At most `memory_mb` more resident memory than the process holds now.

    A watchdog thread reads the resident size; past the limit it interrupts the reading
    (MemoryError, when it is next in Python), and past twice the limit (stuck in C code
    that keeps allocating, as pdfium inflating a bomb does) it ends the worker process.
    Not RLIMIT_AS: ONNX Runtime and glibc reserve address space they never touch, and a
    C library that fails an allocation may abort the process instead of failing the file.
    """
    if not memory_mb:
        yield
        return
    limit, start = memory_mb * 2**20, _resident()
    done = threading.Event()
    main = threading.main_thread().ident

    def over(signum, frame):
        raise MemoryError(f"reading needed over {memory_mb} MB")

    def watch() -> None:
        signalled = False
        while not done.wait(_WATCH_SECONDS):
            grown = _resident() - start
            if grown > 2 * limit:
                os._exit(KILLED_FOR_MEMORY)
            if grown > limit and not signalled and main is not None:
                signalled = True
                signal.pthread_kill(main, _MEMORY_SIGNAL)

    previous = signal.signal(_MEMORY_SIGNAL, over)
    watcher = threading.Thread(target=watch, name="gidr-etl memory limit", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()
        signal.signal(_MEMORY_SIGNAL, previous)


_WATCH_SECONDS = 0.05
_MEMORY_SIGNAL = signal.SIGUSR1
# The exit status of a worker whose own watchdog ended it at twice its memory limit.
KILLED_FOR_MEMORY = 137
_PAGE = resource.getpagesize()


def _resident() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * _PAGE
