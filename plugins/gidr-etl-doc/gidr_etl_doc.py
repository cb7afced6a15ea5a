"""gidr-etl plugin: legacy Word .doc and WPS .wps reports, read through LibreOffice.

LibreOffice (headless) converts the file to DOCX and the built-in DOCX format reads
that, so merged cells, headings and core properties arrive the same way as from a
.docx. Provenance is pointed back at the original file.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from pathlib import Path

from gidr_etl import Document, ExtractionError, InputFormat, hookimpl
from gidr_etl.formats.docx import DocxFormat
from gidr_etl.formats.soffice import convert

__version__ = "0.1.0"

# Every .doc (Word 97-2003) and .wps is an OLE2 compound file.
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The stream only Word documents have (Kingsoft WPS Writer files have it too); its name
# sits UTF-16 encoded in the compound file's directory.
WORD_STREAM = "WordDocument".encode("utf-16-le")


def is_word_binary(path: Path) -> bool:
    """Whether `path` is an OLE2 file holding a WordDocument stream."""
    with open(path, "rb") as f:
        data = f.read()
    return data.startswith(OLE2_MAGIC) and WORD_STREAM in data


class DocFormat(InputFormat):
    name = "doc"
    extensions = (".doc", ".wps")
    # A converter is the reader of last resort: any reader as sure as this one wins.
    priority = -10

    def sniff(self, path: Path, head: bytes) -> int | None:
        suffix = Path(path).suffix.lower()
        if head.startswith(OLE2_MAGIC):
            # By content: a Word stream under any name; a .doc or .wps compound file.
            # An .xls or .msg (OLE2 too, no Word stream) under another name is not ours.
            return self.CONTENT if suffix in self.extensions or is_word_binary(path) else None
        # A DOCX, HTML or PDF named .doc is claimed by its own reader on content,
        # which beats this; what is left (RTF, text) LibreOffice may still read.
        return super().sniff(path, head)

    def extract(self, path: Path) -> Document:
        path = Path(path)
        with tempfile.TemporaryDirectory(prefix="gidr-doc-") as tmp:
            # A fixed name: soffice names its output after the input, and picks its
            # import filter by extension (a Kingsoft .wps is Word inside).
            suffix = ".doc" if is_word_binary(path) else path.suffix.lower() or ".doc"
            src = Path(tmp) / f"source{suffix}"
            shutil.copyfile(path, src)
            converted = convert(src, "docx", Path(tmp))
            try:
                doc = DocxFormat().extract(converted)
            except ExtractionError as exc:
                raise ExtractionError(f"after conversion by LibreOffice: {exc}") from exc
        return relocated(doc, path, self.name)


def relocated(doc: Document, path: Path, fmt: str) -> Document:
    """`doc` read from a converted copy, with its provenance pointing at the original."""
    where = str(path)

    def moved(prov):
        return None if prov is None else dataclasses.replace(prov, file=where)

    for block in doc.blocks:
        block.prov = moved(block.prov)
        for cell in getattr(block, "cells", ()):
            cell.prov = moved(cell.prov)
    doc.source, doc.format = where, fmt
    return doc


@hookimpl
def register_formats(register):
    register(DocFormat())
