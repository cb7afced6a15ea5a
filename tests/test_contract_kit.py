"""The contract kit (gidr_etl.testing): the built-in formats pass it, broken plugins do not."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from helpers import GOLD, SAMPLES

from gidr_etl.formats.docx import DocxFormat
from gidr_etl.formats.html import HtmlFormat
from gidr_etl.model import Provenance, Table, TableCell
from gidr_etl.testing import check_accepts, check_document, check_format, render, seeds


def test_the_shipped_seeds_are_the_projects_own():
    assert sorted(p.stem for p in (GOLD / "seeds").glob("*.json")) == seeds.SEEDS
    for seed in seeds.SEEDS:
        assert seeds.gold(seed) == json.loads((GOLD / "seeds" / f"{seed}.json").read_text("utf-8"))
        shipped = Path(seeds.__file__).parent.parent / "data" / "seeds" / f"{seed}.txt"
        assert shipped.read_bytes() == (SAMPLES / f"{seed}.txt").read_bytes()


@pytest.mark.parametrize(
    "fmt, render",
    [pytest.param(DocxFormat(), render.render_docx, marks=pytest.mark.slow), (HtmlFormat(), render.write_html)],
)
def test_the_builtin_formats_keep_the_contract(fmt, render, tmp_path):
    reports = check_format(fmt, render, tmp_path)
    assert [Path(r.source).stem for r in reports] == seeds.SEEDS


class _Moved(DocxFormat):
    """Reads through a copy and forgets to say which file the text came from."""

    def extract(self, path):
        copy = path.with_name("copy.docx")
        copy.write_bytes(path.read_bytes())
        doc = super().extract(copy)
        return dataclasses.replace(doc, source=str(path))


class _Overlapping(DocxFormat):
    def extract(self, path):
        doc = super().extract(path)
        table = next(doc.tables())
        table.cells.append(TableCell("x", 0, 0, prov=table.prov))
        return doc


class _LosesACell(DocxFormat):
    """Drops the first number of the requests table, as a careless reader might."""

    def extract(self, path):
        doc = super().extract(path)
        requests = [t for t in doc.tables() if t.n_cols == 10][0]
        first = next(c for c in requests.reading_order() if c.text.strip().isdigit())
        first.text = ""
        return doc


@pytest.mark.slow
@pytest.mark.parametrize(
    "fmt, says",
    [
        (_Moved(), "provenance names"),
        (_Overlapping(), "overlaps cell"),
        (_LosesACell(), "cells differ from the gold"),
    ],
)
def test_the_kit_catches_a_broken_format(fmt, says, tmp_path):
    with pytest.raises(AssertionError, match=says):
        check_format(fmt, render.render_docx, tmp_path, seeds=seeds.SEEDS[:1])


@pytest.mark.slow
def test_the_kit_catches_a_format_that_does_not_claim_its_files(tmp_path):
    class Shy(DocxFormat):
        name = "shy"

        def sniff(self, path, head):
            return None

    path = render.render_docx(seeds.SEEDS[0], tmp_path / "a.docx")
    with pytest.raises(AssertionError, match="sniff does not accept"):
        check_accepts(Shy(), path)

    class Outranked(Shy):
        def sniff(self, path, head):
            return self.EXTENSION  # the built-in DOCX reader is surer: it matches the content

    with pytest.raises(AssertionError, match="read by 'docx', not 'shy'"):
        check_accepts(Outranked(), path)


@pytest.mark.slow
def test_a_table_anchored_outside_is_refused(tmp_path):
    path = render.render_docx(seeds.SEEDS[0], tmp_path / "a.docx")
    doc = DocxFormat().extract(path)
    doc.blocks.append(Table([TableCell("1", -1, 0)], Provenance(str(path))))
    with pytest.raises(AssertionError, match="anchored outside"):
        check_document(doc, path)
