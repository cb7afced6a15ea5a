"""Image-only PDFs made from the project's own PDFs, the way a scanner or a phone makes them.

Each page is rasterised at 150–200 dpi, tilted by up to ±1°, blurred, given paper grain and
JPEG artefacts; the first page gets a red seal over its text; the pages are saved as an
image-only PDF (no text layer). `photographed=True` adds a perspective skew and uneven light.
A fixed seed per file keeps every run of the tests on the same images.
`rotations=` turns pages as a scanner's feeder does (a sideways page, a duplex scan with every
other page upside down); `phone=True` makes each page a phone photo instead of a scan;
`pages=` keeps only some pages (a single table page).
`lost=` erases the print in some boxes before the scan (toner that did not take).

Ink and paper factors (issue #23), each off by default and drawn from a random stream of
its own, so a scan made without them is the same as before:
- `fax=True`: a fax machine's 1-bit page (CCITT G4), its thin rulings broken into dots;
- `dark_seal=N`: a dark seal (a red one photocopied grey, or dark-blue ink) over page N's table;
- `stain=N`: a coffee ring over page N's table;
- `quality=Q`: every page saved at JPEG quality Q (30 is a mail scanner's "small file");
- `split_table=N`: page N cut at the last row boundary of its lowest table, the rest of the
  page pushed to a new page (the heading on one page, the values on the next); `(N, k)`: cut
  at that table's k-th ruling across from its top; `(N, k, t)`: of the page's t-th table.
"""

from __future__ import annotations

import io
import zlib
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFilter, ImageFont

_SEAL_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def make_scan(
    pdf: Path,
    out: Path,
    dpi: int = 180,
    tilt: float = 0.6,
    photographed: bool = False,
    seed: int | None = None,
    *,
    rotations: int | list[int] | str = 0,
    phone: bool = False,
    pages: list[int] | None = None,
    fax: bool = False,
    dark_seal: int | None = None,
    stain: int | None = None,
    quality: int | None = None,
    split_table: int | tuple[int, ...] | None = None,
    lost: dict[int, list[Box]] | None = None,
) -> Path:
    """Write `pdf` as an image-only scan to `out`; returns `out`. Page numbers count from 1.

    rotations: degrees (a multiple of 90, counter-clockwise) every page is turned, a list of
    them page by page (of the pages kept), or "duplex": every other page upside down.
    phone: each page photographed by a phone (_phone_photo), saved as a JPEG when `out` ends
    in .jpg (one page), else as a PDF of the photos, tagged 72 dpi as phones tag them.
    pages: the page numbers (from 1) to keep.
    lost: boxes (in points, by 0-based page) whose print is lost before the scan."""
    base = zlib.crc32(Path(pdf).name.encode()) if seed is None else seed
    rng = np.random.default_rng(base)
    ink = np.random.default_rng([base, 23])  # the ink factors' own stream
    at = _PHONE_DPI if phone else dpi
    doc = pdfium.PdfDocument(str(pdf))
    try:
        numbers = list(pages or range(1, len(doc) + 1))
        rendered = [
            _erase(doc[n - 1].render(scale=at / 72).to_pil().convert("RGB"), (lost or {}).get(n - 1, []), at)
            for n in numbers
        ]
    finally:
        doc.close()
    if split_table is not None:
        rendered = _split_table(rendered, split_table, at)
        numbers = list(range(1, len(rendered) + 1))
    images = []
    for k, (n, image) in enumerate(zip(numbers, rendered)):
        if n == 1 and k == numbers.index(1):
            image = _seal(image, rng)
        if dark_seal == n:
            image = _dark_seal(image, ink, at)
        if stain == n:
            image = _stain(image, ink, at)
        image = _turn(image, _rotation(rotations, k))
        if phone:
            images.append(_phone_photo(image, rng))
        else:
            images.append(_degrade(image, rng, tilt, photographed, quality, _fax_page if fax else None, ink, dpi))
    out.parent.mkdir(parents=True, exist_ok=True)
    if phone and out.suffix.lower() in (".jpg", ".jpeg"):
        if len(images) != 1:
            raise ValueError("a phone photo is one page: pass pages=[n]")
        images[0].save(out, "JPEG", quality=88, dpi=(72, 72))
        return out
    images[0].save(out, "PDF", save_all=True, append_images=images[1:], resolution=72 if phone else dpi)
    return out


