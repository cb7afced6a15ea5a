#!/usr/bin/env python3
"""Scans as offices make them: turned pages, a duplex scan, phone photos. Cells right and
wrong per factor, and what finding each page's orientation costs, measured in this run.

    .venv/bin/python bench/ocr_geometry.py [--keep DIR]

Makes scans of the real PDFs with tests/scans.py (upright; pages turned 90/180/270/0; a
duplex scan, every other page upside down; page 3 photographed by a phone, as a 72-dpi
JPEG and as a PDF of it), ingests each, and scores it against tests/gold (a scan of some
pages against the gold cells on those pages, tests/scans.page_gold). Then reads the turned
scan's pages in this process and prints CPU seconds a page: the whole read, the detection
alone, and the orientation step (orient.quarter_turns) alone, so its share is a ratio
measured here and not a figure from another machine.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from scans import make_scan, page_gold  # noqa: E402

GOLD = ROOT / "tests/gold/realdocs"


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _ingest_and_score(scan: Path, gold_dir: Path, db: Path) -> str:
    db.unlink(missing_ok=True)
    cpu = _cpu()
    subprocess.run(
        [sys.executable, "-m", "gidr_etl.cli", "ingest", str(scan), "--db", str(db), "-q"],
        capture_output=True,
        check=False,
    )
    cpu = _cpu() - cpu
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tests/gidr_score.py"), "--db", str(db), "--gold", str(gold_dir), "-v"],
        capture_output=True,
        text=True,
    )
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith(scan.name)), f"{scan.name}: not scored")
    return f"{line}  [{cpu:.1f} CPU s]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keep", type=Path)
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="gidr-geometry-"))
    h24, h23 = ROOT / "sample_inputs/hongze_district_gov_2024.pdf", ROOT / "sample_inputs/hongze_district_gov_2023.pdf"
    tables = [1, 2, 3, 4]  # title and every table; page 5 is prose
    factors = {
        "upright": (make_scan(h24, work / "upright" / h24.name, pages=tables), GOLD),
        "turned 90/180/270/0": (
            make_scan(h24, work / "turned" / h24.name, pages=tables, rotations=[90, 180, 270, 0]),
            GOLD,
        ),
        "duplex": (make_scan(h23, work / "duplex" / h23.name, pages=tables, rotations="duplex"), GOLD),
    }
    for kind, name in (("JPEG", "page3.jpg"), ("PDF", "page3.pdf")):
        photo = make_scan(h24, work / "phone" / name, pages=[3], phone=True)
        folder = work / f"gold_{name}"
        page_gold(h24, [3], GOLD / f"{h24.stem}.json", name, folder)
        factors[f"phone photo, 72 dpi {kind}"] = (photo, folder)
    for factor, (scan, gold_dir) in factors.items():
        print(f"{factor}: {_ingest_and_score(scan, gold_dir, work / f'{scan.stem}.db')}")
    _orientation_cost(factors["turned 90/180/270/0"][0])


def _orientation_cost(scan: Path) -> None:
    import numpy as np
    import pypdfium2 as pdfium

    import gidr_etl.formats.ocr.page as page_module
    from gidr_etl.formats.ocr.engine import engine
    from gidr_etl.formats.ocr.orient import quarter_turns, upright
    from gidr_etl.formats.ocr.page import _rgb, read_page
    from gidr_etl.formats.ocr.photo import as_page
    from gidr_etl.formats.ocr.rulings import binarise, ruling_mask
    from gidr_etl.formats.scan import DPI

    ocr = engine()
    pdf = pdfium.PdfDocument(str(scan))
    images = [pdf[n].render(scale=DPI / 72).to_numpy()[..., :3].copy() for n in range(len(pdf))]
    pdf.close()
    read = detect = orient = 0.0
    for image in images:
        start = time.process_time()
        page, scale = as_page(image, DPI / 72)
        read_page(page, scale, scan.name, 1)
        read += time.process_time() - start
        grey = page.max(axis=2)
        horizontal, vertical = ruling_mask(binarise(grey), scale)
        grey[(horizontal | vertical) > 0] = 255
        start = time.process_time()
        quads = ocr.detect(_rgb(grey))
        detect += time.process_time() - start
        start = time.process_time()
        quarter_turns(grey, quads, ocr.angles)
        orient += time.process_time() - start
    # The same pages turned upright beforehand and read with the orientation step left out.
    page_module.upright = lambda grey, clean, rulings, quads, classify: (grey, clean, rulings, quads)  # type: ignore[assignment]
    plain = 0.0
    for image in images:
        page, scale = as_page(image, DPI / 72)
        grey = page.max(axis=2)
        horizontal, vertical = ruling_mask(binarise(grey), scale)
        clean = grey.copy()
        clean[(horizontal | vertical) > 0] = 255
        k = quarter_turns(clean, ocr.detect(_rgb(clean)), ocr.angles)
        turned = np.ascontiguousarray(np.rot90(page, k))
        start = time.process_time()
        read_page(turned, scale, scan.name, 1)
        plain += time.process_time() - start
    page_module.upright = upright
    n = len(images)
    print(
        f"CPU s a page ({n} turned pages, in this process): read {read / n:.2f} with orientation, "
        f"{plain / n:.2f} upright without it; detection {detect / n:.2f}; orientation {orient / n:.3f} "
        f"({orient / read:.1%} of the read)"
    )


if __name__ == "__main__":
    main()
