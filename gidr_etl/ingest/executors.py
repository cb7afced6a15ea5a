"""Where extraction runs: processes on this machine (the default) or a distributed engine.

An executor runs a picklable function (pipeline.process_file: path → Outcome) over the
items and yields (item, result) in the items' order, with a bounded number of tasks in
flight, so memory stays flat over any batch and the database's ids follow the files'
order. A task that dies with its worker yields the exception as its result: that
file's error, not the batch's. Loading stays in the calling process, the one writer.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import multiprocessing
import os
import sys
import threading
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import Any

from gidr_etl.errors import ExecutorError
from gidr_etl.formats.base import WORKER_CORES, all_cores
from gidr_etl.hookspecs import hookimpl
from gidr_etl.ingest import watch
from gidr_etl.ingest.watch import WorkerLost
from gidr_etl.plugins import executors

# Tasks in flight per worker: enough that no worker waits, few enough to bound memory.
IN_FLIGHT_PER_WORKER = 4
# Files a local task carries: a TXT report takes a few milliseconds, about what a round
# trip to a worker costs. Files of more bytes together than CHUNK_BYTES (a PDF, a scan: a
# second or a minute each) go one a task, so that every worker has one while files are left.
CHUNK = 4
CHUNK_BYTES = 256 * 1024
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
        cannot run at all (a scheduler out of reach). `fn` may carry `limits` (a
        watch.Limits: what one item may cost); an executor that can watch its workers from
        outside enforces them there, and yields a WorkerLost saying which limit it hit.
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
    """On Linux, the kernel kills the worker when the main process dies, so a `kill -9` of
    `gidr-etl ingest` leaves no orphaned workers behind."""
    if sys.platform == "linux":
        import ctypes
        import signal

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _start_worker(slots: watch.Slots | None, cores: int) -> None:
    """Worker initializer; `cores`: this worker's share of the cores, for a reader's threads."""
    _die_with_parent()
    os.environ[WORKER_CORES] = str(cores)
    if slots is not None:
        watch.join(slots)


class _Pool:
    """A process pool and, when `fn` carries limits and /proc can be read, the parent's watch
    over its workers (watch.py)."""

    def __init__(self, fn: Callable, workers: int, cores: int | None = None) -> None:
        """`cores`: each worker's share of the cores, if not this machine's over `workers`."""
        given = getattr(fn, "limits", None)
        self.fn = fn
        slots = watch.Slots(workers, _START or multiprocessing) if given and watch.available() else None
        self.watch = watch.Watch(slots, given) if slots and given else None
        self.pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=_START,
            initializer=_start_worker,
            initargs=(slots, cores or max(1, all_cores() // workers)),
        )
        # The workers' Process objects (the pool forgets them at shutdown): how each one ended.
        self.processes = self.pool._processes

    def submit(self, task: int, chunk: tuple, fn: Callable | None = None):
        """`fn` (default: the pool's) over `chunk` in a worker."""
        future = self.pool.submit(_each, fn or self.fn, task, chunk)
        if self.watch is not None:
            self.watch.start()  # after the first submit: the workers are forked by then
        return future

    def lost(self, task: int, position: int) -> WorkerLost | None:
        """Why the worker reading the file at (task, position) is gone, if the watch killed it."""
        reason = self.watch.killed.get((task, position)) if self.watch else None
        return WorkerLost(reason) if reason else None

    def died(self) -> WorkerLost:
        """How this pool's one worker ended (a pool of one file)."""
        codes = [p.exitcode for p in (self.processes or {}).values() if p.exitcode]
        return WorkerLost(watch.died(codes[0] if codes else None))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        try:
            self.pool.shutdown(wait=True)
        finally:
            if self.watch is not None:
                self.watch.stop()


class LocalPool(Executor):
    name = "local"
    description = "worker processes on this machine"

    def map(self, fn, items, workers, address=None):
        chunks, window = deque(enumerate(_chunks(items, CHUNK))), workers * IN_FLIGHT_PER_WORKER
        while chunks:
            pending: deque = deque()
            with _Pool(fn, workers) as pool:
                try:
                    for (task, chunk), future in in_order(lambda c: pool.submit(*c), chunks, window, pending):
                        try:
                            results = future.result()
                        except BrokenProcessPool:
                            pending.appendleft(((task, chunk), future))
                            break
                        except Exception as exc:
                            results = [exc] * len(chunk)
                        yield from zip(chunk, results)
                except BrokenProcessPool:  # noticed when submitting
                    pass
            # A worker died (killed at a limit by the watch, a segfault, the OOM killer) and
            # took the pool with it. The file the watch killed has its reason; the other files
            # in flight run alone once, so one that kills its worker is known.
            for (task, chunk), future in pending:
                if _succeeded(future):
                    yield from zip(chunk, future.result())
                    continue
                for position, item in enumerate(chunk):
                    yield item, pool.lost(task, position) or self._alone(fn, task, item)

    @staticmethod
    def _alone(fn, task: int, item):
        with _Pool(fn, 1) as pool:
            try:
                return pool.submit(task, (item,)).result()[0]
            except BrokenProcessPool:
                pass
            except Exception as exc:
                return exc
        return pool.lost(task, 0) or pool.died()  # once the pool is shut down: its worker reaped


def _chunks(items: Iterable, size: int) -> Iterator[tuple]:
    """The items in tuples of at most `size`, and of fewer where their files reach CHUNK_BYTES."""
    chunk: list = []
    held = 0
    for item in items:
        chunk.append(item)
        held += _bytes(item)
        if len(chunk) == size or held >= CHUNK_BYTES:
            yield tuple(chunk)
            chunk, held = [], 0
    if chunk:
        yield tuple(chunk)


def _bytes(item: Any) -> int:
    """The size of the file an item names (0 for anything else)."""
    if not isinstance(item, str | os.PathLike):
        return 0
    try:
        return os.path.getsize(item)
    except OSError:
        return 0


def _each(fn: Callable, task: int, chunk: tuple) -> list:
    """fn over a chunk's items, each watched by the parent; one that raises has its exception as its result."""
    out = []
    for position, item in enumerate(chunk):
        try:
            with watch.reading(task, position):
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
            submit = partial(client.submit, _watched, fn, threads=_threads_beside(client), pure=False)
            for item, future in in_order(submit, deque(items), window, deque()):
                try:
                    result = future.result()
                except Exception as exc:  # KilledWorker: the task's worker died, more than once
                    result = exc
                future.release()
                yield item, result
        finally:
            if cluster is not None:
                # Our own cluster, closing: a worker's heartbeat may meet the scheduler already
                # gone, which distributed logs as an error with its traceback, after the batch
                # has told its outcome.
                with contextlib.suppress(Exception):
                    client.run(_quiet)
            client.close()
            if cluster is not None:
                cluster.close()


def _quiet() -> None:
    """On a Dask worker of gidr-etl's own local cluster, as it closes: distributed's logs off."""
    logging.getLogger("distributed").setLevel(logging.CRITICAL)


# On a Dask worker's thread: its watched pool of one, kept from task to task (a fork per
# file cost 0.07 s, more than reading a TXT report), and the tasks it was given.
_kept = threading.local()


def _threads_beside(client) -> dict[str, int]:
    """Each Dask worker's address → the tasks its machine runs at once, its own and those of
    the workers beside it (`dask worker --nworkers N`; gidr-etl's own local cluster)."""
    try:
        workers = client.scheduler_info(n_workers=-1)["workers"]
    except TypeError:  # a distributed release whose scheduler_info lists every worker anyway
        workers = client.scheduler_info()["workers"]
    on_host: dict[str, int] = {}
    for info in workers.values():
        on_host[info["host"]] = on_host.get(info["host"], 0) + int(info["nthreads"])
    return {address: on_host[info["host"]] for address, info in workers.items()}


def _share(threads: dict[str, int]) -> int:
    """On a Dask worker: its share of its machine's cores for one task's reader threads."""
    from distributed import get_worker

    worker = get_worker()
    return max(1, all_cores() // max(threads.get(worker.address, worker.state.nthreads), 1))


def _watched(fn: Callable, item: Any, threads: dict[str, int]) -> Any:
    """A Dask task: fn(item) read in a child of the Dask worker, which watches it as the
    local pool's parent watches its workers (watch.py). A file past a limit (a
    decompression bomb in C code) is killed there, at the limit, and its error names the
    limit; the Dask worker, and the batch, go on. Without limits, or without /proc to
    watch from, fn runs in the Dask worker itself. Either way its reader's threads are the
    worker's share of the machine's cores (`threads`: _threads_beside)."""
    given = getattr(fn, "limits", None)
    share = _share(threads)
    if not (given and watch.available()):
        os.environ[WORKER_CORES] = str(share)
        return fn(item)
    process = multiprocessing.current_process()
    if process.daemon:
        # Dask's nanny starts its workers as daemons, which multiprocessing forbids children:
        # the reading child is the worker's to wait for, and dies with it (_die_with_parent).
        process.daemon = False
    pool = getattr(_kept, "pool", None)
    if pool is None or pool.watch is None or pool.watch.limits != given:
        if pool is not None:
            pool.__exit__(None, None, None)
        pool = _kept.pool = _Pool(fn, 1, share)
    _kept.task = task = getattr(_kept, "task", 0) + 1
    try:
        return pool.submit(task, (item,), fn).result()[0]
    except BrokenProcessPool:  # its child died, killed at a limit or not: the next task makes another
        _kept.pool = None
        pool.__exit__(None, None, None)  # its child reaped: how it ended is known
        return pool.lost(task, 0) or pool.died()


@hookimpl
def register_executors(register):
    register(LocalPool())
    register(DaskExecutor())
