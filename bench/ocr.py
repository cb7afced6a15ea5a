#!/usr/bin/env python3
"""Scanned reports: pages per second, CPU seconds a page, peak memory and the gold score,
on scans made from the project's PDFs.

    .venv/bin/python bench/ocr.py [--seeds] [--ink] [--no-photo] [--dpi 150 300] [--workers N] [--keep DIR]
                                  [--tilt 3] [--baseline DIR] [--copies N] [FACTOR OPTIONS]
    .venv/bin/python bench/ocr.py --factor-table [--seeds]

Makes image-only scans (tests/scans.py: tilt, blur, grain, JPEG, a red seal; one
photographed variant) of the three real PDFs (and with --seeds the five seeds' PDF
renderings, which needs LibreOffice), at each --dpi, ingests each set in a fresh
process, and prints per set: wall seconds and pages/s, CPU seconds a page (the ingest
process and its workers) against reading the same PDFs' text layers in this run (the
ratio), the peak resident memory of the largest of those processes (one worker, as
--workers 2 runs them), and the cells right, wrong and missed against tests/gold.
With --ink, the real report hongze 2024 is also scanned as a fax, under a dark seal, under
a coffee ring, at JPEG quality 30 and 150 dpi, and with its requests table cut below its
heading by a page break (one set each).
Target (#23): at most 1 CPU s a page and 600 MB a worker, 0 wrong numbers.

With --factor-table, the sets are issue #23's factors instead, one set each over the real
PDFs (and with --seeds the seeds'), and a closing table sums them: tilt 3°, each rotation,
duplex, 150 and 300 dpi, JPEG quality 30, fax, phone photo, a dark seal and a coffee ring
over the requests table, and the requests table's page alone (scored against the gold cells
the PDF's text layer places on it).

The factor options (--rotations, --phone, --pages, --fax, --dark-seal, --stain,
--quality, --split-table) are passed to tests/scans.py make_scan as keyword arguments;
one that make_scan does not take yet is an error that says so.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from scans import make_scan, page_gold  # noqa: E402


def _literal(text: str):
    """A factor's value as Python reads it (90, [0, 90], 30), else the word itself ("duplex")."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


# make_scan's factors: keyword → argparse settings. A flag is True when given.
FACTORS: dict[str, dict] = {
    "rotations": {"type": _literal, "help": "degrees for every page (90), per page ([0,90]), or duplex"},
    "phone": {"action": "store_true", "help": "a phone photo of each page"},
    "pages": {"type": _literal, "help": "keep only these page numbers (3 or [2,3])"},
    "fax": {"action": "store_true", "help": "1-bit fax, thin dotted rulings"},
    "dark_seal": {"type": int, "help": "a dark seal over this page's table (3)"},
    "stain": {"type": int, "help": "a coffee ring over this page's table (3)"},
    "quality": {"type": int, "help": "JPEG quality (e.g. 30)"},
    "split_table": {
        "type": _literal,
        "help": "page N's lowest table cut by a page break (3, or (3, 1): at its first ruling)",
    },
}


TABLE = "table"  # in FACTOR_TABLE: the page that holds the file's requests table
# Issue #23's factors as make_scan's keywords, one set each (--factor-table).
FACTOR_TABLE: dict[str, dict] = {
    "tilt 3°": {"tilt": 3.0},
    "turned 90°": {"rotations": 90},
    "turned 180°": {"rotations": 180},
    "turned 270°": {"rotations": 270},
    "duplex": {"rotations": "duplex"},
    "150 dpi": {"dpi": 150},
    "300 dpi": {"dpi": 300},
    "JPEG 30": {"quality": 30},
    "fax": {"fax": True},
    "phone photo": {"phone": True},
    "dark seal": {"dark_seal": TABLE},
    "coffee ring": {"stain": TABLE},
    "table page alone": {"pages": [TABLE]},
}


