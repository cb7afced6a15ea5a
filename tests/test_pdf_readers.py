"""Both PDF page readers (pdfium, the default, and pdfplumber, the reference) over every PDF
the project holds: the same cells, the same errors, and the gold stays perfect with each.

The PDFs: the real reports in sample_inputs/, the five seeds rendered to PDF by
LibreOffice (tests/render.py), and bench PDFs (bench/corpus.py: seeds with other figures).
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from pathlib import Path

import pytest
import render
import test_pdf_format
from helpers import GOLD, SAMPLES, assert_every_null_is_said, run_cli, score

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import corpus

from gidr_etl.formats import pdf_pages
from gidr_etl.formats.pdf import PdfFormat, _cell_texts, _ruling
from gidr_etl.model import Table

READERS = pdf_pages.READERS
BENCH_PDFS = 3


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> tuple[Path, Path, dict]:
    """A folder of every kind of PDF, the gold for its real and seed ones, and the bench ones' expected cells."""
    root = tmp_path_factory.mktemp("pdfs")
    docs, golds = root / "docs", root / "gold"
    docs.mkdir()
    golds.mkdir()
    for pdf in sorted(SAMPLES.glob("*.pdf")):
        (docs / pdf.name).write_bytes(pdf.read_bytes())
        (golds / f"{pdf.stem}.json").write_bytes((GOLD / "realdocs" / f"{pdf.stem}.json").read_bytes())
    for seed in render.SEEDS:
        render.render_pdf(seed, docs / f"{seed}.pdf")  # skips without LibreOffice
        gold = render.gold(seed)
        gold["source"] = f"{seed}.pdf"
        (golds / f"{seed}.json").write_text(json.dumps(gold, ensure_ascii=False), "utf-8")
    bench = corpus.build(root / "bench", BENCH_PDFS, ["pdf"])["pdf"]
    expected = json.loads(corpus.expected_file(bench).read_text("utf-8"))
    for name in expected:
        (docs / f"bench_{name}").write_bytes((bench / name).read_bytes())
    return docs, golds, {f"bench_{name}": corpus.expected_cells(entry) for name, entry in expected.items()}


@pytest.fixture(scope="module")
def dbs(pdfs, tmp_path_factory) -> dict[str, Path]:
    """The folder ingested by the CLI once with each reader."""
    docs, _, _ = pdfs
    out = {}
    for reader in READERS:
        db = tmp_path_factory.mktemp(reader) / "gidr.db"
        run_cli("ingest", docs, "--db", db, check=0, env={**os.environ, pdf_pages.READER_VARIABLE: reader})
        out[reader] = db
    return out


def cells(db: Path) -> dict[str, dict]:
    """Each file's cells: (section, row, col) → (value, status)."""
    con = sqlite3.connect(db)
    found: dict[str, dict] = {}
    for path, s, r, c, value, status in con.execute(
        "select source_path, section, row, col, value, status from cells join reports on reports.id = report_id"
    ):
        found.setdefault(Path(path).name, {})[(s, r, c)] = (value, status)
    con.close()
    return found


@pytest.mark.slow
@pytest.mark.soffice
def test_every_pdf_is_read_and_both_readers_read_the_same_cells(pdfs, dbs):
    docs, _, _ = pdfs
    by_reader = {reader: cells(db) for reader, db in dbs.items()}
    names = {p.name for p in docs.glob("*.pdf")}
    assert len(names) == 3 + len(render.SEEDS) + BENCH_PDFS
    for reader, found in by_reader.items():
        assert set(found) == names, reader
    reference = by_reader["pdfplumber"]
    for name in sorted(names):
        assert len(reference[name]) > 100, name
        assert by_reader["pdfium"][name] == reference[name], name


def document(path: Path, reader: str) -> tuple:
    """What a reader makes of a PDF: pages, hints, and every block with its provenance."""
    fmt = PdfFormat()
    fmt.reader = reader
    doc = fmt.extract(path)
    blocks = [
        [(c.text, c.row, c.col, c.row_span, c.col_span, c.prov.page) for c in b.cells]
        if isinstance(b, Table)
        else (b.text, b.kind, b.prov.page, b.prov.line)
        for b in doc.blocks
    ]
    return doc.pages, doc.hints, blocks


@pytest.mark.slow
@pytest.mark.soffice
def test_both_readers_read_the_same_documents(pdfs):
    """Stricter than the cells: every text line and table cell as printed, where it was printed."""
    docs, _, _ = pdfs
    for path in sorted(docs.glob("*.pdf")):
        assert document(path, "pdfium") == document(path, "pdfplumber"), path.name


