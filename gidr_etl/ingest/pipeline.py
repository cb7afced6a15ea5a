"""Ingesting files: discover, pick a format, extract, build the report, load; one writer.

Each file is processed in isolation (in a worker process when --workers > 1): any
failure becomes that file's one-line error, recorded in the files table, and the
batch goes on. Only the main process writes to the database.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from gidr_etl.core import build_report
from gidr_etl.database.copies import TEMPLATE, is_blank_template
from gidr_etl.database.derived import refresh
from gidr_etl.database.load import bulk, open_db, prune, store
from gidr_etl.errors import one_line
from gidr_etl.formats.base import HEAD_BYTES, all_cores
from gidr_etl.formats.choice import read_document
from gidr_etl.ingest import claims, limits, relative_rows
from gidr_etl.ingest.claims import claim, release, wait_for
from gidr_etl.ingest.discover import absolute, discover, display_path, regular_file, sha256_of
from gidr_etl.ingest.executors import get_executor
from gidr_etl.ingest.watch import Limited, Limits, WorkerLost
from gidr_etl.plugins import formats, label_variants, rules
from gidr_etl.report import Finding, Report, bilingual
from gidr_etl.template.vocabulary import vocabulary
from gidr_etl.text.normalize import to_simplified
from gidr_etl.version import EXTRACTOR_VERSION

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
        return {
            "path": display_path(self.path),
            "path_bytes": os.fsencode(self.path),
            "sha256": self.sha256,
            "size": self.size,
            "plugin": self.plugin,
            "status": self.status,
            "error": self.error,
            "seconds": round(self.seconds, 4),
        }


@dataclass
class Summary:
    files: int = 0
    reports: int = 0
    skipped: int = 0
    copies: int = 0  # same content as another file of the batch: loaded once
    templates: int = 0  # blank templates read: kept as files, never counted as reports
    # of the reports loaded, those another report (other content, same agency and year)
    # already counts (database/copies.py): reports - repeated are the distinct ones
    repeated: int = 0
    report_ids: list[int] = field(default_factory=list)  # the reports loaded, for `repeated`
    pruned_files: int = 0
    pruned_reports: int = 0
    outdated: int = 0  # skipped, though read by another extractor version
    cells: int = 0
    findings: dict[str, int] = field(default_factory=lambda: {"error": 0, "warning": 0})
    failed: list[tuple[str, str]] = field(default_factory=list)


def process_file(
    path: str,
    max_bytes: int | None = None,
    hashed: bool = False,
    seconds: float | None = limits.DEFAULT_SECONDS,
    memory_mb: int | None = limits.DEFAULT_MEMORY_MB,
) -> Outcome:
    """Extract and build one file's report, within the time and memory limits; never raises.

    `max_bytes` overrides each format's own limit on the size of file it reads;
    `hashed`: the caller hashed the file already and fills in `sha256` itself.
    """
    started = time.perf_counter()
    out = Outcome(path)
    formats()  # plugins load (once) outside the limits: they are not this file's cost
    try:
        with limits.bounded(seconds, memory_mb):
            _read_file(Path(path), out, max_bytes, hashed)
    except MemoryError:
        out.error = f"out of memory: reading needed over {memory_mb} MB (see --max-memory)"
    except Exception as exc:  # isolation: one bad file is one recorded error
        out.error = one_line(exc)
    out.seconds = time.perf_counter() - started
    return out


def warm_up() -> None:
    """Make what reading any file needs once per process (the registries, the template
    vocabulary, the Traditional→Simplified converter): called before the workers fork,
    they inherit it rather than each paying for it on its first file."""
    for make in (formats, rules, label_variants, vocabulary):
        make()
    to_simplified("")


def _read_file(p: Path, out: Outcome, max_bytes: int | None, hashed: bool) -> None:
    """Read `p` into `out`: its size, hash (unless `hashed`), format, report."""
    out.size = p.stat().st_size
    if not hashed:
        out.sha256 = sha256_of(p)
    with p.open("rb") as f:
        head = f.read(HEAD_BYTES)
    doc, out.warnings = read_document(p, head, out.size, max_bytes, trying=lambda fmt: setattr(out, "plugin", fmt.name))
    out.report = build_report(doc)
    out.report.findings.extend(
        Finding("plugin_crashed", "warning", None, None, None, bilingual("读取插件出错，已改由下一个可读的格式读取", w))
        for w in out.warnings
    )
    out.status = OK


def _loaded(db, sha: str) -> dict | None:
    """The report already loaded from this content, if any."""
    return next(
        db.query("select id, format, extractor_version, is_template from reports where source_sha256 = ?", [sha]),
        None,
    )


def _needs_reading(loaded: dict | None, force: bool, reprocess_outdated: bool) -> bool:
    # Loaded content is skipped whatever version read it: re-reading a whole collection
    # on every upgrade is costly, so that waits for --reprocess-outdated. A file that
    # failed was never loaded, so it is tried again.
    if force or loaded is None:
        return True
    return reprocess_outdated and loaded["extractor_version"] != EXTRACTOR_VERSION


def ingest(
    paths: list[Path],
    db_path: Path,
    workers: int = 1,
    force: bool = False,
    reprocess_outdated: bool = False,
    max_bytes: int | None = None,
    progress: Callable[[Outcome], None] | None = None,
    executor: str = "local",
    seconds: float | None = limits.DEFAULT_SECONDS,
    memory_mb: int | None = limits.DEFAULT_MEMORY_MB,
    prune_missing: bool = False,
) -> Summary:
    """Ingest every file under `paths` into the database at `db_path`.

    `workers` 0 means every core; `executor` names where extraction runs (gidr_etl.ingest.executors);
    `seconds` and `memory_mb` bound the reading of each file (None: no limit);
    `prune_missing` forgets the files under `paths` that are gone, and their reports.
    """
    engine, address = get_executor(executor)
    workers = workers or all_cores()
    db = open_db(db_path)
    summary = Summary()
    paths = [absolute(p) for p in paths]
    relative_rows.adopt(db, paths)
    if prune_missing or force or reprocess_outdated:
        # #22: reports dropped or re-read keep their derived rows up in the transaction
        # that drops or replaces them (database/load.py), from an up-to-date derived state.
        refresh(db)
    if prune_missing:
        summary.pruned_files, summary.pruned_reports = prune(db, [str(p) for p in paths if p.is_dir()])
    todo: dict[str, str] = {}  # path → sha256: each file is hashed once, here
    sizes: dict[str, int] = {}
    own = {
        os.path.realpath(db_path.with_name(db_path.name + suffix))
        for suffix in ("", "-wal", "-shm", "-journal", claims.LOCK_SUFFIX)
    }
    for item in discover(paths):
        if isinstance(item, tuple):
            _record(db, summary, Outcome(str(item[0]), error=item[1]), progress)
            continue
        if os.path.realpath(item) in own:
            continue  # the database being written may sit in the folder being read
        try:
            size = regular_file(item).st_size
            sha = sha256_of(item)
        except OSError as exc:
            _record(db, summary, Outcome(str(item), error=f"cannot read: {exc.strerror or exc}"), progress)
            continue
        loaded = _loaded(db, sha)
        if loaded is None or _needs_reading(loaded, force, reprocess_outdated):
            todo[str(item)], sizes[str(item)] = sha, size
        else:
            _skip(db, summary, Outcome(str(item), sha, size, loaded["format"], SKIPPED), loaded, progress)
    # One read per content: a file whose content an earlier file of this batch holds
    # waits for that file's report; content another running ingest claimed waits for it.
    first: dict[str, str] = {}
    copies = [(path, sha) for path, sha in todo.items() if first.setdefault(sha, path) != path]
    for path, _ in copies:
        del todo[path]
    if todo:
        warm_up()
    try:
        elsewhere = claim(db, todo.values())
        mine = {path: sha for path, sha in todo.items() if sha not in elsewhere}
        work = Limited(
            partial(process_file, max_bytes=max_bytes, hashed=True, seconds=seconds, memory_mb=memory_mb),
            Limits(seconds, memory_mb),
        )
        failed = _read(db, summary, mine, work, workers, engine, address, progress)
        if elsewhere:
            loaded = wait_for(db, elsewhere)
            left = {path: sha for path, sha in todo.items() if sha in elsewhere and not loaded[sha]}
            failed |= _read(db, summary, left, work, workers, engine, address, progress)
            for path, sha in todo.items():
                if loaded.get(sha):
                    _same_content(db, summary, Outcome(path, sha, sizes[path], status=SKIPPED), progress, skipped=True)
        for path, sha in copies:
            if sha in failed:
                error = f"same content as {display_path(first[sha])}, which failed: {failed[sha]}"
                _record(db, summary, Outcome(path, sha, sizes[path], error=error), progress)
            else:
                _same_content(db, summary, Outcome(path, sha, sizes[path], status=SKIPPED), progress, skipped=False)
    finally:
        release(db)
    refresh(db)  # keys, chains, copies, pivots, search: for what this batch (or a killed one) changed
    summary.repeated = _repeated(db, summary.report_ids)
    db.conn.close()
    return summary


def _repeated(db, report_ids: list[int]) -> int:
    """How many of these reports are copies of another report (reports.duplicate_of set)."""
    chunk = 500  # SQLite's older builds take 999 bound variables at most
    return sum(
        db.conn.execute(
            f"select count(*) from reports where duplicate_of is not null and id in ({','.join('?' * len(part))})",
            part,
        ).fetchone()[0]
        for part in (report_ids[i : i + chunk] for i in range(0, len(report_ids), chunk))
    )


def _read(
    db, summary: Summary, todo: dict[str, str], work: Callable[[str], Outcome], workers: int, engine, address, progress
) -> dict[str, str]:
    """Read (`work`) and load the files of `todo` (path → sha256); returns the failed ones' sha → error."""
    failed: dict[str, str] = {}
    # Always in workers, even one: a reader in C that aborts when it hits the memory
    # limit (pdfium does) takes its worker down, never the process writing the database.
    results = engine.map(work, list(todo), max(1, min(workers, len(todo))), address) if todo else iter(())
    with bulk(db, len(todo)):
        for path, result in results:
            if isinstance(result, WorkerLost):  # killed at a limit, or died: the reason is known
                result = Outcome(path, error=str(result))
            elif not isinstance(result, Outcome):  # the worker died under this file, how is not known
                result = Outcome(
                    path,
                    error=f"worker died (a crash, out of memory, or stuck past the time limit): {one_line(result)}",
                )
            result.sha256 = todo[path]
            _record(db, summary, result, progress)
            if result.status == FAILED:  # a blank template (status template) was loaded
                failed[todo[path]] = result.error or "failed"
                release(db, todo[path])
    return failed


