"""gidr-etl: Chinese government information disclosure annual reports → validated SQLite.

What a plugin author needs is exported here: the hook marker, the interfaces a
format or an executor implements, the intermediate model a format produces, and the
error and finding types.
"""

# The package's release.
__version__ = "0.2.0"

# What reads a document: bumped whenever the same file would give other cells, metadata
# or findings, so that `gidr-etl ingest --reprocess-outdated` re-reads what an older
# extractor read. tests/test_extractor_version.py holds a digest of every sample's cells.
EXTRACTOR_VERSION = "3"

from gidr_etl.errors import ExtractionError  # noqa: E402  (the versions above come first)
from gidr_etl.formats.base import InputFormat  # noqa: E402
from gidr_etl.hookspecs import hookimpl  # noqa: E402
from gidr_etl.ingest.executors import Executor  # noqa: E402
from gidr_etl.model import Document, Provenance, Table, TableCell, TextBlock  # noqa: E402
from gidr_etl.report import Finding, Issue  # noqa: E402

__all__ = [
    "EXTRACTOR_VERSION",
    "Document",
    "Executor",
    "ExtractionError",
    "Finding",
    "InputFormat",
    "Issue",
    "Provenance",
    "Table",
    "TableCell",
    "TextBlock",
    "__version__",
    "hookimpl",
]
