"""Scanned reports: page images read by OCR (the `ocr` extra) into the intermediate model.

Reads image files (PNG, JPEG, TIFF, one page a frame) itself, and the pages of a PDF that
have no text layer when the PDF format hands them over (`read_pdf`). Pages are
read in parallel threads: the recognition models release the interpreter while they run.
Each thread decodes or renders its page when it starts on it and lets it go when done, so
a file holds as many page images at once as it has threads, not one per page.
Without the extra installed, a scan fails with a one-line error that names it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from gidr_etl.errors import ExtractionError
from gidr_etl.formats.base import InputFormat, reader_cores
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
        from PIL import Image

        bad = (OSError, ValueError, Image.DecompressionBombError)
        lock = threading.Lock()  # one decoder, seeked frame by frame: one thread at a time

        def frame(n: int) -> np.ndarray:
            with lock:
                try:
                    image.seek(n - 1)
                    return np.asarray(image.convert("RGB"))
                except bad as exc:
                    raise ExtractionError(f"not a readable image: {exc}") from None

        try:
            image = Image.open(path)
        except bad as exc:
            raise ExtractionError(f"not a readable image: {exc}") from None
        with image:
            try:
                dpi = image.info.get("dpi", (DPI, DPI))[0] or DPI
                frames = getattr(image, "n_frames", 1)
            except bad as exc:
                raise ExtractionError(f"not a readable image: {exc}") from None
            return document(str(path), list(range(1, frames + 1)), frame, float(dpi) / 72)


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
    lock = threading.Lock()  # pdfium is not thread-safe: one page rendered at a time

    def render(n: int) -> np.ndarray:
        with lock:
            return _render(pdf[n - 1])

    try:
        return document(str(path), list(range(1, len(pdf) + 1)), render, DPI / 72)
    finally:
        pdf.close()


def _render(page) -> np.ndarray:
    """A PDF page as an RGB image at DPI; a page larger than any paper (a phone's photo put in
    a PDF at its 72-dpi tag is 1.4 m high) no larger than A4 at DPI, for photo.as_page to
    find the sheet in."""
    import numpy as np

    from gidr_etl.formats.ocr.photo import A4_LONG_SIDE, PAPER_LONG_SIDE

    long_side = max(page.get_size())
    shrink = A4_LONG_SIDE / long_side if long_side > PAPER_LONG_SIDE else 1.0
    return np.ascontiguousarray(page.render(scale=DPI / 72 * shrink).to_numpy()[..., :3])


def read_images(
    file: str, pages: list[tuple[int, np.ndarray]], scale: float, sheets: bool = False
) -> dict[int, PageRead]:
    """page number → PageRead, the pages read in parallel threads. `sheets`: each image is a
    whole page (scanned or photographed), so photo.as_page may square it and size it."""
    images = dict(pages)
    return _read(file, list(images), images.pop, scale, sheets)


def _read(
    file: str, numbers: list[int], image: Callable[[int], np.ndarray], scale: float, sheets: bool
) -> dict[int, PageRead]:
    """page number → PageRead, each page's image got by `image(number)` in the thread that reads it."""
    # late: OpenCV and RapidOCR come with the ocr extra
    from gidr_etl.formats.ocr.engine import share_heap
    from gidr_etl.formats.ocr.page import read_page

    share_heap()
    workers = max(1, min(len(numbers), reader_cores()))

    def read_one(n: int) -> PageRead:
        return read_page(image(n), scale, file, n, sheets)

    with ThreadPoolExecutor(workers) as pool:
        return dict(zip(numbers, pool.map(read_one, numbers)))


def document(file: str, numbers: list[int], image: Callable[[int], np.ndarray], scale: float) -> Document:
    """A Document from page images, `image(number)` giving each (a whole sheet, scanned or
    photographed): each page's blocks in reading order, a table a page break cut joined."""
    from gidr_etl.formats.ocr.pages import join_continued

    reads = _read(file, numbers, image, scale, sheets=True)
    blocks = join_continued([block for n in sorted(reads) for _, block in reads[n].items])
    hints = {}
    if 1 in reads and (title := page_title(reads[1].lines)):
        hints["title"] = title
    return Document(file, "scan", blocks=blocks, pages=len(numbers), hints=hints)
