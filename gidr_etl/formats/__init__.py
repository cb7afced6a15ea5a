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
    from ..plugins import load_plugins

    found: list[InputFormat] = []
    load_plugins().hook.register_formats(register=found.append)
    return found


def choose_format(path: Path, head: bytes, available: list[InputFormat] | None = None) -> InputFormat | None:
    """The format that reads `path`: the surest, then the highest priority."""
    best, best_key = None, None
    for fmt in available if available is not None else formats():
        sure = fmt.sniff(path, head)
        if sure is None:
            continue
        key = (sure, fmt.priority)
        if best_key is None or key > best_key:
            best, best_key = fmt, key
    return best
