"""Image-only PDFs made from the project's own PDFs, the way a scanner or a phone makes them.

Each page is rasterised at 150–200 dpi, tilted by up to ±1°, blurred, given paper grain and
JPEG artefacts; the first page gets a red seal over its text; the pages are saved as an
image-only PDF (no text layer). `photographed=True` adds a perspective skew and uneven light.
`rotations=` turns pages as a scanner's feeder does (a sideways page, a duplex scan with every
other page upside down); `phone=True` makes each page a phone photo instead of a scan;
`pages=` keeps only some pages (a single table page).
A fixed seed per file keeps every run of the tests on the same images.
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
) -> Path:
    """Write `pdf` as an image-only scan to `out`; returns `out`.

    rotations: degrees (a multiple of 90, counter-clockwise) every page is turned, a list of
    them page by page (of the pages kept), or "duplex": every other page upside down.
    phone: each page photographed by a phone (_phone_photo), saved as a JPEG when `out` ends
    in .jpg (one page), else as a PDF of the photos, tagged 72 dpi as phones tag them.
    pages: the page numbers (from 1) to keep."""
    rng = np.random.default_rng(zlib.crc32(Path(pdf).name.encode()) if seed is None else seed)
    images = []
    doc = pdfium.PdfDocument(str(pdf))
    try:
        numbers = pages or range(1, len(doc) + 1)
        for k, n in enumerate(numbers):
            image = doc[n - 1].render(scale=(_PHONE_DPI if phone else dpi) / 72).to_pil().convert("RGB")
            if n == 1:
                image = _seal(image, rng)
            image = _turn(image, _rotation(rotations, k))
            images.append(_phone_photo(image, rng) if phone else _degrade(image, rng, tilt, photographed))
    finally:
        doc.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    if phone and out.suffix.lower() in (".jpg", ".jpeg"):
        if len(images) != 1:
            raise ValueError("a phone photo is one page: pass pages=[n]")
        images[0].save(out, "JPEG", quality=88, dpi=(72, 72))
        return out
    images[0].save(out, "PDF", save_all=True, append_images=images[1:], resolution=72 if phone else dpi)
    return out


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


def _seal(image: Image.Image, rng) -> Image.Image:
    """A translucent red round seal with a star and an arc of text, over the first page's text."""
    w, h = image.size
    r = int(w * 0.11)
    cx, cy = int(w * rng.uniform(0.55, 0.7)), int(h * rng.uniform(0.12, 0.3))
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    red = (220, 30, 40, 170)
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


def _degrade(image: Image.Image, rng, tilt: float, photographed: bool) -> Image.Image:
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
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=int(rng.integers(55, 75)))
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