Box = tuple[float, float, float, float]  # x0, top, x1, bottom in points


def make_scan_without(pdf: Path, out: Path, lost: dict[int, list[Box]], **options) -> Path:
    """`pdf` as make_scan makes it, with the print in each box (by 0-based page) lost before
    the scan, as where toner did not take or a scanner's detector box cuts a number short."""
    return make_scan(pdf, out, lost=lost, **options)


def _erase(image: Image.Image, boxes: list[Box], dpi: int) -> Image.Image:
    """The rendering with the print in each box (points) lost."""
    draw = ImageDraw.Draw(image)
    for x0, top, x1, bottom in boxes:
        draw.rectangle([v * dpi / 72 for v in (x0 - 0.5, top - 0.5, x1 + 0.5, bottom + 0.5)], fill="white")
    return image


def leading_digit(pdf: Path, row_label: str, column: int) -> tuple[int, Box]:
    """(0-based page, box) of the first character in a ruled table's row, whose cells' text
    includes `row_label`, at `column` (negative: from the right), as the PDF's text layer
    (pdfplumber) places them."""
    n, _, chars = _table_cell(pdf, row_label, column)
    first = min(chars, key=lambda c: c["x0"])
    return n, (first["x0"], first["top"], first["x1"], first["bottom"])


def ruling_after(pdf: Path, row_label: str, column: int) -> tuple[int, Box]:
    """(0-based page, box) of the ruling between a ruled table's cell at `column` (negative:
    from the right) and the next, in the row whose cells' text includes `row_label`: losing
    it (a fax's dotted line, toner that did not take) runs the two cells together in the scan."""
    n, (_, top, x, bottom), _ = _table_cell(pdf, row_label, column)
    return n, (x - 2.0, top + 1.5, x + 2.0, bottom - 1.5)


def _table_cell(pdf: Path, row_label: str, column: int) -> tuple[int, Box, list[dict]]:
    """(0-based page, box, characters) of the cell at `column` in the ruled table row whose
    cells' text includes `row_label`, as the PDF's text layer (pdfplumber) places them."""
    import pdfplumber

    with pdfplumber.open(str(pdf)) as doc:
        for n, page in enumerate(doc.pages):
            for table in page.find_tables():
                for row, texts in zip(table.rows, table.extract()):
                    if any(row_label in (t or "").replace("\n", "") for t in texts):
                        x0, top, x1, bottom = row.cells[column]
                        chars = [
                            c
                            for c in page.chars
                            if x0 <= (c["x0"] + c["x1"]) / 2 < x1 and top <= (c["top"] + c["bottom"]) / 2 < bottom
                        ]
                        return n, (x0, top, x1, bottom), chars
    raise LookupError(f"no table row with {row_label!r} in {pdf}")


def _rotation(rotations: int | list[int] | str, k: int) -> int:
    """The degrees the k-th kept page is turned."""
    if rotations == "duplex":
        return 180 * (k % 2)  # a duplex scanner that flips the sheet the wrong way: every back upside down
    if isinstance(rotations, list):
        return rotations[k]
    assert isinstance(rotations, int)
    return rotations


def _turn(image: Image.Image, degrees: int) -> Image.Image:
    """The page turned counter-clockwise by a multiple of 90°: a page fed sideways or upside down."""
    turns = {0: None, 90: Image.Transpose.ROTATE_90, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_270}
    how = turns[degrees % 360]
    return image if how is None else image.transpose(how)


