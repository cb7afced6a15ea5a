#!/usr/bin/env python3
"""Where a scanned page's CPU goes: detection, recognition by caller, and the rest.

    .venv/bin/python bench/ocr_profile.py SCAN.pdf [SCAN.pdf ...]

Reads every page of the given image-only PDFs (bench/ocr.py --keep DIR leaves scans in
DIR/real, DIR/photo, DIR/seeds) in this one thread, rendered as the scan format renders
them, and prints the CPU seconds a page spent in text detection, in recognition by the
function that asked for it (its crops, their mean width at the model's input height: the
model's time grows with it), and in everything else (rulings, warps, crops, layout).
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("pdfs", nargs="+", type=Path)
    args = parser.parse_args()
    import numpy as np
    import pypdfium2 as pdfium

    from gidr_etl.formats import scan
    from gidr_etl.formats.ocr import engine as ocr_engine
    from gidr_etl.formats.ocr.page import read_page

    engine = ocr_engine.engine()
    spent: dict[str, list[float]] = collections.defaultdict(lambda: [0, 0, 0.0, 0.0])  # calls, crops, CPU s, width
    detect, recognise = engine.detect, engine.recognise

    def timed_detect(image):
        start = time.thread_time()
        quads = detect(image)
        stage = spent["detection"]
        stage[0] += 1
        stage[1] += len(quads)
        stage[2] += time.thread_time() - start
        return quads

    def timed_recognise(crops):
        caller = sys._getframe(1).f_code.co_name
        start = time.thread_time()
        read = recognise(crops)
        stage = spent[f"recognition from {caller}"]
        stage[0] += 1
        stage[1] += len(crops)
        stage[2] += time.thread_time() - start
        stage[3] += sum(
            max(ocr_engine._REC_HEIGHT * c.shape[1] / max(c.shape[0], 1), ocr_engine._REC_MIN_WIDTH) for c in crops
        )
        return read

    engine.detect, engine.recognise = timed_detect, timed_recognise  # type: ignore[method-assign]
    pages = 0
    start = time.thread_time()
    for path in args.pdfs:
        pdf = pdfium.PdfDocument(str(path))
        for n in range(len(pdf)):
            image = np.ascontiguousarray(pdf[n].render(scale=scan.DPI / 72).to_numpy()[..., :3])
            read_page(image, scan.DPI / 72, str(path), n + 1)
            pages += 1
        pdf.close()
    total = time.thread_time() - start
    print(f"{pages} pages: {total / pages:.2f} CPU s a page (rendering included)")
    for name, (calls, crops, cpu, width) in sorted(spent.items(), key=lambda kv: -kv[1][2]):
        mean = f", mean width {width / crops:.0f} px" if width else ""
        print(f"  {name}: {cpu / pages:.2f} s a page ({calls:.0f} calls, {crops:.0f} crops or boxes{mean})")
    rest = total - sum(stage[2] for stage in spent.values())
    print(f"  everything else: {rest / pages:.2f} s a page")


if __name__ == "__main__":
    main()
