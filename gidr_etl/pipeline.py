"""Ingesting files: discover, pick a format, extract, build the report, load; one writer.

Each file is processed in isolation (in a worker process when --workers > 1): any
failure becomes that file's one-line error, recorded in the files table, and the
batch goes on. Only the main process writes to the database.
"""
from __future__ import annotations

import hashlib
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from . import __version__
from .core import build_report
from .db import open_db, store
from .formats import HEAD_BYTES, ExtractionError, formats, one_line, ranked_formats
from .model import Document
from .report import Finding, Report

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
    # Plugins that crashed on this file while another format read it.
    warnings: list[str] = field(default_factory=list)

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
        doc = _extract(p, head, out)
        out.report = build_report(doc)
        out.report.findings.extend(Finding("plugin_crashed", "warning", None, None, None, w) for w in out.warnings)
        out.status = OK
    except Exception as exc:  # isolation: one bad file is one recorded error
        out.error = one_line(exc)
    out.seconds = time.perf_counter() - started
    return out


def _extract(path: Path, head: bytes, out: Outcome) -> Document:
    """The Document of the surest format that reads `path`.

    An ExtractionError is that format's verdict on the file. Any other exception is a
    bug in the plugin, not in the file: the next format that accepts the file gets
    its turn, and the crash is kept as a warning (or is the error if none is left).
    """
    crashes: list[str] = []
    candidates = ranked_formats(path, head, formats(), crashes)
    for fmt in candidates:
        out.plugin = fmt.name
        try:
            doc = fmt.extract(path)
        except ExtractionError as exc:
            if crashes:  # the file is bad, but say the plugins crashed on it too
                raise ExtractionError("; ".join([one_line(exc), *crashes])) from exc
            raise
        except Exception as exc:
            crashes.append(f"format {fmt.name!r} crashed: {one_line(exc)}")
            continue
        out.warnings = crashes
        return doc
    if crashes:
        raise ExtractionError("; ".join(crashes))
    raise ExtractionError(f"no input format accepts this file ({path.suffix or 'no extension'})")


def _already_loaded(db, path: Path) -> bool:
    """Whether this exact content was loaded by this extractor version."""
    sha = sha256_of(path)
    rows = list(db.query("select id, extractor_version from reports where source_sha256 = ?", [sha]))
    return bool(rows) and rows[0]["extractor_version"] == __version__


def ingest(paths: list[Path], db_path: Path, workers: int = 1, force: bool = False,
           progress: Callable[[Outcome], None] | None = None) -> Summary:
    """Ingest every file under `paths` into the database at `db_path`."""
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
    if workers > 1 and len(todo) > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for outcome in pool.map(process_file, todo, chunksize=4):
                _record(db, summary, outcome, progress)
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
