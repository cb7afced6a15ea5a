"""The extractor version moves with what is read: a digest of every sample's cells, per version.

`reports.extractor_version` is how `gidr-etl ingest --reprocess-outdated` finds the reports an
older extractor read, so it is only worth something if it changes whenever the cells do. This
test holds the sha256 of every sample's rows in `cells` (sample_inputs/ and the pdftotext
conversions in tests/fixtures/converted/, each ingested as a user would), keyed by
gidr_etl.EXTRACTOR_VERSION, and fails when the cells change under the same version.

When a change is meant to read other cells: bump EXTRACTOR_VERSION in gidr_etl/__init__.py, run

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

# EXTRACTOR_VERSION → sha256 of the canonical JSON of the samples' cells (see cells_digest).
DIGESTS = {
    "2": "5db731324e7d9cc5cf0d595e4ba5b61253f92eae1281861987c9b5ca6e722a32",
}

# A cell's row in `cells`, as stored, less the report_id that only says in what order files were loaded.
CELL_COLUMNS = ("section", "row", "col", "value", "raw", "status", "inferred", "note", "page", "line")


def sample_cells(db: Path) -> dict[str, list[list]]:
    """Every report's cell rows in `db`, keyed by its file's path under the repository."""
    con = sqlite3.connect(db)
    rows = con.execute(f"select r.source_path, {', '.join('c.' + c for c in CELL_COLUMNS)}"
                       " from cells c join reports r on r.id = c.report_id")
    cells: dict[str, list[list]] = {}
    for source_path, *cell in rows:
        cells.setdefault(Path(source_path).resolve().relative_to(ROOT).as_posix(), []).append(cell)
    con.close()
    return {path: sorted(rows, key=lambda cell: cell[:3]) for path, rows in cells.items()}


def cells_digest(cells: dict[str, list[list]]) -> str:
    """sha256 of the cells as canonical JSON: sorted keys, no spaces, Chinese as UTF-8."""
    canonical = json.dumps(cells, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def ingested_samples(workdir: Path) -> dict[str, list[list]]:
    """sample_inputs/ and tests/fixtures/converted/ ingested (in this process) into a database in `workdir`."""
    db = workdir / "samples.db"
    summary = ingest([SAMPLES, CONVERTED], db)
    assert not summary.failed, summary.failed
    return sample_cells(db)


@pytest.fixture(scope="module")
def cells(tmp_path_factory) -> dict[str, list[list]]:
    return ingested_samples(tmp_path_factory.mktemp("extractor_version"))


def test_the_cells_change_only_with_the_extractor_version(cells):
    assert len(cells) == len(list(SAMPLES.iterdir())) + len(list(CONVERTED.iterdir()))
    digest = cells_digest(cells)
    expected = DIGESTS.get(EXTRACTOR_VERSION)
    assert expected == digest, (
        f"The samples' cells are not those extractor version {EXTRACTOR_VERSION!r} read "
        f"(digest {digest}, recorded {expected or 'none'}). If the change is meant: bump EXTRACTOR_VERSION "
        "in gidr_etl/__init__.py, run `PYTHONPATH=. python tests/test_extractor_version.py` and add the "
        "line it prints to DIGESTS in tests/test_extractor_version.py. If it is not meant, a change "
        "altered what is read: compare the gold scores (tests/test_gold.py)."
    )


def test_the_digest_sees_one_changed_cell(cells):
    """The digest covers each cell's value and raw text: changing one of either changes it."""
    digest = cells_digest(cells)
    path = sorted(cells)[0]
    value_at, raw_at = CELL_COLUMNS.index("value"), CELL_COLUMNS.index("raw")
    for at in (value_at, raw_at):
        changed = {p: [list(cell) for cell in rows] for p, rows in cells.items()}
        cell = next(cell for cell in changed[path] if cell[value_at] is not None)
        cell[at] = cell[at] + 1 if at == value_at else f"{cell[at]} "
        assert cells_digest(changed) != digest


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        print(f'    "{EXTRACTOR_VERSION}": "{cells_digest(ingested_samples(Path(tmp)))}",')
    sys.exit(0)
