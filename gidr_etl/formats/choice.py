"""Choosing the format that reads a file, and falling back when a format's plugin crashes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from gidr_etl.errors import ExtractionError, one_line
from gidr_etl.formats.base import InputFormat
from gidr_etl.model import Document
from gidr_etl.plugins import formats


def ranked_formats(
    path: Path, head: bytes, available: list[InputFormat] | None = None, crashes: list[str] | None = None
) -> list[InputFormat]:
    """The formats that accept `path`, surest first, then by priority.

    A format whose sniff raises is a plugin bug, not a verdict on the file: it is left
    out and the crash noted in `crashes`.
    """
    ranked = []
    for order, fmt in enumerate(available if available is not None else formats()):
        try:
            sure = fmt.sniff(path, head)
        except Exception as exc:
            if crashes is not None:
                crashes.append(f"format {fmt.name!r} crashed sniffing: {one_line(exc)}")
            continue
        if sure is not None:
            # Ties keep registration order: the first registered wins.
            ranked.append(((-sure, -fmt.priority, order), fmt))
    return [fmt for _, fmt in sorted(ranked, key=lambda pair: pair[0])]


def choose_format(path: Path, head: bytes, available: list[InputFormat] | None = None) -> InputFormat | None:
    """The format that reads `path`: the surest, then the highest priority."""
    ranked = ranked_formats(path, head, available)
    return ranked[0] if ranked else None


def read_document(
    path: Path,
    head: bytes,
    size: int,
    max_bytes: int | None = None,
    trying: Callable[[InputFormat], None] | None = None,
) -> tuple[Document, list[str]]:
    """The Document of the surest format that reads `path`, and the crashes met on the way.

    An ExtractionError is that format's verdict on the file. Any other exception is a
    bug in the plugin, not in the file: the next format that accepts the file gets
    its turn, and the crash is kept as a warning (or is the error if none is left).
    `max_bytes` overrides each format's own size limit; `trying` hears of each format tried.
    """
    if size == 0:  # said once here, so no format's parser words it its own way
        raise ExtractionError("empty file")
    crashes: list[str] = []
    for fmt in ranked_formats(path, head, None, crashes):
        if trying is not None:
            trying(fmt)
        limit = max_bytes or fmt.max_bytes
        if limit and size > limit:
            raise ExtractionError(f"file too large: {_mb(size)} (limit {_mb(limit)} for {fmt.name}; see --max-size)")
        try:
            doc = fmt.extract(path)
        except ExtractionError as exc:
            if crashes:  # the file is bad, but say the plugins crashed on it too
                raise ExtractionError("; ".join([one_line(exc), *crashes])) from exc
            raise
        except Exception as exc:
            crashes.append(f"format {fmt.name!r} crashed: {one_line(exc)}")
            continue
        return doc, crashes
    if crashes:
        raise ExtractionError("; ".join(crashes))
    raise ExtractionError(f"no input format accepts this file ({path.suffix or 'no extension'})")


def _mb(n: int) -> str:
    return f"{n / 2**20:.1f} MB"
