"""Image-only PDFs made from the project's own PDFs, the way a scanner or a phone makes them.

Each page is rasterised at 150–200 dpi, tilted by up to ±1°, blurred, given paper grain and
JPEG artefacts; the first page gets a red seal over its text; the pages are saved as an
image-only PDF (no text layer). `photographed=True` adds a perspective skew and uneven light.
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
    pdf: Path, out: Path, dpi: int = 180, tilt: float = 0.6, photographed: bool = False, seed: int | None = None
) -> Path:
    """Write `pdf` as an image-only scan to `out`; returns `out`."""
    return _scan(pdf, out, dpi, tilt, photographed, seed, {})


Box = tuple[float, float, float, float]  # x0, top, x1, bottom in points


def make_scan_without(pdf: Path, out: Path, lost: dict[int, list[Box]], **options) -> Path:
    """`pdf` as make_scan makes it, with the print in each box (by 0-based page) lost before
    the scan, as where toner did not take or a scanner's detector box cuts a number short."""
    return _scan(pdf, out, options.get("dpi", 180), options.get("tilt", 0.6), False, options.get("seed"), lost)


def leading_digit(pdf: Path, row_label: str, column: int) -> tuple[int, Box]:
    """(0-based page, box) of the first character in a ruled table's row, whose cells' text
    includes `row_label`, at `column` (negative: from the right), as the PDF's text layer
    (pdfplumber) places them."""
    import pdfplumber

    with pdfplumber.open(str(pdf)) as doc:
        for n, page in enumerate(doc.pages):
            for table in page.find_tables():
                for row, texts in zip(table.rows, table.extract()):
                    if any(row_label in (t or "").replace("\n", "") for t in texts):
                        x0, top, x1, bottom = row.cells[column]
                        inside = [
                            c
                            for c in page.chars
                            if x0 <= (c["x0"] + c["x1"]) / 2 < x1 and top <= (c["top"] + c["bottom"]) / 2 < bottom
                        ]
                        first = min(inside, key=lambda c: c["x0"])
                        return n, (first["x0"], first["top"], first["x1"], first["bottom"])
    raise LookupError(f"no table row with {row_label!r} in {pdf}")


def _scan(
    pdf: Path, out: Path, dpi: int, tilt: float, photographed: bool, seed: int | None, lost: dict[int, list[Box]]
) -> Path:
    rng = np.random.default_rng(zlib.crc32(Path(pdf).name.encode()) if seed is None else seed)
    pages = []
    doc = pdfium.PdfDocument(str(pdf))
    try:
        for n in range(len(doc)):
            image = doc[n].render(scale=dpi / 72).to_pil().convert("RGB")
            draw = ImageDraw.Draw(image)
            for x0, top, x1, bottom in lost.get(n, []):
                draw.rectangle([v * dpi / 72 for v in (x0 - 0.5, top - 0.5, x1 + 0.5, bottom + 0.5)], fill="white")
            if n == 0:
                image = _seal(image, rng)
            pages.append(_degrade(image, rng, tilt, photographed))
    finally:
        doc.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=dpi)
    return out


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


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("pdfs", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--dpi", type=int, default=180)
    parser.add_argument("--photographed", action="store_true")
    args = parser.parse_args()
    for pdf in args.pdfs:
        print(make_scan(pdf, args.out / pdf.name, dpi=args.dpi, photographed=args.photographed))
