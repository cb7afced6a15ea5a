"""The pages of a PDF as pdfplumber pages, read by pdfium (the default) or by pdfminer.

pdf.py finds tables and text lines with pdfplumber's own table finder and text
extraction, which work on plain dicts: the page's chars, lines, rects and curves. Where
those dicts come from is this module's choice:

- ``pdfium`` (default): pypdfium2 (PDFium, C++) reads each character's box and each path
  object's points, and builds the dicts pdfminer would have built. Parsing the content
  streams in pure Python (pdfminer) was 87% of the PDF ingest time.
- ``pdfplumber``: pdfplumber's own pages, parsed by pdfminer; the reference reader the
  tests compare the other with.

``GIDR_ETL_PDF_READER=pdfplumber|pdfium`` chooses (or the `reader` argument).
"""

from __future__ import annotations

import ctypes
import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import pdfplumber
import pypdfium2
import pypdfium2.raw as pdfium_c
from pdfplumber.page import Page

from gidr_etl.errors import ExtractionError

READERS = ("pdfium", "pdfplumber")
READER_VARIABLE = "GIDR_ETL_PDF_READER"

# pdfminer logs every operator at DEBUG (some 440,000 calls for 16 pages); formatting
# none of them needs the level raised on its loggers, whatever the root logger says.
logging.getLogger("pdfminer").setLevel(logging.WARNING)

# pdfium's error codes for a document it cannot open because of its encryption.
_LOCKED = {pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY}
_PATH = pdfium_c.FPDF_PAGEOBJ_PATH
_FORM = pdfium_c.FPDF_PAGEOBJ_FORM
# pdfium path segment types as pdfminer's path operators: moveto, lineto, curveto.
_OPERATOR = {pdfium_c.FPDF_SEGMENT_MOVETO: "m", pdfium_c.FPDF_SEGMENT_LINETO: "l", pdfium_c.FPDF_SEGMENT_BEZIERTO: "c"}
_SUBPATH = re.compile(r"m[^m]+")


def reader_name(reader: str | None = None) -> str:
    name = reader or os.environ.get(READER_VARIABLE) or READERS[0]
    if name not in READERS:
        raise ValueError(f"{READER_VARIABLE}={name!r}: expected one of {', '.join(READERS)}")
    return name


class Pages(Protocol):
    """What open_pages yields: pdfplumber's list of pages, or pdfium's read one at a time."""

    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Page]: ...


@contextmanager
def open_pages(path: Path, reader: str | None = None) -> Iterator[Pages]:
    """The PDF's pages, each with .page_number, .height, .chars, .lines, .rects, … as pdfplumber has them."""
    if reader_name(reader) == "pdfplumber":
        with pdfplumber.open(path) as pdf:
            yield _PdfminerPages(pdf.pages)
        return
    try:
        document = pypdfium2.PdfDocument(str(path))
    except pypdfium2.PdfiumError as exc:
        if getattr(exc, "err_code", None) in _LOCKED:
            raise ExtractionError("encrypted PDF") from None
        raise ExtractionError(f"not a readable PDF: PdfiumError: {exc}") from None
    try:
        yield _PdfiumPages(document)
    finally:
        document.close()


# What pdfminer turns for a page's /Rotate misses by a rounding error (1e-13): enough for
# pdfplumber to take a level rule for an upright one. Rounded off, it is the upright page.
_COORDINATES = ("x0", "x1", "top", "bottom", "y0", "y1", "doctop", "width", "height")


def square(page: Page) -> None:
    """Round a turned page's object coordinates to what they were drawn at (in place)."""
    if not page.rotation % 360:
        return
    for objects in page.objects.values():
        for obj in objects:
            for key in _COORDINATES:
                if key in obj:
                    obj[key] = round(obj[key], 6)
            if "pts" in obj:
                obj["pts"] = [(round(x, 6), round(y, 6)) for x, y in obj["pts"]]


class _PdfminerPages:
    """pdfplumber's pages, each squared (see `square`) as it is asked for."""

    def __init__(self, pages: list[Page]):
        self.pages = pages

    def __len__(self) -> int:
        return len(self.pages)

    def __iter__(self) -> Iterator[Page]:
        for page in self.pages:
            square(page)
            yield page


class RotatedPage(Exception):
    """A page turned by its /Rotate: pdfium reports positions on the unturned page, pdfminer
    turns them upright, so such a document is read by pdfplumber (formats/pdf.py). Found as
    each page is loaded: looking ahead would load and parse every page twice."""


