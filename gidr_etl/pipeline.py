"""Ingesting files: discover, pick a format, extract, build the report, load; one writer.

Each file is processed in isolation (in a worker process when --workers > 1): any
failure becomes that file's one-line error, recorded in the files table, and the
batch goes on. Only the main process writes to the database.
"""
from __future__ import annotations

import hashlib
import os
import stat
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable, Iterable, Iterator

from . import __version__
from .core import build_report
from .db import bulk, open_db, store
from .executors import all_cores, get_executor
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
    outdated: int = 0  # skipped, though read by another extractor version
    cells: int = 0
    findings: dict[str, int] = field(default_factory=lambda: {"error": 0, "warning": 0})
    failed: list[tuple[str, str]] = field(default_factory=list)


def discover(paths: Iterable[Path]) -> Iterator[Path | tuple[Path, str]]:
    """Files under `paths`, sorted; an entry that cannot be read as (path, reason)."""
    for root in paths:
        if root.is_dir():
            yield from _walk(root, frozenset({_folder_id(root)}))
        else:
            yield root


def _folder_id(path) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_dev, st.st_ino


def _walk(folder: Path, above: frozenset) -> Iterator[Path | tuple[Path, str]]:
    # Symlinked folders are followed (an archive may link others in); one leading back
    # to a folder above it is a loop: reported, not followed.
    try:
        with os.scandir(folder) as it:
            entries = sorted((e for e in it if not e.name.startswith(".")), key=lambda e: e.name)
    except OSError as exc:
        yield folder, f"cannot read folder: {exc.strerror or exc}"
        return
    folders, files = [], []
    for entry in entries:
        (folders if _is_dir(entry) else files).append(entry)
    yield from (Path(e.path) for e in files)
    for entry in folders:
        try:
            key = _folder_id(entry.path)
        except OSError as exc:  # gone or changed since it was listed
            yield Path(entry.path), f"cannot read folder: {exc.strerror or exc}"
            continue
        if key in above:
            yield Path(entry.path), "symlink loop: leads back to a folder above it"
        else:
            yield from _walk(Path(entry.path), above | {key})


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # a broken or looping link is a file that cannot be read
        return False


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# What a path that is not a regular file is, for its error (a pipe would block a read).
NOT_REGULAR = {stat.S_IFIFO: "a named pipe", stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a device",
               stat.S_IFBLK: "a device", stat.S_IFDIR: "a folder"}


def process_file(path: str, max_bytes: int | None = None) -> Outcome:
    """Extract and build one file's report; never raises.

    `max_bytes` overrides each format's own limit on the size of file it reads.
    """
    started = time.perf_counter()
    out = Outcome(path)
    try:
        p = Path(path)
        out.size = p.stat().st_size
        out.sha256 = sha256_of(p)
        with p.open("rb") as f:
            head = f.read(HEAD_BYTES)
        doc = _extract(p, head, out, max_bytes)
        out.report = build_report(doc)
        out.report.findings.extend(Finding("plugin_crashed", "warning", None, None, None, w) for w in out.warnings)
        out.status = OK
    except Exception as exc:  # isolation: one bad file is one recorded error
        out.error = one_line(exc)
    out.seconds = time.perf_counter() - started
    return out


def _extract(path: Path, head: bytes, out: Outcome, max_bytes: int | None) -> Document:
    """The Document of the surest format that reads `path`.

    An ExtractionError is that format's verdict on the file. Any other exception is a
    bug in the plugin, not in the file: the next format that accepts the file gets
    its turn, and the crash is kept as a warning (or is the error if none is left).
    """
    crashes: list[str] = []
    candidates = ranked_formats(path, head, formats(), crashes)
    for fmt in candidates:
        out.plugin = fmt.name
        limit = max_bytes or getattr(fmt, "max_bytes", None)
        if limit and out.size > limit:
            raise ExtractionError(f"file too large: {_mb(out.size)} (limit {_mb(limit)} for {fmt.name}; see --max-size)")
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


def _mb(n: int) -> str:
    return f"{n / 2**20:.1f} MB"