def _seal(image: Image.Image, rng, centre: tuple[int, int] | None = None, ink=(220, 30, 40, 170)) -> Image.Image:
    """A translucent round seal (red unless `ink` says) with a star and an arc of text, over
    the first page's text (or at `centre`)."""
    w, h = image.size
    r = int(w * 0.11)
    cx, cy = int(w * rng.uniform(0.55, 0.7)), int(h * rng.uniform(0.12, 0.3))
    if centre is not None:
        cx, cy = centre
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    red = ink
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=red, width=max(4, r // 18))
    star = [
        (cx + r * 0.3 * np.cos(np.pi / 2 + k * 4 * np.pi / 5), cy - r * 0.3 * np.sin(np.pi / 2 + k * 4 * np.pi / 5))
        for k in range(5)
    ]
    draw.polygon(star, fill=red)
    try:
        font = ImageFont.truetype(_SEAL_FONT, int(r * 0.22))
    except OSError:
        font = ImageFont.load_default()
    text = "人民政府办公室"
    for k, ch in enumerate(text):
        angle = np.pi * (1.1 - 1.2 * k / (len(text) - 1))
        x, y = cx + r * 0.72 * np.cos(angle), cy - r * 0.72 * np.sin(angle)
        draw.text((x, y), ch, font=font, fill=red, anchor="mm")
    return Image.alpha_composite(image.convert("RGBA"), layer).convert("RGB")


def _table_rows(image: Image.Image, dpi: int) -> list[tuple[int, int, int, int]]:
    """The page's ruled tables as (top, bottom, left, right) in pixels, top to bottom; a
    table's horizontal rulings' y positions are found by _rulings."""
    lines = _rulings(image, dpi)
    return [(ys[0], ys[-1], x0, x1) for ys, x0, x1 in lines]


def _rulings(image: Image.Image, dpi: int) -> list[tuple[list[int], int, int]]:
    """Each ruled table on a clean rendering: (its horizontal rulings' y, left, right)."""
    import cv2

    grey = np.asarray(image.convert("L"))
    ink = (grey < 160).astype(np.uint8) * 255
    n = int(12 * dpi / 72)
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (n, 1)))
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, n)))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(cv2.dilate(horizontal | vertical, np.ones((3, 3))))
    tables = []
    for i in range(1, count):
        x, y, w, h, _ = stats[i]
        if w < 100 * dpi / 72 or h < 24 * dpi / 72:
            continue
        rows = np.nonzero(
            ((labels[y : y + h, x : x + w] == i) & (horizontal[y : y + h, x : x + w] > 0)).sum(axis=1) > w / 2
        )[0]
        ys = [int(y + r) for k, r in enumerate(rows) if k == 0 or r > rows[k - 1] + 1]  # a ruling's first pixel row
        tables.append((ys, int(x), int(x + w)))
    return sorted(tables)


def _split_table(pages: list[Image.Image], split: int | tuple[int, ...], dpi: int) -> list[Image.Image]:
    """Page N (`split`, or `split` = (N, k) or (N, k, t)) cut at a row boundary of its lowest
    table (or its t-th): the last one, or the k-th ruling from the table's top that runs
    across most of it. Its top stays,
    the rest of the page goes to a new page after it, at the top margin."""
    n, k, t = (split, -2, -1) if isinstance(split, int) else (*split, -1)[:3]
    n -= 1
    ys, _, _ = _rulings(pages[n], dpi)[t]
    cut = ys[k]
    top = pages[n].copy()
    top.paste((255, 255, 255), (0, cut + 2, top.width, top.height))  # the ruling itself stays above
    margin = int(72 * dpi / 72)
    rest = Image.new("RGB", pages[n].size, (255, 255, 255))
    rest.paste(pages[n].crop((0, cut, top.width, top.height - margin)), (0, margin))
    return [*pages[:n], top, rest, *pages[n + 1 :]]