def _table_page(pdf: Path) -> int:
    """The page (from 1) whose text layer prints the requests table's first row."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        for n in range(len(doc)):
            if "本年新收" in doc[n].get_textpage().get_text_range().replace(" ", ""):
                return n + 1
    finally:
        doc.close()
    raise ValueError(f"{pdf.name}: no page prints the requests table")


def _resolved(kw: dict, pdf: Path) -> dict:
    """A FACTOR_TABLE entry with TABLE replaced by `pdf`'s requests page."""
    if not any(v in (TABLE, [TABLE]) for v in kw.values()):
        return kw
    page = _table_page(pdf)
    return {k: ([page] if v == [TABLE] else page if v == TABLE else v) for k, v in kw.items()}


def _factors(args: argparse.Namespace, parser: argparse.ArgumentParser) -> dict:
    """The factors given, checked against the keyword arguments make_scan takes."""
    given = {k: v for k in FACTORS if (v := getattr(args, k)) not in (None, False)}
    known = inspect.signature(make_scan).parameters
    unknown = [k for k in given if k not in known]
    if unknown:
        parser.error(
            f"tests/scans.py make_scan does not take {', '.join(unknown)} yet "
            f"(it takes {', '.join(p for p in known if p not in ('pdf', 'out'))})"
        )
    return given


def _ingest(files: list[Path], db: Path, workers: int, code: Path = ROOT) -> tuple[float, float, float]:
    """(wall s, CPU s, peak MB) of ingesting `files` into a fresh `db` with the gidr_etl
    package in `code`. CPU comes from wait4 on the ingest process (its own and its waited-for
    workers' usage); the peak is the largest VmHWM any of those processes reached, polled:
    a child's ru_maxrss starts from its forking parent's peak, and this bench holds every
    scan it made."""
    db.unlink(missing_ok=True)
    start = time.perf_counter()
    proc = subprocess.Popen(  # `python -m` imports gidr_etl from its working directory first
        [sys.executable, "-m", "gidr_etl.cli", "ingest", *map(str, files), "--db", str(db), "-q"]
        + ["--workers", str(workers)],
        cwd=code,
    )
    peaks: dict[int, int] = {}
    while True:
        pid, _, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        for p in _tree(proc.pid):
            peaks[p] = max(peaks.get(p, 0), _hwm_kb(p))
        time.sleep(0.05)
    proc.returncode = 0  # reaped here
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime, max(peaks.values(), default=0) / 1024