def _regular_file(path: Path) -> os.stat_result:
    """The file's stat; OSError when it is not a regular file that can be read."""
    st = path.stat()
    kind = NOT_REGULAR.get(stat.S_IFMT(st.st_mode))
    if kind:
        raise OSError(f"not a regular file ({kind})")
    return st


def _loaded(db, sha: str) -> dict | None:
    """The report already loaded from this content, if any."""
    return next(db.query("select id, format, extractor_version from reports where source_sha256 = ?", [sha]), None)


def _needs_reading(loaded: dict | None, force: bool, reprocess_outdated: bool) -> bool:
    # Loaded content is skipped whatever version read it: re-reading a whole collection
    # on every upgrade is costly, so that waits for --reprocess-outdated. A file that
    # failed was never loaded, so it is tried again.
    if force or loaded is None:
        return True
    return reprocess_outdated and loaded["extractor_version"] != __version__


def ingest(paths: list[Path], db_path: Path, workers: int = 1, force: bool = False,
           reprocess_outdated: bool = False, max_bytes: int | None = None,
           progress: Callable[[Outcome], None] | None = None, executor: str = "local") -> Summary:
    """Ingest every file under `paths` into the database at `db_path`.

    `workers` 0 means every core; `executor` names where extraction runs (gidr_etl.executors).
    """
    engine, address = get_executor(executor)
    workers = workers or all_cores()
    db = open_db(db_path)
    summary = Summary()
    todo: list[str] = []
    own = {os.path.realpath(db_path.with_name(db_path.name + suffix)) for suffix in ("", "-wal", "-shm", "-journal")}
    for item in discover(paths):
        if isinstance(item, tuple):
            _record(db, summary, Outcome(str(item[0]), error=item[1]), progress)
            continue
        if os.path.realpath(item) in own:
            continue  # the database being written may sit in the folder being read
        try:
            size = _regular_file(item).st_size
            sha = sha256_of(item)
        except OSError as exc:
            _record(db, summary, Outcome(str(item), error=f"cannot read: {exc.strerror or exc}"), progress)
            continue
        loaded = _loaded(db, sha)
        if _needs_reading(loaded, force, reprocess_outdated):
            todo.append(str(item))
        else:
            _skip(db, summary, Outcome(str(item), sha, size, loaded["format"], SKIPPED), loaded, progress)
    work = partial(process_file, max_bytes=max_bytes)
    with bulk(db, len(todo)):
        if len(todo) > 1 and (workers > 1 or engine.name != "local"):
            for path, result in engine.map(work, todo, workers, address):
                if not isinstance(result, Outcome):  # the worker died under this file
                    result = Outcome(path, error=f"worker died: {one_line(result)}")
                _record(db, summary, result, progress)
        else:
            for path in todo:
                _record(db, summary, work(path), progress)
    from .chains import recompute
    from .research import prepare

    recompute(db)  # cross-report checks see every report, old and new
    after_load(db)
    prepare(db)
    db.conn.close()
    return summary


def after_load(db) -> None:
    """Mark copies of one report, so that each report counts once (copies.py)."""
    from .copies import recompute

    recompute(db)


def _skip(db, summary: Summary, outcome: Outcome, loaded: dict, progress) -> None:
    """A file whose content is loaded: only its files row may need to say so."""
    summary.files += 1
    summary.skipped += 1
    summary.outdated += loaded["extractor_version"] != __version__
    row = next(db.query("select sha256, status, report_id from files where path = ?", [outcome.path]), None)
    if row != {"sha256": outcome.sha256, "status": OK, "report_id": loaded["id"]}:
        store(db, {**outcome.file_row(), "status": OK, "report_id": loaded["id"]}, None)
    if progress:
        progress(outcome)


def _record(db, summary: Summary, outcome: Outcome, progress) -> None:
    summary.files += 1
    _set_aside_template(outcome)
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
    elif outcome.status == FAILED:
        summary.failed.append((outcome.path, outcome.error or "failed"))
    if progress:
        progress(outcome)


def _set_aside_template(outcome: Outcome) -> None:
    """A blank template is a file, not a report: recorded in files only (copies.py)."""
    from .copies import TEMPLATE, is_blank_template

    if outcome.status == OK and outcome.report is not None and is_blank_template(outcome.report):
        outcome.status, outcome.report = TEMPLATE, None