def _mark_centre(image: Image.Image, rng, dpi: int) -> tuple[int, int]:
    """A point over the page's largest table, where a mark hides some of its values."""
    tables = _table_rows(image, dpi)
    top, bottom, left, right = max(tables, key=lambda t: (t[1] - t[0]) * (t[3] - t[2]))
    return int(rng.uniform(left + 0.6 * (right - left), left + 0.85 * (right - left))), int(
        rng.uniform(top + 0.3 * (bottom - top), top + 0.7 * (bottom - top))
    )


def _dark_seal(image: Image.Image, rng, dpi: int) -> Image.Image:
    """A dark seal over the page's table: a red seal photocopied grey, or one in dark-blue ink."""
    ink = [(70, 70, 70, 200), (25, 35, 110, 200)][int(rng.integers(0, 2))]
    return _seal(image, rng, _mark_centre(image, rng, dpi), ink)


def _stain(image: Image.Image, rng, dpi: int) -> Image.Image:
    """A coffee ring over the page's table: a pale brown tint, darker at the rim where the
    coffee dried, laid over the print (the paper's dye takes it; the print shows through)."""
    cx, cy = _mark_centre(image, rng, dpi)
    h, w = image.size[1], image.size[0]
    r = rng.uniform(42, 71) * dpi / 72  # a cup's foot, 3–5 cm across
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = np.arctan2(yy - cy, xx - cx)
    # The ring is not quite round, and its rim not even.
    radius = r * (1 + 0.04 * np.sin(3 * angle + rng.uniform(0, 6)))
    d = np.hypot(xx - cx, yy - cy) / radius
    strength = np.where(d < 1, 0.35 + 0.65 * np.clip((d - 0.8) / 0.2, 0, 1) ** 3, np.exp(-(((d - 1) / 0.015) ** 2)))
    strength *= (0.7 + 0.3 * np.sin(5 * angle + rng.uniform(0, 6)) ** 2) * (d < 1.06)
    tint = np.array([0.4, 0.55, 0.75], dtype=np.float32)  # what the darkest rim takes from R, G, B
    pixels = np.asarray(image).astype(np.float32) * (1 - strength[..., None] * tint)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def _fax_page(image: Image.Image, rng, dpi: int) -> Image.Image:
    """A fax machine's page: 1 bit a pixel, thin rulings broken into dots (a line thinner
    than a pixel falls either side of the threshold along its length), specks of line noise."""
    import cv2

    grey = np.asarray(image.convert("L")).astype(np.float32)
    ink = (grey < 200).astype(np.uint8) * 255
    n = int(12 * dpi / 72)
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (n, 1)))
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, n)))
    h, w = grey.shape
    pattern_x = _dots(w, rng)
    pattern_y = _dots(h, rng)
    lines = (horizontal > 0) | (vertical > 0)
    gaps = (horizontal > 0) & ~pattern_x[None, :] | (vertical > 0) & ~pattern_y[:, None]
    grey[lines] = 0
    grey[gaps & ~((horizontal > 0) & (vertical > 0))] = 255
    grey += rng.normal(0, 20, grey.shape)
    bits = grey < 128
    bits |= rng.random(grey.shape) < 0.0005  # line noise
    return Image.fromarray(~bits).convert("1")


def _dots(length: int, rng) -> np.ndarray:
    """Where a dotted line has ink along its length: dots 2–4 px long, gaps 1–4 px."""
    on = np.zeros(length, bool)
    x = 0
    while x < length:
        run = int(rng.integers(2, 5))
        on[x : x + run] = True
        x += run + int(rng.integers(1, 5))
    return on


