"""End to end: each seed rendered as HTML, DOCX and PDF, ingested by the CLI, scored perfect.

The renderings carry the gold's own cells, so anything short of a perfect score is the
pipeline losing or corrupting what the format printed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import render

ROOT = Path(__file__).resolve().parent.parent
SCORER = ROOT / "tests" / "gidr_score.py"

needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None and shutil.which("libreoffice") is None,
    reason="LibreOffice (soffice) not installed",
)


def _cli() -> list[str]:
    script = Path(sys.executable).with_name("gidr-etl")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from gidr_etl.cli import cli; cli()"]


RENDER = {
    "html": lambda seed, path: render.write_html(seed, path),
    "docx": render.render_docx,
    "pdf": render.render_pdf,
}


@pytest.mark.parametrize(
    "kind",
    [
        "html",
        pytest.param("docx", marks=pytest.mark.slow),
        pytest.param("pdf", marks=[needs_soffice, pytest.mark.soffice, pytest.mark.slow]),
    ],
)
@pytest.mark.parametrize("seed", render.SEEDS)
def test_rendered_seed_scores_perfect(seed, kind, tmp_path):
    docs, golds = tmp_path / "docs", tmp_path / "gold"
    docs.mkdir()
    golds.mkdir()
    name = f"{seed}.{kind}"
    RENDER[kind](seed, docs / name)
    gold = render.gold(seed)
    gold["source"] = name
    (golds / f"{seed}.json").write_text(json.dumps(gold, ensure_ascii=False), "utf-8")
    db = tmp_path / "gidr.db"
    ingest = subprocess.run(
        [*_cli(), "ingest", str(docs), "--db", str(db), "-q"], capture_output=True, text=True, timeout=300
    )
    assert ingest.returncode == 0, ingest.stdout + ingest.stderr
    score = subprocess.run(
        [sys.executable, str(SCORER), "--db", str(db), "--gold", str(golds), "-v"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert score.returncode == 0, score.stdout + score.stderr
