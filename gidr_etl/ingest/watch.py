"""The per-file limits, enforced from the process that hands out the files.

limits.py bounds a file from inside its worker, which works while the reading comes back
to Python. A C library that keeps the thread busy (pdfium inflating a decompression bomb)
does not come back: seen from inside, the limits act late or never. So the parent watches:

- each worker has a slot in memory shared with the parent (made before the workers fork)
  where it writes, as it starts a file, which file it is and its own CPU time and resident
  memory then;
- a thread in the parent reads every busy worker's resident memory and CPU time from /proc
  each WATCH_SECONDS and kills (SIGKILL) the worker whose file has grown its resident memory
  past the memory limit, used more CPU time than the time limit, or gone on NO_RESULT_GRACE
  past the time limit (stuck in a wait the time limit cannot interrupt);
- it records which limit, and the executor gives that file the reason as its one-line error.

Inside the worker, limits.py's gentler errors (MemoryError, FileTimeout) still come first
wherever the reading is in Python: they cost the file, not the worker.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from gidr_etl.ingest import limits, procinfo

# How often the parent looks at its workers.
WATCH_SECONDS = 0.05
# Over the memory limit this long before the kill: long enough for limits.py's MemoryError
# (its watchdog looks every 0.05 s) to stop reading that is in Python, at no worker's cost.
MEMORY_GRACE = 0.1
# A file with no result this long past the time limit is stuck where the limit cannot reach;
# a second after limits.py's watchdog wrote where it was stuck.
NO_RESULT_GRACE = limits.WATCHDOG_GRACE + 1
# A slot: the worker's pid, the task, the file's position in it, when the file started
# (0: between files), the worker's CPU seconds and resident bytes then.
_PID, _TASK, _POSITION, _STARTED, _CPU, _RESIDENT = range(6)
_FIELDS = 6


@dataclass(frozen=True)
class Limits:
    """What reading one file may cost: seconds of CPU time (and of waiting, past a grace) and MB
    of resident memory the worker gains; None: no limit."""

    seconds: float | None = None
    memory_mb: int | None = None


@dataclass(frozen=True)
class Limited:
    """A task function with the limits an executor able to watch its workers enforces from
    outside (LocalPool); called like the function itself."""

    fn: Any
    limits: Limits

    def __call__(self, item: Any) -> Any:
        return self.fn(item)


class WorkerLost(Exception):
    """The worker reading a file was killed at a limit, or died: the message says which."""


class Slots:
    """The shared slots of one pool's workers."""

    def __init__(self, workers: int, context: Any) -> None:
        self.array = context.RawArray("d", workers * _FIELDS)
        self.lock = context.Lock()
        self.workers = workers


# In a worker: its pool's slots and its own slot's offset.
_mine: tuple[Any, int] | None = None


def join(slots: Slots) -> None:
    """Worker initializer: take a free slot and say so to limits.py, whose own last resort
    (ending the process) is then the parent's to take, with the reason recorded."""
    global _mine
    with slots.lock:
        for i in range(slots.workers):
            if slots.array[i * _FIELDS + _PID] == 0:
                slots.array[i * _FIELDS + _PID] = os.getpid()
                _mine = (slots.array, i * _FIELDS)
                limits.WATCHED = True
                return


@contextmanager
def reading(task: int, position: int) -> Iterator[None]:
    """In a worker: around the reading of the `position`th file of `task`."""
    if _mine is None:
        yield
        return
    array, at = _mine
    pid = os.getpid()
    array[at + _STARTED] = 0  # cleared first, set last: the parent never reads half a slot
    array[at + _TASK], array[at + _POSITION] = task, position
    array[at + _CPU] = procinfo.cpu_seconds(pid) or 0.0
    array[at + _RESIDENT] = procinfo.resident(pid) or 0
    array[at + _STARTED] = time.time()
    try:
        yield
    finally:
        array[at + _STARTED] = 0


def available() -> bool:
    return procinfo.AVAILABLE


class Watch:
    """The parent's thread over one pool's workers; `killed` maps (task, position) → the reason."""

    def __init__(self, slots: Slots, limits_: Limits) -> None:
        self.slots, self.limits = slots, limits_
        self.killed: dict[tuple[int, int], str] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pidfds: dict[int, int] = {}
        self._over_since: dict[int, float] = {}

    def start(self) -> None:
        """Once the workers are forked (a thread must not run while the parent forks)."""
        if self._thread is None and (self.limits.seconds or self.limits.memory_mb):
            self._thread = threading.Thread(target=self._run, name="gidr-etl worker watch", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        for fd in self._pidfds.values():
            os.close(fd)
        self._pidfds.clear()

    def _run(self) -> None:
        while not self._stop.wait(WATCH_SECONDS):
            for i in range(self.slots.workers):
                self._look(i * _FIELDS)

    def _look(self, at: int) -> None:
        array = self.slots.array
        pid, started = int(array[at + _PID]), array[at + _STARTED]
        if not pid or not started:
            return
        self._pidfd(pid)  # opened while the worker is surely ours, before any kill
        task, position, cpu0, resident0 = (array[at + f] for f in (_TASK, _POSITION, _CPU, _RESIDENT))
        resident, cpu = procinfo.resident(pid), procinfo.cpu_seconds(pid)
        if array[at + _STARTED] != started or resident is None or cpu is None:
            return  # on to its next file meanwhile, or gone
        now, reason = time.time(), None
        memory_mb, seconds = self.limits.memory_mb, self.limits.seconds
        grown = (resident - resident0) / 2**20
        if memory_mb and grown > memory_mb:
            if now - self._over_since.setdefault(pid, now) >= MEMORY_GRACE:
                reason = f"resident memory {grown:,.0f} MB over the {memory_mb:,} MB limit (see --max-memory)"
        else:
            self._over_since.pop(pid, None)
        if seconds and cpu - cpu0 > seconds:
            reason = f"CPU time over the {seconds:g} s limit (see --timeout)"
        elif seconds and now - started > seconds + NO_RESULT_GRACE:
            reason = f"no result {now - started:.0f} s after it started, past the {seconds:g} s limit (see --timeout)"
        if reason:
            self.killed[(int(task), int(position))] = f"worker killed: {reason}"
            self._kill(pid)
            array[at + _STARTED] = 0

    def _pidfd(self, pid: int) -> int | None:
        if pid not in self._pidfds and hasattr(os, "pidfd_open"):
            try:
                self._pidfds[pid] = os.pidfd_open(pid)
            except OSError:
                return None
        return self._pidfds.get(pid)

    def _kill(self, pid: int) -> None:
        """SIGKILL by pidfd where the kernel has them: never a process that got the id of a
        worker that ended meanwhile."""
        fd = self._pidfd(pid)
        try:
            if fd is not None:
                signal.pidfd_send_signal(fd, signal.SIGKILL)
            else:
                os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def died(exitcode: int | None) -> str:
    """How a worker that this watch did not kill ended, as a file's error."""
    if exitcode is not None and exitcode < 0:
        number = -exitcode
        if number == signal.SIGKILL:
            return f"worker died (signal {number}, SIGKILL: killed by another process or the kernel's out-of-memory killer)"
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = "unknown"
        return f"worker died (signal {number}, {name}: a crash)"
    if exitcode == limits.KILLED_FOR_MEMORY:  # its own watchdog, faster than this one's grace
        return "worker stopped itself: resident memory past twice the limit (see --max-memory)"
    if exitcode:
        return f"worker died (exit status {exitcode})"
    return "worker died"