def _degrade(
    image: Image.Image,
    rng,
    tilt: float,
    photographed: bool,
    quality: int | None = None,
    fax=None,
    ink=None,
    dpi: int = 180,
) -> Image.Image:
    image = image.rotate(float(rng.uniform(-tilt, tilt)), resample=Image.BICUBIC, expand=False, fillcolor="white")
    if photographed:
        image = _perspective(image, rng)
    image = image.filter(ImageFilter.GaussianBlur(radius=float(rng.uniform(0.5, 0.9))))
    pixels = np.asarray(image).astype(np.float32)
    # Paper: a slight grey-yellow tint and grain.
    pixels *= np.array([0.97, 0.96, 0.92], dtype=np.float32)
    pixels += rng.normal(0, 6, pixels.shape[:2])[..., None]
    if photographed:
        h, w = pixels.shape[:2]
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        light = 1.0 - 0.35 * ((xx / w - 0.2) ** 2 + (yy / h - 0.1) ** 2)
        pixels *= light[..., None]
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    drawn = int(rng.integers(55, 75))
    if fax is not None:
        return fax(image, ink, dpi)
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=quality or drawn)
    return Image.open(io.BytesIO(buf.getvalue()))


def _perspective(image: Image.Image, rng) -> Image.Image:
    """A page shot from slightly off-axis: each corner pulled in by up to 3%."""
    w, h = image.size

    def d(s):
        return float(rng.uniform(0.005, 0.03)) * s

    src = [(d(w), d(h)), (w - d(w), d(h)), (w - d(w), h - d(h)), (d(w), h - d(h))]
    dst = [(0, 0), (w, 0), (w, h), (0, h)]
    coeffs = _perspective_coeffs(dst, src)
    return image.transform(image.size, Image.PERSPECTIVE, coeffs, Image.BICUBIC, fillcolor=(90, 90, 90))


def _perspective_coeffs(dst, src):
    matrix = []
    for (x, y), (u, v) in zip(dst, src):
        matrix.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        matrix.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    a = np.array(matrix, dtype=float)
    b = np.array([c for p in src for c in p], dtype=float)
    return np.linalg.solve(a, b).tolist()


def page_gold(pdf: Path, pages: list[int], gold: Path, source: str, folder: Path) -> list[list]:
    """Gold for a scan of only `pages` of `pdf`: the cells of `gold` (its gold JSON) that the
    PDF's own text layer places on those pages, with gold's values, written as a gold file
    for `source` into `folder` (metadata not scored: the pages may not print it). Returns them."""
    import json
    import sqlite3
    import subprocess
    import sys

    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "text_layer.sqlite"
    subprocess.run(
        [sys.executable, "-m", "gidr_etl.cli", "ingest", str(pdf), "--db", str(db), "-q"], capture_output=True
    )
    with sqlite3.connect(db) as con:
        marks = ",".join("?" * len(pages))
        sql = f"select section, row, col from cells where page in ({marks}) and not inferred"
        on_pages = set(con.execute(sql, pages))
    db.unlink()
    full = json.loads(gold.read_text(encoding="utf-8"))
    cells = [c for c in full["cells"] if tuple(c[:3]) in on_pages]
    subset = {"source": source, "metadata": dict.fromkeys(full["metadata"]), "cells": cells, "findings": []}
    (folder / gold.name).write_text(json.dumps(subset, ensure_ascii=False), encoding="utf-8")
    return cells


# A phone's 12-megapixel frame (portrait), and the page rendered at about the resolution the
# frame gives an A4 sheet filling most of it.
_PHONE_FRAME = (3000, 4000)
_PHONE_DPI = 300


