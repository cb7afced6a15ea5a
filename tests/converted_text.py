"""Real converters' text of the real PDFs and of the seeds' renderings, made at test time.

A researcher often holds what a converter made of a report rather than the report: poppler's
pdftotext (-layout, -raw, default), pdfminer.six, pypdfium2's text, LibreOffice's and
docx2txt's text of a DOCX, w3m's and lynx's dumps of an HTML page. Each output is cached by
the content it was made from (and the converter), so a rerun costs nothing.

`score(report, gold)` counts a Report's cells against gold as tests/gidr_score.py does: right,
wrong (another number: the worst outcome), missed (NULL where gold has a number).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from gidr_etl.core import build_report
from gidr_etl.formats.soffice import convert, find_soffice
from gidr_etl.formats.txt import TxtFormat
from gidr_etl.report import Report
from gidr_etl.testing.render import render_docx, write_html
from gidr_etl.testing.seeds import SEEDS, gold

ROOT = Path(__file__).resolve().parent.parent
REAL_PDFS = sorted((ROOT / "sample_inputs").glob("*.pdf"))
REAL_GOLD = ROOT / "tests" / "gold" / "realdocs"
CACHE = Path(os.environ.get("GIDR_ETL_CONVERTER_CACHE", Path(tempfile.gettempdir()) / "gidr-etl-converted"))


def _cached(kind: str, data: bytes, make: Callable[[Path], bytes], suffix: str) -> bytes:
    """make(input file) for `data`, once per content and kind."""
    key = hashlib.sha256(kind.encode() + b"\0" + data).hexdigest()[:32]
    out = CACHE / f"{key}.{kind}"
    if out.exists():
        return out.read_bytes()
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / f"input{suffix}"
        src.write_bytes(data)
        made = make(src)
    part = out.with_suffix(f".{os.getpid()}.part")
    part.write_bytes(made)
    part.replace(out)
    return made


def _run(*args: str) -> bytes:
    return subprocess.run(args, capture_output=True, check=True, timeout=180).stdout


def _needs(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed (scripts/test installs it)")


def _pdftotext(mode: str | None):
    def make(src: Path) -> bytes:
        _needs("pdftotext")
        return _run("pdftotext", *([mode] if mode else []), "-enc", "UTF-8", str(src), "-")

    return make


def _pdfminer(src: Path) -> bytes:
    from pdfminer.high_level import extract_text

    return extract_text(str(src)).encode("utf-8")


def _pypdfium2(src: Path) -> bytes:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(src))
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in pdf).encode("utf-8")
    finally:
        pdf.close()


def _soffice_txt(src: Path) -> bytes:
    if find_soffice() is None:
        pytest.skip("LibreOffice is not installed (scripts/test installs it)")
    return convert(src, "txt:Text (encoded):UTF8", src.parent).read_bytes()


def _docx2txt(src: Path) -> bytes:
    import docx2txt

    return docx2txt.process(str(src)).encode("utf-8")


def _w3m(src: Path) -> bytes:
    _needs("w3m")
    return _run("w3m", "-dump", "-T", "text/html", "-I", "UTF-8", "-O", "UTF-8", str(src))


def _lynx(src: Path) -> bytes:
    _needs("lynx")
    return _run("lynx", "-dump", "-nolist", "-assume_charset=utf-8", "-display_charset=utf-8", str(src))


# Converter name -> (the input it takes, how it makes text).
CONVERTERS: dict[str, tuple[str, Callable[[Path], bytes]]] = {
    "pdftotext-layout": ("pdf", _pdftotext("-layout")),
    "pdftotext": ("pdf", _pdftotext(None)),
    "pdftotext-raw": ("pdf", _pdftotext("-raw")),
    "pdfminer": ("pdf", _pdfminer),
    "pypdfium2": ("pdf", _pypdfium2),
    "soffice-txt": ("docx", _soffice_txt),
    "docx2txt": ("docx", _docx2txt),
    "w3m": ("html", _w3m),
    "lynx": ("html", _lynx),
}
# Converters that keep one table row a line; the others print one value a line.
ROW_A_LINE = ("pdftotext-layout", "soffice-txt", "docx2txt", "w3m", "lynx")
ONE_A_LINE = ("pdftotext", "pdftotext-raw", "pdfminer", "pypdfium2")


def zeros_blank(g: dict) -> dict:
    """The gold of the report printed with its table's zeros left blank, as many real reports
    print them (a blank cell is no number: gold NULL)."""
    g = dict(g)
    g["cells"] = [[s, r, c, None if v == 0 and s in ("requests", "appeals") else v] for s, r, c, v in g["cells"]]
    return g


def some_zeros_blank(g: dict) -> dict:
    """The gold of the report printed with the zeros of every other requests row left blank, the
    other rows printing theirs: a table whose rows print as many values as columns or fewer."""
    rows = list(dict.fromkeys(r for s, r, _, _ in g["cells"] if s == "requests"))
    blank = set(rows[1::2])
    g = dict(g)
    g["cells"] = [[s, r, c, None if v == 0 and s == "requests" and r in blank else v] for s, r, c, v in g["cells"]]
    return g


# A variant's name -> its gold from the seed's.
VARIANTS = {"zeros-blank": zeros_blank, "some-zeros-blank": some_zeros_blank}


def seed_source(seed: str, kind: str, g: dict | None = None) -> bytes:
    """The seed (with gold `g`, else its own) rendered as `kind` (html, docx, or pdf: the DOCX
    through LibreOffice)."""
    if kind == "html":
        with tempfile.TemporaryDirectory() as tmp:
            return write_html(seed, Path(tmp) / "r.html", g=g).read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        docx = render_docx(seed, Path(tmp) / "r.docx", g=g).read_bytes()
    if kind == "docx":
        return docx
    if find_soffice() is None:
        pytest.skip("LibreOffice is not installed (scripts/test installs it)")
    # The DOCX's bytes vary with the time it was saved: its PDF is cached by the seed's gold.
    key = f"{seed}\0".encode() + repr(g or gold(seed)).encode() + Path(render_docx.__code__.co_filename).read_bytes()
    return _cached("pdf", key, lambda _: _docx_pdf(docx), ".key")


def _docx_pdf(docx: bytes) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "r.docx"
        src.write_bytes(docx)
        return convert(src, "pdf", Path(tmp) / "out").read_bytes()


@dataclass
class Case:
    name: str  # e.g. "000_2d55a32003931e6c.pdf"
    source: Callable[[], bytes]
    gold: dict


def cases(kind: str, variant: str | None = None) -> list[Case]:
    """Every input of `kind`: the real PDFs (for pdf) and the seeds' renderings; with a `variant`
    (VARIANTS), the seeds rendered with that variant's gold instead."""
    import json

    out = []
    if kind == "pdf" and not variant:
        for pdf in REAL_PDFS:
            out.append(Case(pdf.name, pdf.read_bytes, json.loads((REAL_GOLD / f"{pdf.stem}.json").read_text("utf-8"))))
    for seed in SEEDS:
        g = VARIANTS[variant](gold(seed)) if variant else gold(seed)
        name = f"{seed}{'-' + variant if variant else ''}.{kind}"
        out.append(Case(name, lambda seed=seed, g=g: seed_source(seed, kind, g if variant else None), g))
    return out


