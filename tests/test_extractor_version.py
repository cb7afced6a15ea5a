"""The extractor version moves with what is read: a digest of every sample's cells, per version.

`reports.extractor_version` is how `gidr-etl ingest --reprocess-outdated` finds the reports an
older extractor read, so it is only worth something if it changes whenever the cells do. This
test holds the sha256 of what became of every sample (sample_inputs/ and the pdftotext
conversions in tests/fixtures/converted/, each ingested as a user would): its status in `files`
and its report's rows in `cells`, keyed by gidr_etl.EXTRACTOR_VERSION; it fails when they
change under the same version.

When a change is meant to read other cells: bump EXTRACTOR_VERSION in gidr_etl/version.py, run

    PYTHONPATH=. python tests/test_extractor_version.py

and add the line it prints to DIGESTS below (keep the old lines: they say what each version read).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
import tempfile
from pathlib import Path

import pytest
from helpers import ROOT, SAMPLES

from gidr_etl import EXTRACTOR_VERSION
from gidr_etl.ingest.pipeline import ingest

CONVERTED = ROOT / "tests" / "fixtures" / "converted"

# EXTRACTOR_VERSION → sha256 of the canonical JSON of what became of the samples (see sample_cells).
DIGESTS = {
    # 0.1.0 and the restructure: the blank template DOCX read as a report of 200 empty cells.
    "2": "24ac113557ad4459749f614edfe725fb7c306285bb5ae02dd74c70296900a5d5",
    # The blank template set aside (files.status 'template', its report flagged and never counted);
    # every report's cells as in "2".
    "3": "f9a3606711a358f876db3dff6668247ae6937885c423d533a8e2d110c2539014",
    # The samples read as in "3"; other files may not: a scanned cell's second read no longer
    # loses a minus sign, and dumps and texts the fuzzer mutated read NULL where "3" misread.
    "4": "f9a3606711a358f876db3dff6668247ae6937885c423d533a8e2d110c2539014",
    # The samples' cells as in "4"; the evaluators' findings added (published_late, part_missing,
    # template_outdated …): `--reprocess-outdated` re-reads a report so that it is checked.
    "5": "f9a3606711a358f876db3dff6668247ae6937885c423d533a8e2d110c2539014",
    # The samples' cells as in "5"; other files may not: a pipe table (Markdown) whose header places
    # its value columns reads a blank under them as a cell, never a label's span filler.
    "6": "f9a3606711a358f876db3dff6668247ae6937885c423d533a8e2d110c2539014",
    # The samples' cells as in "6"; other files may not: a table row's label or a caption cut over
    # several cells (pymupdf4llm's Markdown tables) is read joined; a scanned table's rulings
    # under a seal or a stain are mended, and a label cell a lost ruling made span rows is read as
    # one numbered item a row.
    "7": "f9a3606711a358f876db3dff6668247ae6937885c423d533a8e2d110c2539014",
    # The samples' cells as in "7"; scans may not: captions and row labels OCR garbled are placed
    # by the template's order, a number read with a stray separator ("0.") is its digits in doubt,
    # and "!" in a number is a 1.
    "8": "f9a3606711a358f876db3dff6668247ae6937885c423d533a8e2d110c2539014",
    # The samples' cells as in "8"; scans may not: the OCR models rewritten (the same arithmetic,
    # other float rounding), and two values a lost ruling ran together in one cell each read in
    # the column its print stands in.
    "9": "f9a3606711a358f876db3dff6668247ae6937885c423d533a8e2d110c2539014",
    # The samples' cells as in "9"; converters' text may not: a total lost beside printed totals
    # tests nothing, so readings failing only at its sum stand beside it, and a gapless line's
    # item "72 64" is two values in a row one value short.
    "10": "f9a3606711a358f876db3dff6668247ae6937885c423d533a8e2d110c2539014",
    # The samples' cells as in "10"; scans' may not: a value whose every sum has an unread cell
    # stands only read near-certainly, and a mark read among numbers is an unread cell.
    "11": "f9a3606711a358f876db3dff6668247ae6937885c423d533a8e2d110c2539014",
}

# A cell's row in `cells`, as stored, less the report_id that only says in what order files were loaded.
CELL_COLUMNS = ("section", "row", "col", "value", "raw", "status", "inferred", "note", "page", "line")


def sample_cells(db: Path) -> dict[str, dict]:
    """Each file ingested into `db`, keyed by its path under the repository: what became of it
    (`files.status`: a report, a template set aside, …) and its report's cell rows."""
    con = sqlite3.connect(db)
    out = {}
    for path, status, report_id in con.execute("select path, status, report_id from files").fetchall():
        cells = con.execute(
            f"select {', '.join(CELL_COLUMNS)} from cells where report_id = ? order by section, row, col", [report_id]
        ).fetchall()
        name = (ROOT / path).resolve().relative_to(ROOT).as_posix()
        out[name] = {"status": status, "cells": [list(cell) for cell in cells]}
    con.close()
    return out


def cells_digest(cells: dict[str, dict]) -> str:
    """sha256 of the cells as canonical JSON: sorted keys, no spaces, Chinese as UTF-8."""
    canonical = json.dumps(cells, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def ingested_samples(workdir: Path) -> dict[str, dict]:
    """sample_inputs/ and tests/fixtures/converted/ ingested (in this process) into a database in `workdir`."""
    db = workdir / "samples.db"
    summary = ingest([SAMPLES, CONVERTED], db)
    assert not summary.failed, summary.failed
    return sample_cells(db)


@pytest.fixture(scope="module")
def cells(tmp_path_factory) -> dict[str, dict]:
    return ingested_samples(tmp_path_factory.mktemp("extractor_version"))


def test_the_cells_change_only_with_the_extractor_version(cells):
    assert len(cells) == len(list(SAMPLES.iterdir())) + len(list(CONVERTED.iterdir()))
    assert sum(len(file["cells"]) for file in cells.values()) > 2000
    digest = cells_digest(cells)
    expected = DIGESTS.get(EXTRACTOR_VERSION)
    assert expected == digest, (
        f"The samples' cells are not those extractor version {EXTRACTOR_VERSION!r} read "
        f"(digest {digest}, recorded {expected or 'none'}). If the change is meant: bump EXTRACTOR_VERSION "
        "in gidr_etl/version.py, run `PYTHONPATH=. python tests/test_extractor_version.py` and add the "
        "line it prints to DIGESTS in tests/test_extractor_version.py. If it is not meant, a change "
        "altered what is read: compare the gold scores (tests/test_gold.py)."
    )


def test_the_digest_sees_one_changed_cell(cells):
    """The digest covers each cell's value and raw text and each file's status: changing one changes it."""
    digest = cells_digest(cells)
    path = min(cells)
    value_at, raw_at = CELL_COLUMNS.index("value"), CELL_COLUMNS.index("raw")
    for at in (value_at, raw_at):
        changed = json.loads(json.dumps(cells))
        cell = next(cell for cell in changed[path]["cells"] if cell[value_at] is not None)
        cell[at] = cell[at] + 1 if at == value_at else f"{cell[at]} "
        assert cells_digest(changed) != digest
    changed = json.loads(json.dumps(cells))
    changed[path]["status"] = "template"
    assert cells_digest(changed) != digest


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        print(f'    "{EXTRACTOR_VERSION}": "{cells_digest(ingested_samples(Path(tmp)))}",')
    sys.exit(0)
