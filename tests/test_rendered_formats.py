"""End to end: each seed rendered as HTML, DOCX and PDF, ingested by the CLI, scored perfect.

The renderings carry the gold's own cells, so anything short of a perfect score is the
pipeline losing or corrupting what the format printed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import render

from gidr_etl.formats.soffice import find_soffice

ROOT = Path(__file__).resolve().parent.parent
SCORER = ROOT / "tests" / "gidr_score.py"

needs_soffice = pytest.mark.skipif(find_soffice() is None, reason="LibreOffice (soffice) not installed")


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


def _selected(request) -> list[tuple[str, str]]:
    """The (seed, kind) of this module's tests that this run selected and can run."""
    return [
        (item.callspec.params["seed"], item.callspec.params["kind"])
        for item in request.session.items
        if item.module.__name__ == __name__
        and getattr(item, "originalname", "") == "test_rendered_seed_scores_perfect"
        and not (item.callspec.params["kind"] == "pdf" and find_soffice() is None)
    ]


@pytest.fixture(scope="module")
def scored(request, tmp_path_factory) -> tuple[dict[str, str], str]:
    """Every selected rendering in one folder, ingested by the CLI once and scored once
    (a process and its start-up per batch, not per file): each file's lines of the
    scorer's report, and the ingest's output."""
    root = tmp_path_factory.mktemp("rendered")
    docs, golds = root / "docs", root / "gold"
    docs.mkdir()
    golds.mkdir()
    names: dict[str, list[str]] = {}
    for seed, kind in _selected(request):
        RENDER[kind](seed, docs / f"{seed}.{kind}")
        names.setdefault(seed, []).append(f"{seed}.{kind}")
    for seed, files in names.items():
        gold = render.gold(seed)
        gold["source"] = files
        (golds / f"{seed}.json").write_text(json.dumps(gold, ensure_ascii=False), "utf-8")
    db = root / "gidr.db"
    ingest = subprocess.run(
        [*_cli(), "ingest", str(docs), "--db", str(db), "-q"], capture_output=True, text=True, timeout=600
    )
    score = subprocess.run(
        [sys.executable, str(SCORER), "--db", str(db), "--gold", str(golds), "-v"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines: dict[str, str] = {}
    name = ""
    for line in score.stdout.splitlines():
        if not line.startswith(" "):
            name = line.split(":", 1)[0]
        lines[name] = lines.get(name, "") + line + "\n"
    return lines, ingest.stdout + ingest.stderr


@pytest.mark.parametrize(
    "kind",
    [
        "html",
        pytest.param("docx", marks=pytest.mark.slow),
        pytest.param("pdf", marks=[needs_soffice, pytest.mark.soffice, pytest.mark.slow]),
    ],
)
@pytest.mark.parametrize("seed", render.SEEDS)
def test_rendered_seed_scores_perfect(seed, kind, scored):
    lines, ingest = scored
    name = f"{seed}.{kind}"
    assert lines.get(name, "").startswith(f"{name}: ok"), lines.get(name, "") + ingest
