"""Ingesting files: discover, pick a format, extract, build the report, load; one writer.

Each file is processed in isolation (in a worker process when --workers > 1): any
failure becomes that file's one-line error, recorded in the files table, and the
batch goes on. Only the main process writes to the database.
"""
from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from . import __version__
from .core import build_report
from .db import bulk, open_db, store
from .executors import all_cores, get_executor
from .formats import HEAD_BYTES, ExtractionError, choose_format, formats
from .report import Report

OK, FAILED, SKIPPED = "ok", "failed", "skipped"


@dataclass
class Outcome:
    """What became of one file."""

    path: str
    sha256: str | None = None
    size: int | None = None
    plugin: str | None = None
    status: str = FAILED
    error: str | None = None
    seconds: float = 0.0
    report: Report | None = None

    def file_row(self) -> dict:
        return {"path": self.path, "sha256": self.sha256, "size": self.size, "plugin": self.plugin,
                "status": self.status, "error": self.error, "seconds": round(self.seconds, 4)}


@dataclass
class Summary:
    files: int = 0
    reports: int = 0
    skipped: int = 0
    cells: int = 0
    findings: dict[str, int] = field(default_factory=lambda: {"error": 0, "warning": 0})
    failed: list[tuple[str, str]] = field(default_factory=list)


def discover(paths: Iterable[Path]) -> Iterator[Path | tuple[Path, str]]:
    """Files under `paths`, sorted; an unreadable entry as (path, reason)."""
    for root in paths:
        if root.is_file():
            yield root
            continue
        errors: list[OSError] = []
        # followlinks=False: a symlink loop in the folder cannot recurse forever.
        for folder, dirs, files in os.walk(root, onerror=errors.append, followlinks=False):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if not name.startswith("."):
                    yield Path(folder) / name
        for err in errors:
            yield Path(err.filename or root), f"cannot read folder: {err.strerror or err}"


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, ExtractionError):
        return text or "cannot be read"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def process_file(path: str) -> Outcome:
    """Extract and build one file's report; never raises."""
    started = time.perf_counter()
    out = Outcome(path)
    try:
        p = Path(path)
        out.size = p.stat().st_size
        out.sha256 = sha256_of(p)
        with p.open("rb") as f:
            head = f.read(HEAD_BYTES)
        fmt = choose_format(p, head, formats())
        if fmt is None:
            raise ExtractionError(f"no input format accepts this file ({p.suffix or 'no extension'})")
        out.plugin = fmt.name
        doc = fmt.extract(p)
        out.report = build_report(doc)
        out.status = OK
    except Exception as exc:  # isolation: one bad file is one recorded error
        out.error = one_line(exc)
    out.seconds = time.perf_counter() - started
    return out


def _already_loaded(db, path: Path) -> bool:
    """Whether this exact content was loaded by this extractor version."""
    sha = sha256_of(path)
    rows = list(db.query("select id, extractor_version from reports where source_sha256 = ?", [sha]))
    return bool(rows) and rows[0]["extractor_version"] == __version__


def ingest(paths: list[Path], db_path: Path, workers: int = 1, force: bool = False,
           progress: Callable[[Outcome], None] | None = None, executor: str = "local") -> Summary:
    """Ingest every file under `paths` into the database at `db_path`.

    `workers` 0 means every core; `executor` names where extraction runs (gidr_etl.executors).
    """
    engine, address = get_executor(executor)
    workers = workers or all_cores()
    db = open_db(db_path)
    summary = Summary()
    todo: list[str] = []
    own = {db_path.resolve().with_name(db_path.name + suffix) for suffix in ("", "-wal", "-shm", "-journal")}
    for item in discover(paths):
        if not isinstance(item, tuple) and item.resolve() in own:
            continue  # the database being written may sit in the folder being read
        if isinstance(item, tuple):
            _record(db, summary, Outcome(str(item[0]), error=item[1]), progress)
            continue
        try:
            if not force and _already_loaded(db, item):
                summary.files += 1
                summary.skipped += 1
                continue
        except OSError as exc:
            _record(db, summary, Outcome(str(item), error=f"cannot read: {exc.strerror or exc}"), progress)
            continue
        todo.append(str(item))
    with bulk(db, len(todo)):
        if len(todo) > 1 and (workers > 1 or engine.name != "local"):
            for path, result in engine.map(process_file, todo, workers, address):
                if not isinstance(result, Outcome):  # the worker died under this file
                    result = Outcome(path, error=f"worker died: {one_line(result)}")
                _record(db, summary, result, progress)
        else:
            for path in todo:
                _record(db, summary, process_file(path), progress)
    from .research import prepare

    prepare(db)
    db.conn.close()
    return summary


def _record(db, summary: Summary, outcome: Outcome, progress) -> None:
    summary.files += 1
    try:
        store(db, outcome.file_row(), outcome.report)
    except Exception as exc:  # a report the database refuses is that file's error
        outcome.status, outcome.error, outcome.report = FAILED, f"cannot load: {one_line(exc)}", None
        store(db, outcome.file_row(), None)
    if outcome.status == OK and outcome.report is not None:
        summary.reports += 1
        summary.cells += sum(1 for c in outcome.report.cells.values() if c.value is not None)
        for f in outcome.report.findings:
            summary.findings[f.severity] = summary.findings.get(f.severity, 0) + 1
    else:
        summary.failed.append((outcome.path, outcome.error or "failed"))
    if progress:
        progress(outcome)
