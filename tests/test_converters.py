"""The converter zoo (issue 21): what real converters make of the real documents and the seeds'
renderings, read back and scored against gold. No converter may give a wrong number, and none
may read fewer cells than it did when its floor was measured (bench/converters.py prints the table).

Conversions are cached by content (gidr_etl/testing/converters.py), so only a machine's first run
pays for them (about five minutes, most of it LibreOffice and Chromium starting).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from gidr_etl.testing import converters as zoo

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.slow, pytest.mark.soffice]

# Wrong numbers other work is fixing, by converter: the cause, named. Strict: a fix makes them pass.
KNOWN_WRONG = {}

# Right cells per converter (of the cells scored over all its inputs), measured on this branch.
# Gold null cells count as right when read as NULL, as in tests/gidr_score.py.
FLOOR = {
    "pdftotext-layout": 1556,
    "pdftotext-raw": 191,  # 176 before a gapless line's item "72 64" was two values
    "pdftotext": 78,  # 83 before a total lost beside printed ones stopped placing hongze 2024's 复议后起诉 row
    "pdftohtml": 1550,  # 1545 before its item "72 64" was two values
    "pdfminer": 50,  # 52 with 2 wrong before hongze's column-major 第二十条 table was read as such
    "pymupdf": 1550,
    "pymupdf4llm": 1543,  # 1287 before a label or caption cut over cells was joined
    "pypdfium2": 191,  # 176 before a gapless line's item "72 64" was two values
    "markitdown": 2291,
    "pandoc-gfm": 2196,
    "pandoc-plain": 2196,
    "pandoc-docx": 998,
    "soffice-txt": 1192,
    "soffice-html": 1198,
    "soffice-docx": 998,
    "docx2txt": 1192,
    "mammoth": 1198,
    "html2text": 998,
    "w3m": 998,
    "lynx": 992,
    "chromium-pdf": 998,
    "wkhtmltopdf": 991,
}


@pytest.fixture(scope="module")
def scores() -> dict[str, list[zoo.Score]]:
    sources = zoo.real_documents(ROOT / "sample_inputs", ROOT / "tests" / "gold" / "realdocs")
    sources += zoo.seed_renderings()
    convs, _ = zoo.available()
    by_converter: dict[str, list[zoo.Score]] = defaultdict(list)
    for out in zoo.outputs(sources, convs):
        by_converter[out.converter].append(zoo.score(out))
    return by_converter


def _needs(name: str) -> None:
    why = zoo.by_name(name).missing()
    if why:
        pytest.skip(f"{name}: {why}")


def test_every_converter_has_a_floor():
    assert set(FLOOR) == {c.name for c in zoo.CONVERTERS}


def test_the_zoo_has_inputs_of_every_kind(scores):
    names = {s.output.source.name for ss in scores.values() for s in ss}
    assert {Path(n).suffix for n in names} >= {".pdf", ".docx", ".html"}
    assert any(n.startswith("hongze_district_gov_2023") for n in names)


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(c.name, marks=pytest.mark.xfail(strict=True, reason=KNOWN_WRONG[c.name]))
        if c.name in KNOWN_WRONG
        else c.name
        for c in zoo.CONVERTERS
    ],
)
def test_no_wrong_numbers(scores, name):
    _needs(name)
    wrong = [
        f"{s.output.source.name}: {sec}.{row}.{col} got {got!r}, want {want!r}"
        for s in scores[name]
        for sec, row, col, want, got in s.wrong
    ]
    assert wrong == []


@pytest.mark.parametrize("name", [c.name for c in zoo.CONVERTERS])
def test_right_cells_do_not_fall_below_the_floor(scores, name):
    _needs(name)
    failed = [f"{s.output.source.name}: {s.error}" for s in scores[name] if s.output.path is None]
    assert failed == [], "the converter itself failed"
    right = sum(s.right for s in scores[name])
    assert right >= FLOOR[name], f"{name}: {right} cells right, floor {FLOOR[name]}"