def _phone_photo(page: Image.Image, rng, bow: float | None = None) -> Image.Image:
    """The page as a phone photographs it on a desk: the sheet bowed (its lines curved),
    keystoned (the phone held above and in front), on a darker textured background, lit
    unevenly (brighter towards the window, a soft shadow of the phone across a corner),
    slightly out of focus, with sensor noise. A page wider than high is shot in landscape.
    `bow`: how far the rows sag, as a share of the page's height (else 0.4–0.8%)."""
    import cv2

    src = np.asarray(page)
    h, w = src.shape[:2]
    # The sheet bowed, as a page lifts from a desk or a bound report's page curves: its rows
    # sag by up to ~0.8% of the page height in the middle, more at the top and bottom.
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    sag = (float(rng.uniform(0.004, 0.008)) if bow is None else bow) * h
    bend = sag * np.sin(np.pi * xx / w) * (0.6 + 0.8 * np.abs(yy / h - 0.5))
    bowed = cv2.remap(src, xx, yy - bend, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    fw, fh = _PHONE_FRAME if h >= w else _PHONE_FRAME[::-1]

    def jitter(s):
        return float(rng.uniform(-0.02, 0.02)) * s

    # Keystone: the top edge, farther from the phone, shorter than the bottom one.
    corners = np.float32(
        [
            (0.13 * fw + jitter(fw), 0.07 * fh + jitter(fh)),
            (0.87 * fw + jitter(fw), 0.08 * fh + jitter(fh)),
            (0.95 * fw + jitter(fw), 0.94 * fh + jitter(fh)),
            (0.05 * fw + jitter(fw), 0.93 * fh + jitter(fh)),
        ]
    )
    to_frame = cv2.getPerspectiveTransform(np.float32([(0, 0), (w, 0), (w, h), (0, h)]), corners)
    photo = cv2.warpPerspective(bowed, to_frame, (fw, fh), flags=cv2.INTER_AREA, borderValue=(0, 0, 0))
    inside = cv2.warpPerspective(np.full((h, w), 255, np.uint8), to_frame, (fw, fh), flags=cv2.INTER_NEAREST) > 0
    # A desk: brown, with a coarse grain.
    grain = cv2.resize(rng.normal(0, 1, (fh // 16, fw // 16)).astype(np.float32), (fw, fh))
    desk = np.array([118, 92, 66], np.float32) * (1 + 0.08 * grain[..., None])
    pixels = np.where(inside[..., None], photo.astype(np.float32), desk)
    fy, fx = np.mgrid[0:fh, 0:fw].astype(np.float32)
    fy, fx = fy / fh, fx / fw
    light = 1.05 - 0.45 * ((fx - float(rng.uniform(0.1, 0.4))) ** 2 + (fy - float(rng.uniform(0.0, 0.3))) ** 2)
    shadow = 1.0 - 0.3 / (1.0 + np.exp(-(fx + fy - 1.55) * 25.0))  # the phone's shadow over the lower right
    pixels *= (light * shadow)[..., None] * np.array([1.0, 0.97, 0.9], np.float32)  # warm indoor light
    pixels = cv2.GaussianBlur(pixels, (0, 0), float(rng.uniform(0.8, 1.2)))
    pixels += rng.normal(0, 4, pixels.shape[:2]).astype(np.float32)[..., None]
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("pdfs", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--dpi", type=int, default=180)
    parser.add_argument("--photographed", action="store_true")
    parser.add_argument("--rotations", default="0", help='degrees, a comma list per page, or "duplex"')
    parser.add_argument("--phone", action="store_true")
    parser.add_argument("--pages", help="page numbers to keep, comma-separated")
    args = parser.parse_args()
    rotations: int | list[int] | str = args.rotations
    if args.rotations != "duplex":
        turns = [int(r) for r in args.rotations.split(",")]
        rotations = turns if len(turns) > 1 else turns[0]
    pages = [int(n) for n in args.pages.split(",")] if args.pages else None
    for pdf in args.pdfs:
        name = pdf.with_suffix(".jpg").name if args.phone and pages and len(pages) == 1 else pdf.name
        print(
            make_scan(
                pdf,
                args.out / name,
                dpi=args.dpi,
                photographed=args.photographed,
                rotations=rotations,
                phone=args.phone,
                pages=pages,
            )
        )