@pytest.mark.slow
@pytest.mark.soffice
def test_cell_texts_are_pdfplumbers_own(pdfs):
    """The table cells' texts, gathered by bisection (formats/pdf.py), are what pdfplumber's
    `table.extract()` gives, on every table of every PDF, with either reader."""
    docs, _, _ = pdfs
    tables = 0
    for path in sorted(docs.glob("*.pdf")):
        for reader in READERS:
            with pdf_pages.open_pages(path, reader) as pages:
                for page in pages:
                    for table in page.filter(_ruling).find_tables():
                        assert _cell_texts(table) == table.extract(), (path.name, reader, page.page_number)
                        tables += 1
    assert tables >= 2 * len(list(docs.glob("*.pdf")))


@pytest.mark.slow
@pytest.mark.soffice
@pytest.mark.parametrize("reader", READERS)
def test_gold_stays_perfect(reader, pdfs, dbs):
    _, golds, bench = pdfs
    result = score(dbs[reader], golds)
    assert result.returncode == 0, result.stdout
    assert "false alarms 0" in result.stdout, result.stdout
    read = cells(dbs[reader])
    for name, want in bench.items():
        assert {key: read[name][key][0] for key in want} == want, name
    assert_every_null_is_said(dbs[reader])


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize(
    "bad_pdf",
    [
        test_pdf_format.test_truncated,
        test_pdf_format.test_image_only_without_the_ocr_extra,
        test_pdf_format.test_encrypted,
        test_pdf_format.test_fonts_without_unicode_map,
    ],
    ids=lambda t: getattr(t, "__name__", t),
)
def test_bad_pdfs_give_the_same_one_line_errors(reader, bad_pdf, tmp_path, monkeypatch):
    monkeypatch.setenv(pdf_pages.READER_VARIABLE, reader)
    bad_pdf(tmp_path, **({"monkeypatch": monkeypatch} if "monkeypatch" in bad_pdf.__code__.co_varnames else {}))


@pytest.mark.parametrize("reader", READERS)
def test_empty_pdf(reader, tmp_path, monkeypatch):
    monkeypatch.setenv(pdf_pages.READER_VARIABLE, reader)
    (tmp_path / "empty.pdf").write_bytes(b"")
    assert test_pdf_format.reason(tmp_path / "empty.pdf").startswith("not a readable PDF: ")


def turned(pdf: Path, out: Path, angle: int) -> Path:
    """`pdf` as a scanner or a landscape layout saves it: each page's content drawn turned by
    `angle` on a page whose /Rotate `angle` shows it upright again."""
    import pypdfium2

    src, dst = pypdfium2.PdfDocument(str(pdf)), pypdfium2.PdfDocument.new()
    for i in range(len(src)):
        width, height = src[i].get_size()
        content = src.page_as_xobject(i, dst).as_pageobject()
        shift = {90: (height, 0), 180: (width, height), 270: (0, width)}[angle]
        content.transform(pypdfium2.PdfMatrix().rotate(angle, ccw=True).translate(*shift))
        page = dst.new_page(*((height, width) if angle % 180 else (width, height)))
        page.insert_obj(content)
        page.gen_content()
        page.set_rotation(angle)
    dst.save(str(out))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("angle", [90, 180, 270])
def test_a_turned_pdf_reads_as_its_upright_original(angle, tmp_path):
    """pdfium's positions on a turned page are the unturned ones: the default reader hands
    such a document to pdfplumber, which turns them upright (off by rounding errors that
    pdf_pages.square takes away). Every cell as the upright original's gold says."""
    name = "hongze_district_gov_2023"
    folder, gold = tmp_path / "in", tmp_path / "gold"
    folder.mkdir()
    gold.mkdir()
    pdf = turned(SAMPLES / f"{name}.pdf", folder / f"{name}.pdf", angle)
    (gold / f"{name}.json").write_bytes((GOLD / "realdocs" / f"{name}.json").read_bytes())
    assert document(pdf, "pdfium") == document(pdf, "pdfplumber")
    db = tmp_path / "gidr.db"
    run_cli("ingest", folder, "--db", db, check=0)
    result = score(db, gold)
    assert result.returncode == 0 and "cells 179/179" in result.stdout, result.stdout


def test_an_unknown_reader_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv(pdf_pages.READER_VARIABLE, "mupdf")
    with pytest.raises(ValueError, match="GIDR_ETL_PDF_READER='mupdf'"):
        PdfFormat().extract(SAMPLES / "hongze_district_gov_2023.pdf")


def test_pdfminer_debug_logging_is_off():
    import logging

    assert not logging.getLogger("pdfminer.psparser").isEnabledFor(logging.DEBUG)