class _PdfiumPages:
    """The document's pages, each read when asked for (a page at a time stays in memory)."""

    def __init__(self, document: pypdfium2.PdfDocument):
        self.document = document

    def __len__(self) -> int:
        return len(self.document)

    def __iter__(self) -> Iterator[Page]:
        doctop = 0.0
        for i in range(len(self.document)):
            page = PdfiumPage(self.document, i, doctop)
            doctop += page.height
            yield page


class PdfiumPage(Page):
    """A pdfplumber Page whose objects pdfium read; pdfplumber's filter, table finder and
    text extraction run on it unchanged."""

    def __init__(self, document: pypdfium2.PdfDocument, index: int, initial_doctop: float = 0.0):
        # No pdfminer document behind a pdfium page: pdfplumber types these as always set, but
        # reads them only to parse objects, which _objects below holds already.
        self.pdf = None  # type: ignore[assignment]
        self.page_obj = None  # type: ignore[assignment]
        self.root_page = self
        self.page_number = index + 1
        self.initial_doctop = initial_doctop
        page = document[index]
        try:
            if page.get_rotation() % 360:
                raise RotatedPage(f"page {index + 1}")
            self.rotation = 0
            x0, y0, x1, y1 = page.get_mediabox()
            # pdfplumber's frame: x as in the PDF, top measured down from the MediaBox's height.
            self.mediabox = self.cropbox = self.bbox = (x0, -y0, x1, y1 - 2 * y0)
            self._height = y1 - y0
            self._objects = {"char": self._chars(page), **self._paths(page)}
        finally:
            page.close()
        self.get_textmap = lru_cache()(self._get_textmap)

    def _chars(self, page: pypdfium2.PdfPage) -> list[dict]:
        textpage = page.get_textpage()
        try:
            return list(self._read_chars(textpage.raw))
        finally:
            textpage.close()

    def _read_chars(self, text) -> Iterator[dict]:
        height, doctop, number = self._height, self.initial_doctop, self.page_number
        box = pdfium_c.FS_RECTF()
        matrix = pdfium_c.FS_MATRIX()
        origin_x, origin_y = ctypes.c_double(), ctypes.c_double()
        for i in range(pdfium_c.FPDFText_CountChars(text)):
            if pdfium_c.FPDFText_IsGenerated(text, i):  # spaces and line breaks pdfium inferred
                continue
            code = pdfium_c.FPDFText_GetUnicode(text, i)
            # "(cid:N)" as pdfminer writes a glyph its font cannot map
            glyph = f"(cid:{code})" if pdfium_c.FPDFText_HasUnicodeMapError(text, i) else chr(code)
            pdfium_c.FPDFText_GetLooseCharBox(text, i, box)
            pdfium_c.FPDFText_GetMatrix(text, i, matrix)
            a, b, c, d = matrix.a, matrix.b, matrix.c, matrix.d
            # pdfminer's matrix is each glyph's own, translated to its origin (pdfium's: the
            # text object's); pdf.py finds a glyph's baseline from it.
            pdfium_c.FPDFText_GetCharOrigin(text, i, origin_x, origin_y)
            upright = a * d > 0 and b * c <= 0
            x0, x1, y0 = box.left, box.right, box.bottom
            if upright and not b and not c:
                size = pdfium_c.FPDFText_GetFontSize(text, i) * d
                if box.top - y0 > 2 * size:
                    # pdfium left the text matrix's scale out of this box (seen on glyphs
                    # with a negative advance): scale it about the glyph's origin.
                    x1 = x0 + (x1 - x0) * d
                    y0 = origin_y.value + (y0 - origin_y.value) * d
                # pdfminer's box is one font size tall above the descent (pdfium's: up to the ascent).
                bottom = height - y0
                top = bottom - size
            else:
                bottom, top = height - y0, height - box.top
                size = bottom - top
            yield {
                "object_type": "char",
                "page_number": number,
                "text": glyph,
                "upright": upright,
                "x0": x0,
                "x1": x1,
                "y0": y0,
                "y1": height - top,
                "top": top,
                "bottom": bottom,
                "doctop": doctop + top,
                "width": x1 - x0,
                "height": bottom - top,
                "size": size,
                "matrix": (a, b, c, d, origin_x.value, origin_y.value),
            }

    def _paths(self, page: pypdfium2.PdfPage) -> dict[str, list[dict]]:
        """The page's path objects as pdfminer's lines, rects and curves."""
        found: dict[str, list[dict]] = {"line": [], "rect": [], "curve": []}
        for obj, matrix in _path_objects(page.raw):
            fill, stroke = ctypes.c_int(), ctypes.c_int()
            pdfium_c.FPDFPath_GetDrawMode(obj, fill, stroke)
            width = ctypes.c_float()
            pdfium_c.FPDFPageObj_GetStrokeWidth(obj, width)
            shape, points = _segments(obj, matrix)
            paint = {"stroke": bool(stroke.value), "fill": bool(fill.value), "linewidth": width.value}
            for m in _SUBPATH.finditer(shape):
                self._add(found, shape[m.start() : m.end()], points[m.start() : m.end()], paint)
        return found

    def _add(self, found: dict, shape: str, pts: list[tuple[float, float]], paint: dict) -> None:
        """One subpath, classified as pdfminer's converter does (PDFLayoutAnalyzer.paint_path)."""
        pts = list(pts)
        if len(shape) > 3 and shape[-2:] == "lh" and pts[-2] == pts[0]:
            shape = shape[:-2] + "h"
            pts.pop()
        kind = "curve"
        if shape in ("mlh", "ml"):
            kind, pts = "line", pts[:2]
        elif shape in ("mlllh", "mllll"):
            (x0, y0), (x1, y1), (x2, y2), (x3, y3), _ = pts
            square = (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or (
                y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0
            )
            if pts[0] == pts[4] and square:
                kind = "rect"
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
        top = self._height - y1
        obj = {
            "object_type": kind,
            "page_number": self.page_number,
            **paint,
            "x0": x0,
            "x1": x1,
            "y0": y0,
            "y1": y1,
            "top": top,
            "bottom": self._height - y0,
            "doctop": self.initial_doctop + top,
            "width": x1 - x0,
            "height": y1 - y0,
        }
        if kind != "rect":
            obj["pts"] = [(x, self._height - y) for x, y in pts]
        found[kind].append(obj)

    def close(self) -> None:
        self.flush_cache()
        self.get_textmap.cache_clear()


def _path_objects(parent, matrix=(1.0, 0.0, 0.0, 1.0, 0.0, 0.0), in_form: bool = False) -> Iterator[tuple]:
    """Every path object on a page or in its forms, with its matrix to page space."""
    count = pdfium_c.FPDFFormObj_CountObjects if in_form else pdfium_c.FPDFPage_CountObjects
    get = pdfium_c.FPDFFormObj_GetObject if in_form else pdfium_c.FPDFPage_GetObject
    m = pdfium_c.FS_MATRIX()
    for i in range(count(parent)):
        obj = get(parent, i)
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind not in (_PATH, _FORM):
            continue
        pdfium_c.FPDFPageObj_GetMatrix(obj, m)
        own = _multiply((m.a, m.b, m.c, m.d, m.e, m.f), matrix)
        if kind == _PATH:
            yield obj, own
        else:
            yield from _path_objects(obj, own, in_form=True)


def _multiply(m, n):
    """The matrix m then n (PDF's row-vector convention)."""
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s, e * p + f * r + t, e * q + f * s + u)


def _segments(obj, matrix) -> tuple[str, list[tuple[float, float]]]:
    """A path's operators ("m", "l", "c", "h" after a closing segment) and their end points in page space.

    A Bézier curve is three pdfium segments and one pdfminer "c": only its end point counts.
    """
    a, b, c, d, e, f = matrix
    x, y = ctypes.c_float(), ctypes.c_float()
    shape, points, pending, start = [], [], 0, None
    for i in range(pdfium_c.FPDFPath_CountSegments(obj)):
        segment = pdfium_c.FPDFPath_GetPathSegment(obj, i)
        operator = _OPERATOR.get(pdfium_c.FPDFPathSegment_GetType(segment), "")
        if operator == "c":
            pending += 1
            if pending < 3:
                continue
            pending = 0
        pdfium_c.FPDFPathSegment_GetPoint(segment, x, y)
        point = (a * x.value + c * y.value + e, b * x.value + d * y.value + f)
        if operator == "m":
            start = point
        shape.append(operator)
        points.append(point)
        if pdfium_c.FPDFPathSegment_GetClose(segment):
            shape.append("h")
            points.append(start or point)
    return "".join(shape), points