def converted(converter: str, case: Case) -> str:
    kind, make = CONVERTERS[converter]
    data = case.source()
    return _cached(converter, data, make, f".{kind}").decode("utf-8")


def read_text(text: str, tmp: Path, name: str = "converted.txt") -> Report:
    path = tmp / name
    path.write_text(text, "utf-8")
    return build_report(TxtFormat().extract(path))


@dataclass
class Score:
    right: int = 0
    wrong: int = 0
    missed: int = 0
    unsaid: int = 0  # missed cells with no finding saying why

    def add(self, other: Score) -> None:
        self.right += other.right
        self.wrong += other.wrong
        self.missed += other.missed
        self.unsaid += other.unsaid

    @property
    def cells(self) -> int:
        return self.right + self.wrong + self.missed


def score(report: Report, g: dict) -> tuple[Score, list[str]]:
    """The report's cells against gold, and a line for each cell not right."""
    s, wrong = Score(), []
    said = {(f.section, f.row, f.col) for f in report.findings} | {(f.section, f.row, None) for f in report.findings}
    tables_missing = any(f.rule == "table_missing" for f in report.findings)
    for section, row, col, want in g["cells"]:
        if want == "?":
            continue
        got = report.value(section, row, col)
        if _same(got, want):
            s.right += 1
        elif got is None:
            s.missed += 1
            wrong.append(f"missed {section}.{row}.{col}: want {want!r}")
            if not tables_missing and (section, row, col) not in said and (section, row, None) not in said:
                s.unsaid += 1
        else:
            s.wrong += 1
            wrong.append(f"{section}.{row}.{col}: got {got!r}, want {want!r}")
    return s, wrong


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    try:
        return abs(float(a) - float(b)) < 1e-6
    except (TypeError, ValueError):
        return str(a) == str(b)
