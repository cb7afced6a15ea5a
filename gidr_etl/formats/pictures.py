"""Tables printed as pictures inside other formats: a DOCX's images, a saved web page's <img>.

A document whose tables are pictures has no tables of its own; its pictures are then read
by the same OCR reader as a scan (formats/scan.py) and what they hold (ruled tables, lines)
takes the picture's place in the body. A document with tables of its own is left as it is,
and without the `ocr` extra nothing is read (the report then says its tables are missing).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import io
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from gidr_etl.model import Block, Provenance, Table

# A picture narrower or lower than this (pixels) is a logo, an icon or a rule, not a table.
_MIN_SIDE = 120
# A table with at least this many cells that are plain numbers is a table of the report's figures.
_MIN_FIGURES = 6
_FIGURE = re.compile(r"\d[\d,]*")
# A picture file larger than this is not read (a table's picture is well under 1 MB).
_MAX_BYTES = 20 * 2**20
# Pictures are read at the scan's resolution; one larger than this (pixels, longer side)
# after scaling is not read (a table fits a page: 11.7 in at 200 dpi is 2339 px).
_MAX_SIDE = 6000


@dataclass
class Picture:
    """An image in a document's body: `at` is the index among the body's blocks it stands
    before, `line` the body position it is cited by, `width_pt` its printed width (points)
    when the document says it."""

    at: int
    line: int | None
    data: bytes
    width_pt: float | None = None


def with_pictures(source: str, blocks: list[Block], pictures: list[Picture]) -> list[Block]:
    """`blocks` with the pictures' tables and lines in their places, when the document has
    no tables of its own and the OCR extra is installed; else `blocks` unchanged."""
    from gidr_etl.formats.ocr import missing

    if not pictures or has_figure_tables(blocks) or missing():
        return blocks
    read = _read(source, pictures)
    if not any(isinstance(b, Table) for found in read.values() for b in found):
        return blocks  # the pictures hold no table: photographs, seals, logos
    out: list[Block] = []
    for n, block in enumerate([*blocks, None]):
        out.extend(read.get(n, []))
        if block is not None:
            out.append(block)
    return out


def has_figure_tables(blocks: list[Block]) -> bool:
    """Whether the document has tables of figures of its own (a page's info block or its
    layout tables are no report table)."""
    return any(
        isinstance(b, Table) and sum(bool(_FIGURE.fullmatch(c.text.strip())) for c in b.cells) >= _MIN_FIGURES
        for b in blocks
    )


def saved_page_image(page: Path, src: str) -> bytes | None:
    """The bytes of an <img src> of a page saved to disk: a data: URI, or a file in the
    page's folder or below it (NAME_files/…). Nothing is fetched from the network, and no
    file outside the page's folder is opened."""
    if src.startswith("data:"):
        head, _, payload = src.partition(",")
        if not head.endswith(";base64") or len(payload) > _MAX_BYTES * 4 // 3:
            return None
        try:
            return base64.b64decode(payload, validate=False)
        except (binascii.Error, ValueError):
            return None
    url = urlsplit(src)
    if url.scheme not in ("", "file") or url.netloc or not url.path:
        return None
    folder = page.resolve().parent
    file = (folder / unquote(url.path).lstrip("/")).resolve()
    if not file.is_relative_to(folder) or not file.is_file() or file.stat().st_size > _MAX_BYTES:
        return None
    try:
        return file.read_bytes()
    except OSError:
        return None


def _read(source: str, pictures: list[Picture]) -> dict[int, list[Block]]:
    """Body index → the blocks read from the pictures standing there, in order."""
    from gidr_etl.formats.scan import DPI, read_images

    images = []
    for k, picture in enumerate(pictures, 1):
        image = _image(picture, DPI / 72)
        if image is not None:
            images.append((k, image))
    reads = read_images(source, images, DPI / 72) if images else {}
    out: dict[int, list[Block]] = {}
    for k, read in sorted(reads.items()):
        picture = pictures[k - 1]
        out.setdefault(picture.at, []).extend(_cited(block, picture.line) for _, block in read.items)
    return out


def _image(picture: Picture, scale: float):
    """The picture as an RGB array at `scale` pixels a point, or None when it is no table's picture."""
    import cv2
    import numpy as np
    from PIL import Image

    try:
        with Image.open(io.BytesIO(picture.data)) as image:
            image.load()
            rgb = np.asarray(image.convert("RGB"))
            dpi = (image.info.get("dpi") or (0, 0))[0]
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    h, w = rgb.shape[:2]
    if min(h, w) < _MIN_SIDE:
        return None
    # Pixels a point as printed: the document's width for it, else the image's own dpi, else 96 dpi (a screen).
    own = w / picture.width_pt if picture.width_pt else (float(dpi) if dpi else 96.0) / 72
    factor = scale / own
    if max(h, w) * factor > _MAX_SIDE:
        return None
    if abs(factor - 1) > 0.1:
        smooth = cv2.INTER_CUBIC if factor > 1 else cv2.INTER_AREA
        rgb = cv2.resize(rgb, None, fx=factor, fy=factor, interpolation=smooth)
    return np.ascontiguousarray(rgb)


def _cited(block: Block, line: int | None) -> Block:
    """A block read from a picture, cited as the document cites the picture (its body
    position; no page), the box kept (in points on the picture)."""

    def moved(prov: Provenance) -> Provenance:
        return Provenance(prov.file, None, line, prov.bbox)

    if isinstance(block, Table):
        cells = [dataclasses.replace(c, prov=c.prov and moved(c.prov)) for c in block.cells]
        return dataclasses.replace(block, cells=cells, prov=moved(block.prov))
    return dataclasses.replace(block, prov=moved(block.prov))
