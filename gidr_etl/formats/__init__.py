"""Input formats: the interface a format plugin implements, and choosing one for a file."""
from __future__ import annotations

from pathlib import Path

from ..model import Document

# How much of a file the formats see when asked whether they accept it.
HEAD_BYTES = 4096

# A report's text is tens of KB; the core reads text at about 2 MB/s and 20 MB of
# memory a MB, so a text file past this is not a report (8 MB: ~4 s, ~170 MB).
TEXT_MAX_BYTES = 8 * 2**20


class ExtractionError(Exception):
    """A file that cannot be read as a report; the message is the one-line reason."""


def one_line(exc: BaseException) -> str:
    """An exception as a one-line reason: an ExtractionError's own words, else its type too."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, ExtractionError):
        return text or "cannot be read"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class InputFormat:
    """One input format. Subclass it and register an instance in register_formats.

    `sniff` says how sure the format is that it can read the file (None: not at all):
    CONTENT for a match on the bytes themselves, EXTENSION for a match on the name
    only. Among formats equally sure, the higher `priority` wins, so a specific plugin
    can beat a generic one. `max_bytes` is the largest file it reads: past it the file
    fails as too large before reading (`--max-size` overrides it), so a huge junk file
    costs neither minutes nor gigabytes.
    """

    name: str = ""
    extensions: tuple[str, ...] = ()
    priority: int = 0
    max_bytes: int | None = 128 * 2**20

    CONTENT = 2
    EXTENSION = 1

    def sniff(self, path: Path, head: bytes) -> int | None:
        return self.EXTENSION if path.suffix.lower() in self.extensions else None

    def extract(self, path: Path) -> Document:
        raise NotImplementedError


def formats() -> list[InputFormat]:
    """Every registered input format."""
    from ..plugins import call_hook

    found: list[InputFormat] = []
    call_hook("register_formats", register=found.append)
    return found


def ranked_formats(path: Path, head: bytes, available: list[InputFormat] | None = None,
                   crashes: list[str] | None = None) -> list[InputFormat]:
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
