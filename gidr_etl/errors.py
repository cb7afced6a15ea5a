"""The errors gidr-etl raises on purpose, and how any exception becomes a one-line reason."""

from __future__ import annotations


class ExtractionError(Exception):
    """A file that cannot be read as a report; the message is the one-line reason."""


class ExecutorError(Exception):
    """An executor that cannot start (a scheduler out of reach, say); the message says why."""


def one_line(exc: BaseException) -> str:
    """An exception as a one-line reason: an ExtractionError's own words, else its type too."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, ExtractionError):
        return text or "cannot be read"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
