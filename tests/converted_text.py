"""Real converters' text of the real PDFs and of the seeds' renderings, made at test time.

A researcher often holds what a converter made of a report rather than the report: poppler's
pdftotext (-layout, -raw, default), pdfminer.six, pypdfium2's text, LibreOffice's and
docx2txt's text of a DOCX, w3m's and lynx's dumps of an HTML page. The converters and their
cache are the zoo's (gidr_etl/testing/converters.py); here are the variants of the seeds with
blank cells, and a score that also counts NULL cells no finding explains.

`score(report, gold)` counts a Report's cells against gold as tests/gidr_score.py does: right,
wrong (another number: the worst outcome), missed (NULL where gold has a number).
"""

from __future__ import annotations

import hashlib
import inspect
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from gidr_etl.core import build_report
from gidr_etl.formats.soffice import convert as soffice_convert
from gidr_etl.formats.soffice import find_soffice
from gidr_etl.formats.txt import TxtFormat
from gidr_etl.report import Report
from gidr_etl.testing import layout, render
from gidr_etl.testing.converters import Source, by_name, cache_dir, convert, real_documents, seed_renderings
from gidr_etl.testing.seeds import SEEDS, gold, same_value

ROOT = Path(__file__).resolve().parent.parent
REAL_GOLD = ROOT / "tests" / "gold" / "realdocs"

# Converters that keep one table row a line (or a cell a line, blanks printed); the others print
# one value a line with blank cells dropped.
ROW_A_LINE = ("pdftotext-layout", "soffice-txt", "docx2txt", "w3m", "lynx")
ONE_A_LINE = ("pdftotext", "pdftotext-raw", "pdfminer", "pypdfium2")


def kind_of(converter: str) -> str:
    """The input a converter takes here: pdf, docx or html."""
    return by_name(converter).takes[0].lstrip(".")


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


def borderless(html: str) -> str:
    """The page as a CMS often writes its tables: no border, the cells' text without paragraphs
    (w3m then lays the table out in spaces, lynx a row a line)."""
    return html.replace(' border="1"', "").replace("<p>", "").replace("</p>", "")


def _rendered(seed: str, kind: str, variant: str, html_style=None) -> Path:
    """The seed rendered as `kind` with its variant's gold (an HTML page restyled by
    `html_style`), cached by what it renders from."""
    g = VARIANTS[variant](gold(seed))
    code = inspect.getsource(render) + inspect.getsource(layout) + (inspect.getsource(html_style) if html_style else "")
    key = hashlib.sha256((json.dumps(g, sort_keys=True) + code).encode()).hexdigest()[:24]
    folder = cache_dir() / f"variant-{key}"
    out = folder / f"{seed}-{variant}.{kind}"
    if out.exists():
        return out
    folder.mkdir(parents=True, exist_ok=True)
    if kind == "html":
        out.write_text((html_style or str)(render.render_html(seed, g=g)), "utf-8")
    else:
        docx = folder / f"{seed}-{variant}.docx"
        if not docx.exists():
            render.render_docx(seed, docx, g=g)
        if kind == "pdf":
            if find_soffice() is None:
                pytest.skip("LibreOffice is not installed (scripts/test installs it)")
            soffice_convert(docx, "pdf", folder)
    return out


def borderless_cases(variant: str) -> list[Source]:
    """The seeds' HTML with `variant`'s gold, its tables borderless."""
    return [
        Source(
            f"{seed}-{variant}-borderless.html",
            _rendered(seed, "html", variant, borderless),
            VARIANTS[variant](gold(seed)),
        )
        for seed in SEEDS
    ]


def cases(kind: str, variant: str | None = None) -> list[Source]:
    """Every input of `kind`: the real PDFs and the seeds' renderings; with a `variant`
    (VARIANTS), the seeds rendered with that variant's gold instead."""
    if variant:
        return [
            Source(f"{seed}-{variant}.{kind}", _rendered(seed, kind, variant), VARIANTS[variant](gold(seed)))
            for seed in SEEDS
        ]
    if kind == "pdf" and find_soffice() is None:
        pytest.skip("LibreOffice is not installed (scripts/test installs it)")
    # The real PDFs (the real DOCX is a blank template, no report: the zoo's test reads it).
    real = [s for s in real_documents(ROOT / "sample_inputs", REAL_GOLD) if s.path.suffix == f".{kind}" == ".pdf"]
    return real + [s for s in seed_renderings() if s.path.suffix == f".{kind}"]


def converted(converter: str, case: Source) -> str:
    """The converter's text of `case` (the test is skipped where the converter is not installed)."""
    conv = by_name(converter)
    if why := conv.missing():
        pytest.skip(f"{converter}: {why} (scripts/test installs it)")
    out = convert(conv, case)
    assert out.path is not None, out.error
    return out.path.read_text("utf-8")


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
        if same_value(got, want):
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
