#!/usr/bin/env python3
"""Scanned reports: pages per second and the gold score, on scans made from the project's PDFs.

    .venv/bin/python bench/ocr.py [--seeds] [--ink] [--workers N] [--keep DIR]

Makes image-only scans (tests/scans.py: 180 dpi, tilt, blur, grain, JPEG, a red seal;
one photographed variant) of the three real PDFs (and with --seeds the five seeds'
PDF renderings, which needs LibreOffice; with --ink the real report hongze 2024 as a fax,
under a dark seal, under a coffee ring, at JPEG quality 30 and 150 dpi, and with its
requests table cut below its heading by a page break), ingests them, prints wall and CPU seconds a
page measured in this run against reading the same PDFs' text layers (the ratio), and
scores the cells against tests/gold. Target (#13): a 6-page scan in under 5 s on 2 cores,
about 1.7 CPU s a page.
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

from scans import make_scan  # noqa: E402


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", action="store_true")
    parser.add_argument("--ink", action="store_true")
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--keep", type=Path)
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="gidr-ocr-"))
    sets = {"realdocs": [make_scan(p, work / "real" / p.name) for p in sorted((ROOT / "sample_inputs").glob("*.pdf"))]}
    sets["photographed"] = [
        make_scan(
            ROOT / "sample_inputs/hongze_district_gov_2024.pdf",
            work / "photo/hongze_district_gov_2024.pdf",
            photographed=True,
        )
    ]
    if args.ink:
        report = ROOT / "sample_inputs/hongze_district_gov_2024.pdf"
        factors = {
            "fax": {"fax": True},
            "dark_seal": {"dark_seal": 3},
            "stain": {"stain": 3},
            "jpeg30_150dpi": {"quality": 30, "dpi": 150},
            "split_table": {"split_table": (3, 1)},
        }
        for name, kw in factors.items():
            sets[name] = [make_scan(report, work / name / report.name, **kw)]  # type: ignore[arg-type]
    if args.seeds:
        from render import SEEDS, render_pdf

        sets["seeds"] = []
        (work / "seed_pdf").mkdir(parents=True, exist_ok=True)
        for seed in SEEDS:
            pdf = render_pdf(seed, work / "seed_pdf" / f"{seed}.pdf")
            sets["seeds"].append(make_scan(pdf, work / "seeds" / pdf.name))
    import pypdfium2 as pdfium

    def ingest(files: list[Path], db: Path) -> tuple[float, float]:
        """(wall, CPU) seconds to ingest `files` into a fresh `db`."""
        db.unlink(missing_ok=True)
        cpu, start = _cpu(), time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "gidr_etl.cli",
                "ingest",
                *map(str, files),
                "--db",
                str(db),
                "-q",
                "--workers",
                str(args.workers),
            ],
            cwd=ROOT,
            check=False,
        )
        return time.perf_counter() - start, _cpu() - cpu

    originals = sorted((ROOT / "sample_inputs").glob("*.pdf"))
    text_wall, text_cpu = ingest(originals, work / "text_layer.db")
    text_pages = sum(len(pdfium.PdfDocument(str(f))) for f in originals)
    print(
        f"text layer: {len(originals)} PDFs, {text_pages} pages: {text_wall:.1f} s wall, "
        f"{text_cpu / text_pages:.2f} CPU s a page"
    )
    for name, files in sets.items():
        pages = sum(len(pdfium.PdfDocument(str(f))) for f in files)
        db = work / f"{name}.db"
        wall, cpu = ingest(files, db)
        print(
            f"{name}: {len(files)} files, {pages} pages: {wall:.1f} s wall ({pages / wall:.2f} pages/s), "
            f"{cpu / pages:.2f} CPU s a page = {cpu / pages / (text_cpu / text_pages):.1f}× the text layer's"
        )
        gold = ROOT / "tests/gold" / ("seeds" if name == "seeds" else "realdocs")
        # A seed's scan (NAME.pdf) is scored against the gold of its .txt source.
        by_stem = ["--by-stem"] if name == "seeds" else []
        score = subprocess.run(
            [sys.executable, str(ROOT / "tests/gidr_score.py"), "--db", str(db), "--gold", str(gold), "-v", *by_stem],
            capture_output=True,
            text=True,
        )
        stems = {f.stem for f in files}
        print(
            "\n".join(
                line for line in score.stdout.splitlines() if any(line.startswith(s) for s in stems) or "wrong" in line
            )
        )


if __name__ == "__main__":
    main()
