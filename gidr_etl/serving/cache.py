"""Pages kept per database version, answered again without running their SQL; ETag and 304.

Twenty users asking for the same pages at 10,000 reports made Datasette run the same
second-long queries over and over. Here an anonymous GET's response is kept with the time
it was rendered: while no commit to the served databases has been seen since
(freshness.Versions), the kept page is the page. Its ETag is the hash of its bytes, so any
server process that would send the same bytes answers `If-None-Match` with 304, and one
that would send other bytes never does.

The server processes (workers.py) share their pages through files in GIDR_ETL_PAGE_STORE:
a page is rendered once, not once per process, and a reader who was sent a page rendered
after a commit is never sent one from before it by another process.

When an ingest commits, kept pages become stale. A stale page is still sent, marked
x-gidr-stale-for, for at most STALE_S seconds after the commit was seen, while one render
in the background (at most once per freshness.MIN_REDO_S a page) makes the new one: by
workers.py's renderer process, at a lower priority than answering, or in a lone Datasette
by this process. A reader sees an old state or a new one, whole, and never waits behind
every other reader's re-render. Past STALE_S, a request waits for the fresh page (RFC
5861's stale-while-revalidate, bounded).

Requests with a cookie or credentials, other methods, static files and CSV streams pass
through untouched: their responses may depend on who asks or be too big to hold.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import pickle
import time
from collections import OrderedDict
from dataclasses import dataclass

from gidr_etl.serving.freshness import MIN_REDO_S, Versions

# The folder the server processes share pages through, and "1" where a renderer process
# renders stale pages for them (both set by workers.py).
STORE_ENV = "GIDR_ETL_PAGE_STORE"
RENDERER_ENV = "GIDR_ETL_RENDERER"

# How long after a commit a kept page from before it may still be sent, while its new one
# renders. An ingest commits file after file: re-rendering every page of a 10,000-report
# database takes tens of CPU-seconds, so shorter would leave readers waiting on renders.
# Measured (bench/load.py, 10,000 reports, 20 clients, an ingest beside, other work on both
# cores): at 60 s, p95 0.14 s, 398 requests/s, pages 6.4 s stale (median; max 11.7 s); at
# 15 s, 38 requests/s and 12 queries past their time limit; at 5 s, p95 22 s, 4.4 requests/s.
STALE_S = 60.0
# Bytes of pages kept per server process, and the largest page kept.
MAX_BYTES = 96 * 1024 * 1024
MAX_PAGE = 8 * 1024 * 1024
# Background renders at once per process: the rest of the CPU answers requests and ingests.
BACKGROUND = 2
# Pages shared between the processes, at most (each page's newest only).
MAX_SHARED = 4000
# A page asked of the renderer process is asked again if no fresh one came after this.
WANT_S = 60.0
WANT = ".want"
# What of a request's ASGI scope the renderer needs to render its page again.
_SCOPE_KEYS = (
    "type",
    "asgi",
    "http_version",
    "method",
    "scheme",
    "path",
    "raw_path",
    "root_path",
    "query_string",
    "headers",
    "server",
    "client",
)
# Sent with a page from before the latest commit: seconds since that commit was seen.
STALE_HEADER = b"x-gidr-stale-for"
# Browsers keep the page but ask again each time (a 304 costs a hash compare).
CACHE_CONTROL = b"no-cache"

_PASS_PREFIXES = ("/-/static", "/-/static-plugins")
_DROP = {b"cache-control", b"content-length", b"etag", b"transfer-encoding"}


@dataclass
class Page:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: bytes
    rendered_at: float  # time.monotonic() when its render began


class SharedPages:
    """Pages in a folder the server processes share: one pickle per page, replaced whole."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = os.fspath(folder)

    def _path(self, key: tuple) -> str:
        return os.path.join(self.folder, hashlib.blake2b(repr(key).encode(), digest_size=16).hexdigest())

    def get(self, key: tuple) -> Page | None:
        try:
            with open(self._path(key), "rb") as f:
                stored_key, page = pickle.load(f)
        except (OSError, EOFError, pickle.UnpicklingError):
            return None
        return page if stored_key == key else None

    def put(self, key: tuple, page: Page) -> None:
        path = self._path(key)
        tmp = f"{path}.{os.getpid()}.tmp"
        try:
            with open(tmp, "wb") as f:
                pickle.dump((key, page), f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
            self._trim()
        except OSError:  # a full or vanished folder: the page stays this process's own
            with contextlib.suppress(OSError):
                os.unlink(tmp)

    def _trim(self) -> None:
        """Past MAX_SHARED pages, the quarter least recently written go."""
        names = [n for n in os.listdir(self.folder) if "." not in n]
        if len(names) <= MAX_SHARED:
            return
        paths = [os.path.join(self.folder, n) for n in names]
        aged = []
        for path in paths:
            with contextlib.suppress(OSError):
                aged.append((os.stat(path).st_mtime, path))
        for _, path in sorted(aged)[: len(aged) // 4]:
            with contextlib.suppress(OSError):
                os.unlink(path)

    def want(self, key: tuple, scope) -> None:
        """Ask the renderer process (workers.py) for a fresh page of `key`, unless asked already."""
        path = self._path(key) + WANT
        request = {k: scope[k] for k in _SCOPE_KEYS if k in scope}
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            with contextlib.suppress(OSError):
                if time.time() - os.stat(path).st_mtime > WANT_S:
                    os.unlink(path)  # asked of a renderer that died: ask again next time
            return
        except OSError:
            return
        with os.fdopen(fd, "wb") as f:
            pickle.dump((key, request), f, protocol=pickle.HIGHEST_PROTOCOL)

    def wanted(self) -> list[tuple[str, tuple, dict]]:
        """The asks waiting, oldest first: (ask file, key, request scope)."""
        asks = []
        for name in os.listdir(self.folder):
            if name.endswith(WANT):
                path = os.path.join(self.folder, name)
                with contextlib.suppress(OSError, EOFError, pickle.UnpicklingError):
                    with open(path, "rb") as f:
                        key, request = pickle.load(f)
                    asks.append((os.stat(path).st_mtime, path, key, request))
        return [(path, key, request) for _, path, key, request in sorted(asks, key=lambda a: a[0])]

    @staticmethod
    def done(ask: str) -> None:
        with contextlib.suppress(OSError):
            os.unlink(ask)


class _Recorder:
    """An ASGI `send` that keeps the response; past MAX_PAGE it forwards it to `client` instead."""

    def __init__(self, client=None):
        self.client = client
        self.start: dict | None = None
        self.chunks: list[bytes] = []
        self.size = 0
        self.passed = False  # too big to keep: forwarded (or dropped, with no client)

    async def __call__(self, message):
        if message["type"] == "http.response.start":
            self.start = message
            return
        if message["type"] != "http.response.body":
            return
        if self.passed:
            if self.client:
                await self.client(message)
            return
        self.chunks.append(message.get("body", b""))
        self.size += len(self.chunks[-1])
        if self.size > MAX_PAGE:
            self.passed = True
            if self.client:
                await self.client(self.start)
                await self.client(
                    {
                        "type": "http.response.body",
                        "body": b"".join(self.chunks),
                        "more_body": message.get("more_body", False),
                    }
                )
            self.chunks = []


def _header(scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value
    return None


def _matches(if_none_match: bytes | None, etag: bytes) -> bool:
    if not if_none_match:
        return False
    tags = [t.strip().removeprefix(b"W/") for t in if_none_match.split(b",")]
    return b"*" in tags or etag in tags


async def _no_body():
    return {"type": "http.request", "body": b"", "more_body": False}


class PageCache:
    """ASGI middleware around Datasette's app (plugin.asgi_wrapper)."""

    def __init__(self, app, versions, store: SharedPages | None = None, renderer: bool = False):
        self.app = app
        # With a renderer process (workers.py), stale pages are rendered again there, at a
        # lower priority than answering requests; else here, BACKGROUND at a time.
        self.renderer = renderer
        self._versions = versions  # a Versions, or a callable that makes one on first use
        self.store = store
        self.pages: OrderedDict[tuple, Page] = OrderedDict()
        self.bytes = 0
        self.rendering: dict[tuple, asyncio.Future] = {}
        self._background: asyncio.Semaphore | None = None
        self._tasks: set[asyncio.Task] = set()
        self._scheduled: set[tuple] = set()

    @property
    def versions(self) -> Versions | None:
        if callable(self._versions):
            self._versions = self._versions()
        return self._versions

    @staticmethod
    def keeps(scope) -> bool:
        if scope["type"] != "http" or scope.get("method") != "GET":
            return False
        if _header(scope, b"cookie") or _header(scope, b"authorization"):
            return False
        path = scope.get("path", "")
        return (
            not path.startswith(_PASS_PREFIXES)
            and not path.endswith(".csv")
            and b"_stream" not in scope.get("query_string", b"")
        )

    def _latest(self, key: tuple, versions: Versions) -> tuple[Page | None, float | None]:
        """The newest page kept here or by another process, and when it stopped being current."""
        page = self.pages.get(key)
        superseded = versions.superseded_at(page.rendered_at) if page is not None else None
        if (page is None or superseded is not None) and self.store is not None:
            shared = self.store.get(key)
            if shared is not None and (page is None or shared.rendered_at > page.rendered_at):
                page, superseded = shared, versions.superseded_at(shared.rendered_at)
                self._keep(key, page)
        return page, superseded

    async def __call__(self, scope, receive, send):
        versions = self.versions if self.keeps(scope) else None
        if versions is None:
            return await self.app(scope, receive, send)
        key = (
            scope.get("scheme"),
            _header(scope, b"host"),
            scope.get("root_path", ""),
            scope["path"],
            scope.get("query_string", b""),
        )
        page, superseded = self._latest(key, versions)
        if page is not None:
            now = time.monotonic()
            if superseded is None:
                self.pages.move_to_end(key)
                return await self._reply(page, scope, send)
            if now - superseded < STALE_S:
                if now - page.rendered_at >= MIN_REDO_S:
                    if self.renderer and self.store is not None:
                        self.store.want(key, scope)
                    elif key not in self._scheduled:
                        self._render_later(key, scope, versions)
                return await self._reply(page, scope, send, stale_for=now - superseded)
        waiting = self.rendering.get(key)
        if waiting is not None:
            page = await asyncio.shield(waiting)
            if page is not None:
                return await self._reply(page, scope, send)
            return await self.app(scope, receive, send)
        await self._render(key, scope, receive, send, versions)

    async def _render(self, key, scope, receive, client, versions: Versions) -> Page | None:
        """Render the page for `key`, keep it if it may be kept; with a `client`, answer it."""
        done: asyncio.Future = asyncio.get_running_loop().create_future()
        self.rendering[key] = done
        page = None
        try:
            versions.current()  # a commit made before the render starts is seen before it
            started = time.monotonic()
            recorder = _Recorder(client)
            await self.app(scope, receive, recorder)
            if recorder.passed or recorder.start is None:
                return None
            status = recorder.start["status"]
            headers = [(k.lower(), v) for k, v in recorder.start.get("headers", ())]
            body = b"".join(recorder.chunks)
            if status == 200 and not any(k == b"set-cookie" for k, _ in headers):
                etag = b'"' + hashlib.blake2b(body, digest_size=16).hexdigest().encode() + b'"'
                kept = [(k, v) for k, v in headers if k not in _DROP]
                page = Page(status, kept, body, etag, started)
                self._keep(key, page)
                if self.store is not None:  # before any reply: no process sends older after newer
                    self.store.put(key, page)
            if client:
                if page is not None:
                    await self._reply(page, scope, client)
                else:  # an error or a personal answer: as Datasette made it
                    await client(recorder.start)
                    await client({"type": "http.response.body", "body": body})
            return page
        finally:
            del self.rendering[key]
            done.set_result(page)

    def _render_later(self, key, scope, versions: Versions) -> None:
        if self._background is None:
            self._background = asyncio.Semaphore(BACKGROUND)
        semaphore = self._background

        async def run():
            try:
                async with semaphore:
                    await self.refresh(key, scope, versions)
            finally:
                self._scheduled.discard(key)

        self._scheduled.add(key)
        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def refresh(self, key, scope, versions: Versions) -> bool:
        """Render `key` again unless its newest page is current; whether a current one is kept now.
        On an error the stale page stays (the renderer tries again after MIN_REDO_S)."""
        page, superseded = self._latest(key, versions)
        if key in self.rendering or (page is not None and superseded is None):
            return True  # rendered meanwhile, here or by another process
        try:
            rendered = await self._render(key, dict(scope), _no_body, None, versions)
        except Exception:
            rendered = None
        if rendered is None and page is not None:
            page.rendered_at = time.monotonic()  # not before MIN_REDO_S again
        return rendered is not None

    def _keep(self, key, page: Page) -> None:
        old = self.pages.pop(key, None)
        if old is not None:
            self.bytes -= len(old.body)
        self.pages[key] = page
        self.bytes += len(page.body)
        while self.bytes > MAX_BYTES and self.pages:
            _, dropped = self.pages.popitem(last=False)
            self.bytes -= len(dropped.body)

    async def _reply(self, page: Page, scope, send, stale_for: float | None = None) -> None:
        common = [(b"etag", page.etag), (b"cache-control", CACHE_CONTROL)]
        if stale_for is not None:  # says so: a commit was seen this long before it was sent
            common.append((STALE_HEADER, f"{stale_for:.3f}".encode()))
        if _matches(_header(scope, b"if-none-match"), page.etag):
            vary = [(k, v) for k, v in page.headers if k == b"vary"]
            await send({"type": "http.response.start", "status": 304, "headers": common + vary})
            await send({"type": "http.response.body", "body": b""})
            return
        headers = page.headers + common + [(b"content-length", str(len(page.body)).encode())]
        await send({"type": "http.response.start", "status": page.status, "headers": headers})
        await send({"type": "http.response.body", "body": page.body})


def store_from_env() -> SharedPages | None:
    folder = os.environ.get(STORE_ENV)
    return SharedPages(folder) if folder and os.path.isdir(folder) else None


async def render_wanted(cache: PageCache, versions: Versions, stop, every: float = 0.05) -> None:
    """The renderer process's loop: the pages the serving processes asked for, rendered
    again and shared, BACKGROUND at a time, until `stop` (an asyncio.Event) is set."""
    store = cache.store
    assert store is not None
    failed: dict[tuple, float] = {}  # a page that failed to render (a query past its time limit)
    busy: set[tuple] = set()
    slots = asyncio.Semaphore(BACKGROUND)

    async def render(ask: str, key: tuple, request: dict) -> None:
        try:
            if await cache.refresh(key, request, versions):
                failed.pop(key, None)
                store.done(ask)
            else:  # its ask stays: tried again after a pause, not at every turn
                failed[key] = time.monotonic()
        finally:
            busy.discard(key)
            slots.release()

    tasks: set[asyncio.Task] = set()
    while not stop.is_set():
        for ask, key, request in store.wanted():
            if key in busy or time.monotonic() - failed.get(key, float("-inf")) < MIN_REDO_S:
                continue
            await slots.acquire()
            busy.add(key)
            task = asyncio.get_running_loop().create_task(render(ask, key, request))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