def _tree(pid: int) -> list[int]:
    """`pid` and its descendants (its workers)."""
    import psutil

    try:
        return [pid] + [c.pid for c in psutil.Process(pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _hwm_kb(pid: int) -> int:
    """The process's peak resident memory since its exec (VmHWM), 0 once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    m = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
    return int(m.group(1)) if m else 0


def _score(db: Path, gold: Path, stems: set[str], by_stem: bool) -> tuple[list[str], tuple[int, int, int, int]]:
    """The scorer's lines for these files, and (right, total, wrong, missed) over them."""
    score = subprocess.run(
        [sys.executable, str(ROOT / "tests/gidr_score.py"), "--db", str(db), "--gold", str(gold), "-v"]
        + (["--by-stem"] if by_stem else []),
        capture_output=True,
        text=True,
    )
    lines, totals, ours = [], [0, 0, 0, 0], False
    for line in score.stdout.splitlines():
        if not line.startswith(" "):
            ours = any(line.startswith(s) for s in stems)
            if ours and (m := re.search(r"cells (\d+)/(\d+)(?: \((\d+) wrong, (\d+) missed)?", line)):
                for k, v in enumerate(m.groups()):
                    totals[k] += int(v or 0)
        if ours:
            lines.append(line)  # a file's line and the cells it got wrong or missed under it
    right, total, wrong, missed = totals
    return lines, (right, total, wrong, missed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", action="store_true", help="also the five seeds' renderings (LibreOffice)")
    parser.add_argument("--ink", action="store_true", help="also hongze 2024 under each ink factor")
    parser.add_argument("--factor-table", action="store_true", help="one set per factor of issue #23, and their sum")
    parser.add_argument("--no-photo", action="store_true", help="leave out the photographed variant")
    parser.add_argument("--dpi", type=int, nargs="+", default=[180], help="scan resolutions, 150–300 (default 180)")
    parser.add_argument("--tilt", type=float, default=0.6, help="largest tilt, degrees")
    parser.add_argument("--workers", type=int, default=2, help="ingest --workers (default 2)")
    parser.add_argument("--keep", type=Path, help="make the scans in DIR and keep them")
    parser.add_argument(
        "--copies",
        type=int,
        default=1,
        metavar="N",
        help="ingest each set's scans N times over, each copy other bytes, as a folder of many reports runs: "
        "the workers' start is shared by N times the pages (cells are scored on the first copy)",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="DIR",
        help="also ingest each set with the gidr_etl package in DIR (e.g. `git archive REV gidr_etl | tar -x -C DIR`)"
        ", right before this tree's, for before → after figures from one run",
    )
    for name, settings in FACTORS.items():
        parser.add_argument(f"--{name.replace('_', '-')}", dest=name, **settings)
    args = parser.parse_args()
    factors = _factors(args, parser)
    work = args.keep or Path(tempfile.mkdtemp(prefix="gidr-ocr-"))
    reals = sorted((ROOT / "sample_inputs").glob("*.pdf"))
    seed_pdfs = []
    if args.seeds:
        from render import SEEDS, render_pdf

        (work / "seed_pdf").mkdir(parents=True, exist_ok=True)
        seed_pdfs = [render_pdf(seed, work / "seed_pdf" / f"{seed}.pdf") for seed in SEEDS]
    sets: dict[str, tuple[list[Path], Path]] = {}  # name → (scans, gold)
    seeds_gold: set[str] = set()  # the sets scored against the seeds' gold (by stem)

    def scans(pdfs: list[Path], folder: str, dpi: int, photographed: bool = False) -> list[Path]:
        return [
            make_scan(p, work / folder / p.name, dpi=dpi, tilt=args.tilt, photographed=photographed, **factors)
            for p in pdfs
        ]

    if args.factor_table:
        for name, kw in FACTOR_TABLE.items():
            for kind, pdfs, gold in [
                ("real", reals, ROOT / "tests/gold/realdocs"),
                ("seeds", seed_pdfs, ROOT / "tests/gold/seeds"),
            ]:
                if not pdfs:
                    continue
                folder = work / f"{name}-{kind}".replace(" ", "_").replace("°", "")
                each = [_resolved(kw, p) for p in pdfs]
                files = [make_scan(p, folder / p.name, **{**factors, **k}) for p, k in zip(pdfs, each)]
                if "pages" in kw:  # scored against the cells on the page kept
                    alone = folder / "gold"
                    for p, f, k in zip(pdfs, files, each):
                        page_gold(p, k["pages"], gold / f"{p.stem}.json", f.name, alone)
                    gold = alone
                sets[f"{name} ({kind})"] = (files, gold)
                if kind == "seeds":
                    seeds_gold.add(f"{name} ({kind})")
    for dpi in [] if args.factor_table else args.dpi:
        sets[f"realdocs@{dpi}"] = (scans(reals, f"real{dpi}", dpi), ROOT / "tests/gold/realdocs")
        if not args.no_photo:
            hongze = [ROOT / "sample_inputs/hongze_district_gov_2024.pdf"]
            sets[f"photographed@{dpi}"] = (scans(hongze, f"photo{dpi}", dpi, True), ROOT / "tests/gold/realdocs")
        if seed_pdfs:
            sets[f"seeds@{dpi}"] = (scans(seed_pdfs, f"seeds{dpi}", dpi), ROOT / "tests/gold/seeds")
            seeds_gold.add(f"seeds@{dpi}")
    if args.ink:  # one set a factor, on one real report (tests/test_scan_ink.py's cases)
        report = ROOT / "sample_inputs/hongze_district_gov_2024.pdf"
        presets: dict[str, dict] = {
            "fax": {"fax": True},
            "dark_seal": {"dark_seal": 3},
            "stain": {"stain": 3},
            "jpeg30@150": {"quality": 30, "dpi": 150},
            "split_table": {"split_table": (3, 1)},
        }
        for name, kw in presets.items():
            sets[name] = (
                [make_scan(report, work / name / report.name, **{**factors, **kw})],
                ROOT / "tests/gold/realdocs",
            )
    import pypdfium2 as pdfium

    def count(files: list[Path]) -> int:
        return sum(len(pdfium.PdfDocument(str(f))) for f in files)

    text_wall, text_cpu, text_peak = _ingest(reals, work / "text_layer.db", args.workers)
    text_pages = count(reals)
    print(
        f"text layer: {len(reals)} PDFs, {text_pages} pages: {text_wall:.1f} s wall, "
        f"{text_cpu / text_pages:.2f} CPU s a page, peak {text_peak:.0f} MB"
    )
    print(f"factors: {factors or 'none'}; tilt {args.tilt}°; --workers {args.workers}")
    rows = []  # (set, pages, right, total, wrong, missed, CPU s a page) of this tree's runs
    for name, (scanned, gold) in sets.items():
        files = _copies(scanned, args.copies)
        pages = count(files)
        for label, code in [("baseline", args.baseline)] * bool(args.baseline) + [("", ROOT)]:
            db = work / f"{name.replace('@', '_')}{'_' + label if label else ''}.db"
            wall, cpu, peak = _ingest(files, db, args.workers, code)
            lines, (right, total, wrong, missed) = _score(db, gold, {f.stem for f in files}, name in seeds_gold)
            if not label:
                rows.append((name, pages, right, total, wrong, missed, cpu / pages))
            print(
                f"{name}{' ' + label if label else ''}: {len(files)} files, {pages} pages: {wall:.1f} s wall "
                f"({pages / wall:.2f} pages/s), {cpu / pages:.2f} CPU s a page = "
                f"{cpu / pages / (text_cpu / text_pages):.1f}× the text layer's, peak {peak:.0f} MB a process; "
                f"cells {right}/{total} right ({right / max(total, 1):.1%}), {wrong} wrong, {missed} missed"
            )
            print("\n".join(f"  {line}" for line in lines))
    if args.factor_table:
        _print_table(rows)


def _copies(files: list[Path], n: int) -> list[Path]:
    """`files` and n - 1 copies of each beside it, each with a PDF comment after its end (other
    bytes: ingest reads it again), named so that the scorer leaves them out (STEM.copyK.pdf)."""
    out = list(files)
    for k in range(2, n + 1):
        for f in files:
            copy = f.with_name(f"{f.stem}.copy{k}{f.suffix}")
            copy.write_bytes(f.read_bytes() + f"\n% copy {k}\n".encode())
            out.append(copy)
    return out


def _print_table(rows: list[tuple]) -> None:
    """The factor table as Markdown, with the sum over every set."""
    print("\n| factor | pages | cells right | wrong | missed | CPU s a page |\n|---|---|---|---|---|---|")
    for name, pages, right, total, wrong, missed, cpu in rows:
        print(f"| {name} | {pages} | {right}/{total} ({right / max(total, 1):.1%}) | {wrong} | {missed} | {cpu:.2f} |")
    pages, right, total, wrong, missed = (sum(r[k] for r in rows) for k in (1, 2, 3, 4, 5))
    print(f"| **all** | {pages} | **{right}/{total} ({right / max(total, 1):.1%})** | **{wrong}** | {missed} | |")


if __name__ == "__main__":
    main()
