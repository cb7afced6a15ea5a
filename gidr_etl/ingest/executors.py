"""Where extraction runs: processes on this machine (the default) or a distributed engine.

An executor runs a picklable function (pipeline.process_file: path → Outcome) over the
items and yields (item, result) in the items' order, with a bounded number of tasks in
flight, so memory stays flat over any batch and the database's ids follow the files'
order. A task that dies with its worker yields the exception as its result: that
file's error, not the batch's. Loading stays in the calling process, the one writer.
"""

from __future__ import annotations

import importlib.util
import logging
import multiprocessing
import os
import sys
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import Any

from gidr_etl.errors import ExecutorError
from gidr_etl.hookspecs import hookimpl
from gidr_etl.plugins import executors

# Tasks in flight per worker: enough that no worker waits, few enough to bound memory.
IN_FLIGHT_PER_WORKER = 4
# Files a local task carries: a TXT report takes a few milliseconds, about what a round
# trip to a worker costs.
CHUNK = 4
# Forked workers start at once with the plugins the main process loaded, including ones
# registered in code; Python 3.14 makes forkserver the default on Linux, so ask for fork.
_START = multiprocessing.get_context("fork") if sys.platform == "linux" else None
# Seconds to wait for a remote scheduler before giving up on the batch; the environment
# variable sets another (the tests wait less for a scheduler they know is not there).
CONNECT_TIMEOUT = 10
CONNECT_TIMEOUT_VARIABLE = "GIDR_ETL_DASK_CONNECT_TIMEOUT"

Results = Iterator[tuple[Any, Any]]


class Executor(ABC):
    """One way to run extraction. Subclass it and register an instance in register_executors.

    `address` is what followed the name on the command line (`dask:tcp://host:8786`),
    None when nothing did.
    """

    name: str = ""
    description: str = ""

    def missing(self) -> str | None:
        """Why this executor cannot run here (a missing optional dependency), or None."""
        return None

    @abstractmethod
    def map(self, fn: Callable[[Any], Any], items: Iterable[Any], workers: int, address: str | None = None) -> Results:
        """(item, fn(item)) for every item, in the items' order, as results arrive.

        `fn` is picklable and runs wherever the executor runs work; `workers` is the
        number of tasks that may run at once (--workers). Keep a bounded number of tasks
        in flight so memory stays flat; when a task fails, or its worker dies, yield the
        exception as that item's result and go on. Raise ExecutorError when the batch
        cannot run at all (a scheduler out of reach).
        """


def connect_timeout() -> float:
    """Seconds to wait for a remote scheduler: $GIDR_ETL_DASK_CONNECT_TIMEOUT, else CONNECT_TIMEOUT."""
    setting = os.environ.get(CONNECT_TIMEOUT_VARIABLE, "").strip()
    if not setting:
        return CONNECT_TIMEOUT
    try:
        seconds = float(setting)
    except ValueError:
        raise ExecutorError(f"{CONNECT_TIMEOUT_VARIABLE}={setting!r} is not a number of seconds") from None
    if seconds <= 0:
        raise ExecutorError(f"{CONNECT_TIMEOUT_VARIABLE}={setting!r} must be more than 0 seconds")
    return seconds


def all_cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def get_executor(spec: str) -> tuple[Executor, str | None]:
    """The executor `spec` names ("local", "dask", "dask:tcp://10.0.0.5:8786") and its address."""
    name, _, address = spec.partition(":")
    available = executors()
    if name not in available:
        raise ValueError(f"unknown executor {name!r} (installed: {', '.join(sorted(available))})")
    executor = available[name]
    if reason := executor.missing():
        raise ValueError(f"executor {name!r} cannot run: {reason}")
    return executor, address or None


def in_order(submit: Callable[[Any], Any], todo: deque, window: int, pending: deque) -> Iterator[tuple[Any, Any]]:
    """(item, future) in the items' order: items move from `todo` to `pending` as they are
    submitted, at most `window` ahead of the one yielded."""
    while todo or pending:
        while todo and len(pending) < window:
            pending.append((todo[0], submit(todo[0])))
            todo.popleft()
        yield pending.popleft()


def _die_with_parent() -> None:
    """Worker initializer: on Linux, the kernel kills the worker when the main process dies,
    so a `kill -9` of `gidr-etl ingest` leaves no orphaned workers behind."""
    if sys.platform == "linux":
        import ctypes
        import signal

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class LocalPool(Executor):
    name = "local"
    description = "worker processes on this machine"

    def map(self, fn, items, workers, address=None):
        chunks, window = deque(_chunks(items, CHUNK)), workers * IN_FLIGHT_PER_WORKER
        while chunks:
            pending: deque = deque()
            with ProcessPoolExecutor(max_workers=workers, mp_context=_START, initializer=_die_with_parent) as pool:
                try:
                    for chunk, future in in_order(partial(pool.submit, partial(_each, fn)), chunks, window, pending):
                        try:
                            results = future.result()
                        except BrokenProcessPool:
                            pending.appendleft((chunk, future))
                            break
                        except Exception as exc:
                            results = [exc] * len(chunk)
                        yield from zip(chunk, results)
                except BrokenProcessPool:  # noticed when submitting
                    pass
            # A worker died (a segfault, the OOM killer) and took the pool with it. The
            # file that killed it is among those in flight: each of them runs alone once.
            for chunk, future in pending:
                if _succeeded(future):
                    yield from zip(chunk, future.result())
                else:
                    yield from ((item, self._alone(fn, item)) for item in chunk)

    @staticmethod
    def _alone(fn, item):
        with ProcessPoolExecutor(max_workers=1, mp_context=_START, initializer=_die_with_parent) as pool:
            try:
                return pool.submit(fn, item).result()
            except Exception as exc:
                return exc


def _chunks(items: Iterable, size: int) -> Iterator[tuple]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield tuple(chunk)
            chunk = []
    if chunk:
        yield tuple(chunk)


def _each(fn: Callable, chunk: tuple) -> list:
    """fn over a chunk's items; one that raises has its exception as its result."""
    out = []
    for item in chunk:
        try:
            out.append(fn(item))
        except Exception as exc:
            out.append(exc)
    return out


def _succeeded(future) -> bool:
    return future.done() and not future.cancelled() and future.exception() is None


class DaskExecutor(Executor):
    name = "dask"
    description = "a Dask cluster (dask:SCHEDULER_ADDRESS), or a local one with --workers processes"

    def missing(self):
        if importlib.util.find_spec("distributed") is None:
            return "Dask is not installed: pip install 'gidr-etl[dask]'"
        return None

    def map(self, fn, items, workers, address=None):
        from dask.distributed import Client, LocalCluster

        if address:
            try:
                client, cluster = Client(address, timeout=connect_timeout()), None
            except (OSError, TimeoutError) as exc:
                raise ExecutorError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        else:
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            client = Client(cluster)
        try:
            window = IN_FLIGHT_PER_WORKER * max(sum(client.nthreads().values()), 1)
            # pure=False: the same path read twice is two tasks (the file may have changed).
            submit = partial(client.submit, fn, pure=False)
            for item, future in in_order(submit, deque(items), window, deque()):
                try:
                    result = future.result()
                except Exception as exc:  # KilledWorker: the task's worker died, more than once
                    result = exc
                future.release()
                yield item, result
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


@hookimpl
def register_executors(register):
    register(LocalPool())
    register(DaskExecutor())
