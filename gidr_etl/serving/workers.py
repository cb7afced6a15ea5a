"""Several Datasette processes answering on one port: `gidr-etl serve` on every core.

Datasette 0.65 serves from one process: its pages' Python (templates, facets, JSON) holds
one core whatever `num_sql_threads` is. Here a supervisor binds the port once and starts
`--workers` processes that each build the same Datasette from the same `datasette serve`
arguments and accept connections on that one inherited socket; the kernel hands each
connection to a process that is waiting in accept(), so a busy one takes fewer.

    python -m gidr_etl.serving.workers --host 127.0.0.1 --port 8001 --workers 2 -- serve gidr.db -m datasette.yml

Beside them a renderer process, at a lower priority, renders again the pages the serving
processes found stale after a commit (serving/cache.py), so that answering never waits on it.
A worker that dies is started again (one that dies within seconds of starting stops the
server: its arguments are wrong, and starting it again would fail the same way).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import webbrowser

from gidr_etl.serving.cache import RENDERER_ENV, STORE_ENV

# The renderer process's argument where a serving one has its socket's descriptor.
RENDER = "render"

# A worker that exits sooner than this after it started was not going to work.
STARTUP_S = 10.0


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _start(sock: socket.socket | None, datasette_args: list[str]) -> subprocess.Popen:
    """A serving process on `sock`, or without one the renderer process."""
    env = dict(os.environ)
    env[RENDERER_ENV] = "1" if sock else "0"
    where = str(sock.fileno()) if sock else RENDER
    return subprocess.Popen(
        [sys.executable, "-c", "from gidr_etl.serving.workers import worker; worker()", where, *datasette_args],
        pass_fds=[sock.fileno()] if sock else [],
        env=env,
    )


def _open_when_ready(url: str, within: float = 60) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "-/versions.json", timeout=2).read()
            webbrowser.open(url)
            return
        except OSError:
            time.sleep(0.2)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m gidr_etl.serving.workers")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8001)
    ap.add_argument("--workers", type=int, default=default_workers())
    ap.add_argument("--open", action="store_true")
    ap.add_argument("datasette_args", nargs=argparse.REMAINDER)
    args = ap.parse_args(argv)
    datasette_args = args.datasette_args[1:] if args.datasette_args[:1] == ["--"] else args.datasette_args
    try:
        sock = _listen(args.host, args.port)
    except OSError as exc:  # the port taken, or the host not this machine's
        print(f"gidr-etl serve: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    port = sock.getsockname()[1]
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(143))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(0))
    # Pages slow to render are shared between the processes (cache.py), in memory where Linux has it.
    shm = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    store = tempfile.TemporaryDirectory(prefix="gidr-pages-", dir=shm)
    os.environ[STORE_ENV] = store.name
    # Processes: those answering on the socket, and the renderer (index -1).
    procs = {
        i: (_start(sock if i >= 0 else None, datasette_args), time.monotonic()) for i in range(-1, max(1, args.workers))
    }
    host = f"[{args.host}]" if ":" in args.host else args.host
    url = f"http://{host}:{port}/"
    print(f"gidr-etl serve: {url} ({len(procs) - 1} processes and a renderer)", file=sys.stderr, flush=True)
    if args.open:
        _open_when_ready(url)
    code = 0
    try:
        while not stopping:
            time.sleep(0.2)
            for i, (proc, started) in list(procs.items()):
                if proc.poll() is None:
                    continue
                if time.monotonic() - started < STARTUP_S:
                    print(f"gidr-etl serve: a worker exited at start ({proc.returncode})", file=sys.stderr)
                    stopping.append(proc.returncode or 1)
                    break
                print(
                    f"gidr-etl serve: worker {proc.pid} exited ({proc.returncode}); starting another", file=sys.stderr
                )
                procs[i] = (_start(sock if i >= 0 else None, datasette_args), time.monotonic())
        code = stopping[0]
    finally:
        for proc, _ in procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc, _ in procs.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        sock.close()
        store.cleanup()
    return code


def _die_with_parent() -> None:
    # A supervisor killed with SIGKILL cannot stop its workers: Linux can (PR_SET_PDEATHSIG).
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def worker(argv: list[str] | None = None) -> None:
    """One server process: `datasette serve ARGS`'s Datasette, answering on the inherited socket."""
    import asyncio

    import click
    import uvicorn
    from datasette.cli import check_databases
    from datasette.cli import serve as serve_command

    from gidr_etl.serving.plugin import register

    argv = sys.argv[1:] if argv is None else argv
    fd, datasette_args = argv[0], argv[1:]
    _die_with_parent()
    register()
    if datasette_args[:1] == ["serve"]:
        datasette_args = datasette_args[1:]
    try:
        params = serve_command.make_context("serve", list(datasette_args)).params
        ds = serve_command.callback(**params, return_instance=True)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    asyncio.run(ds.invoke_startup())
    asyncio.run(check_databases(ds))
    app = ds.app()
    if fd == RENDER:
        os.nice(10)  # answering requests (and ingesting) comes first
        asyncio.run(_render(ds))
        return
    config = uvicorn.Config(app, lifespan="on", log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[socket.socket(fileno=int(fd))])


async def _render(ds) -> None:
    """The renderer process: pages the serving processes found stale, rendered again, until SIGTERM."""
    import asyncio

    from gidr_etl.serving import cache, plugin

    page_cache, versions = plugin.page_cache(ds), plugin.versions_for(ds)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if page_cache is None or page_cache.store is None or versions is None:
        await stop.wait()  # nothing to render: pages are not kept (GIDR_ETL_PAGE_CACHE=0)
        return
    await cache.render_wanted(page_cache, versions, stop)


if __name__ == "__main__":
    sys.exit(main())
