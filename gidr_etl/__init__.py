"""gidr-etl: Chinese government information disclosure annual reports → validated SQLite.

What a plugin author needs is exported here: the hook marker, the interfaces a
format or an executor implements, the intermediate model a format produces, and the
error and finding types.
"""

from gidr_etl.errors import ExtractionError
from gidr_etl.formats.base import InputFormat
from gidr_etl.hookspecs import hookimpl
from gidr_etl.ingest.executors import Executor
from gidr_etl.model import Document, Provenance, Table, TableCell, TextBlock
from gidr_etl.report import Finding, Issue
from gidr_etl.version import EXTRACTOR_VERSION, __version__

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
