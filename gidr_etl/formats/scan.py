"""Scanned reports: page images read by OCR (the `ocr` extra) into the intermediate model.

Reads image files (PNG, JPEG, TIFF, one page a frame) itself, and the pages of a PDF that
have no text layer when the PDF format hands them over (`read_pdf`). Pages are
read in parallel threads: the recognition models release the interpreter while they run.
Without the extra installed, a scan fails with a one-line error that names it.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from gidr_etl.errors import ExtractionError
from gidr_etl.formats.base import InputFormat
from gidr_etl.formats.ocr import missing
from gidr_etl.formats.page_layout import page_title
from gidr_etl.hookspecs import hookimpl
from gidr_etl.model import Document

if TYPE_CHECKING:
    import numpy as np

    from gidr_etl.formats.ocr.page import PageRead

# Pages are rendered at this resolution for reading: scans are made at 150–300 dpi.
DPI = 200
_MAGIC = {b"\x89PNG": "png", b"\xff\xd8\xff": "jpeg", b"II*\x00": "tiff", b"MM\x00*": "tiff"}


class ScanFormat(InputFormat):
    name = "scan"
    extensions = (".png", ".jpg", ".jpeg", ".tif", ".tiff")

    def sniff(self, path: Path, head: bytes) -> int | None:
        if any(head.startswith(magic) for magic in _MAGIC):
            return self.CONTENT
        return super().sniff(path, head)

    def extract(self, path: Path) -> Document:
        _require()
        import numpy as np
        from PIL import Image, ImageSequence

        try:
            with Image.open(path) as image:
                dpi = image.info.get("dpi", (DPI, DPI))[0] or DPI
                pages = [np.asarray(frame.convert("RGB")) for frame in ImageSequence.Iterator(image)]
        except (OSError, ValueError, Image.DecompressionBombError) as exc:
            raise ExtractionError(f"not a readable image: {exc}") from None
        return document(str(path), [(n + 1, page) for n, page in enumerate(pages)], float(dpi) / 72)


@hookimpl
def register_formats(register):
    register(ScanFormat())


def _require() -> None:
    reason = missing()
    if reason:
        raise ExtractionError(f"scanned pages need OCR, but {reason}")


def read_pdf(path: Path) -> Document:
    """A PDF without a text layer, every page rendered at DPI and read by OCR."""
    _require()
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        # pdfium is not thread-safe: render here, read in threads.
        pages = [(n + 1, pdf[n].render(scale=DPI / 72).to_numpy()[..., :3].copy()) for n in range(len(pdf))]
    finally:
        pdf.close()
    return document(str(path), pages, DPI / 72)


def read_images(file: str, pages: list[tuple[int, np.ndarray]], scale: float) -> dict[int, PageRead]:
    """page number → PageRead, the pages read in parallel threads."""
    from gidr_etl.formats.ocr.page import read_page  # late: OpenCV and RapidOCR come with the ocr extra

    workers = max(1, min(len(pages), int(os.environ.get("GIDR_ETL_OCR_THREADS", 0)) or len(os.sched_getaffinity(0))))
    with ThreadPoolExecutor(workers) as pool:
        reads = pool.map(lambda np_: read_page(np_[1], scale, file, np_[0]), pages)
        return {n: read for (n, _), read in zip(pages, reads)}


def document(file: str, pages: list[tuple[int, np.ndarray]], scale: float) -> Document:
    """A Document from page images: each page's blocks in reading order."""

    from gidr_etl.formats.ocr.pages import join_continued

    reads = read_images(file, pages, scale)
    blocks = join_continued([block for n in sorted(reads) for _, block in reads[n].items])
    hints = {}
    if 1 in reads and (title := page_title(reads[1].lines)):
        hints["title"] = title
    return Document(file, "scan", blocks=blocks, pages=len(pages), hints=hints)
