"""The interface an input-format plugin implements."""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from pathlib import Path

from gidr_etl.model import Document

# How much of a file the formats see when asked whether they accept it.
HEAD_BYTES = 4096

# A report's text is tens of KB; the core reads text at about 2 MB/s and 20 MB of
# memory a MB, so a text file past this is not a report (8 MB: ~4 s, ~170 MB).
TEXT_MAX_BYTES = 8 * 2**20

# The cores a reader may spread one file over in threads of its own. ingest's local workers
# each get their share of the machine's (ingest/executors.py sets it), so that workers ×
# threads make the cores: two workers each reading two scanned pages at once ran no faster
# than one page each, and held twice the pages' buffers.
WORKER_CORES = "GIDR_ETL_WORKER_CORES"


def all_cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def reader_cores() -> int:
    """The cores a reader may use for threads of its own: its worker's share, else all of them."""
    share = os.environ.get(WORKER_CORES, "")
    return int(share) if share.isdigit() and int(share) > 0 else all_cores()


class InputFormat(ABC):
    """One input format. Subclass it, implement `extract`, and register an instance in
    the `register_formats` hook.

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
        """How sure this format is that it reads `path`, whose first bytes are `head`."""
        return self.EXTENSION if path.suffix.lower() in self.extensions else None

    @abstractmethod
    def extract(self, path: Path) -> Document:
        """The file as a Document; raise ExtractionError with a one-line reason if it cannot be read."""