def _same_content(db, summary: Summary, outcome: Outcome, progress, skipped: bool) -> None:
    """A file whose content was loaded meanwhile, from another file of this batch (or, when
    `skipped`, by another ingest): its files row points at that report."""
    assert outcome.sha256 is not None  # the batch hashed every file before reading any
    loaded = _loaded(db, outcome.sha256)
    assert loaded is not None
    outcome.plugin = loaded["format"]
    summary.copies += not skipped
    _skip(db, summary, outcome, loaded, progress, count=skipped)


def _skip(db, summary: Summary, outcome: Outcome, loaded: dict, progress, count: bool = True) -> None:
    """A file whose content is loaded: only its files row may need to say so."""
    summary.files += 1
    if count:
        summary.skipped += 1
        summary.outdated += loaded["extractor_version"] != EXTRACTOR_VERSION
    row = next(
        db.query("select sha256, status, report_id from files where path = ?", [display_path(outcome.path)]), None
    )
    status = TEMPLATE if loaded["is_template"] else OK
    if row != {"sha256": outcome.sha256, "status": status, "report_id": loaded["id"]}:
        store(db, {**outcome.file_row(), "status": status, "report_id": loaded["id"]}, None)
    if progress:
        progress(outcome)


def _record(db, summary: Summary, outcome: Outcome, progress) -> None:
    summary.files += 1
    _set_aside_template(outcome)
    report_id = None
    try:
        report_id = store(db, outcome.file_row(), outcome.report)
    except Exception as exc:  # a report the database refuses is that file's error
        outcome.status, outcome.error, outcome.report = FAILED, f"cannot load: {one_line(exc)}", None
        store(db, outcome.file_row(), None)
    if outcome.status == TEMPLATE:
        summary.templates += 1
    elif outcome.status == OK and outcome.report is not None:
        summary.reports += 1
        if report_id is not None:
            summary.report_ids.append(report_id)
        summary.cells += sum(1 for c in outcome.report.cells.values() if c.value is not None)
        for f in outcome.report.findings:
            summary.findings[f.severity] = summary.findings.get(f.severity, 0) + 1
    elif outcome.status == FAILED:
        summary.failed.append((display_path(outcome.path), outcome.error or "failed"))
    if progress:
        progress(outcome)


def _set_aside_template(outcome: Outcome) -> None:
    """A blank template is a file, not a report: status template, never counted (database/copies.py)."""
    if outcome.status == OK and outcome.report is not None and is_blank_template(outcome.report):
        outcome.status = TEMPLATE
