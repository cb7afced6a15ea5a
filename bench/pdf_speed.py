"""PDF ingest time against pdfplumber's own extract_text() on the same files, for both page readers.

    .venv/bin/python bench/pdf_speed.py                 # the real reports in sample_inputs/, 5 copies each
    .venv/bin/python bench/pdf_speed.py --copies 1 --repeat 3 other/*.pdf

Every figure comes from this one run on this machine. Each measurement runs in a child
process, timed around the work only (not the interpreter's start or imports):

- extract_text: pdfplumber.open() and extract_text() on every page of every file;
- ingest: `gidr-etl ingest` of the same files into a fresh database with one worker
  (bench/run.py --one), once with GIDR_ETL_PDF_READER=pdfium, once =pdfplumber.

The copies differ by a trailing PDF comment, so each is a report of its own (reports are
keyed by content). Issue #14's target: pdfium ingest ≤ 0.33 × extract_text.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN = Path(__file__).resolve().parent / "run.py"
READERS = ("pdfium", "pdfplumber")
TARGET = 0.33


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pdfs", nargs="*", type=Path, help="PDFs to read (default: sample_inputs/*.pdf)")
    ap.add_argument("--copies", type=int, default=5, help="copies of each file (default 5: 15 real reports)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each measurement; the best is reported")
    ap.add_argument("--extract-text", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.extract_text:
        return _extract_text(args.extract_text)

    pdfs = args.pdfs or sorted((ROOT / "sample_inputs").glob("*.pdf"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "pdfs"
        _copies(pdfs, args.copies, folder)
        runs: dict[str, list[dict]] = {"extract_text": [], **{reader: [] for reader in READERS}}
        for _ in range(args.repeat):  # in turns, so that the ratios compare runs under the same load
            runs["extract_text"].append(_child([sys.executable, __file__, "--extract-text", str(folder)]))
            for reader in READERS:
                runs[reader].append(_ingest(folder, Path(tmp) / f"{reader}.db", reader))
        best = {name: min(got, key=lambda r: r["seconds"]) for name, got in runs.items()}
        baseline = best["extract_text"]
        print(
            f"{baseline['files']} PDFs, {baseline['pages']} pages ({len(pdfs)} files × {args.copies} copies); "
            f"one worker; best of {args.repeat}"
        )
        print(f"pdfplumber extract_text() on every page: {baseline['seconds']:.2f} s")
        print()
        print("| reader | ingest s | ingest / extract_text | pages/s per core | CPU ms/page | reports |")
        print("|---|---|---|---|---|---|")
        ratios = {}
        for reader in READERS:
            got = best[reader]
            ratios[reader] = got["seconds"] / baseline["seconds"]
            print(
                f"| {reader} | {got['seconds']:.2f} | {ratios[reader]:.3f} | {got['pages'] / got['seconds']:.1f} | "
                f"{1000 * got['cpu'] / max(got['pages'], 1):.1f} | {got['reports']}/{got['files']} |",
                flush=True,
            )
        print()
        verdict = "met" if ratios["pdfium"] <= TARGET else "NOT met"
        print(
            f"target: pdfium ingest ≤ {TARGET} × extract_text: {verdict} ({ratios['pdfium']:.3f}); "
            f"pdfium is {ratios['pdfplumber'] / ratios['pdfium']:.1f}× the pdfplumber reader's speed"
        )
        print(f"load average after: {os.getloadavg()[0]:.2f}")


def _copies(pdfs: list[Path], copies: int, folder: Path) -> None:
    folder.mkdir(parents=True)
    for k in range(copies):
        for pdf in pdfs:
            target = folder / f"{pdf.stem}.{k}.pdf"
            shutil.copyfile(pdf, target)
            if k:
                with target.open("ab") as f:  # a comment after %%EOF: the same document, another hash
                    f.write(f"\n% copy {k}\n".encode())


def _ingest(folder: Path, db: Path, reader: str) -> dict:
    """bench/run.py's timed ingest, one worker, into a fresh database."""
    for suffix in ("", "-wal", "-shm"):
        db.with_name(db.name + suffix).unlink(missing_ok=True)
    env = {**os.environ, "GIDR_ETL_PDF_READER": reader}
    return _child([sys.executable, str(RUN), "--one", str(folder), str(db), "1"], env)


def _child(cmd: list[str], env: dict | None = None) -> dict:
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}): {done.stdout}{done.stderr}")
    return json.loads(done.stdout.splitlines()[-1])


def _extract_text(folder: Path) -> None:
    """pdfplumber as its users call it, in a process that never imported gidr_etl."""
    import pdfplumber

    files = sorted(folder.glob("*.pdf"))
    pages = 0
    started = time.perf_counter()
    for path in files:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                page.extract_text()
                pages += 1
    print(json.dumps({"files": len(files), "pages": pages, "seconds": time.perf_counter() - started}))


if __name__ == "__main__":
    main()
