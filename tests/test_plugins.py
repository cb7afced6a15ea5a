"""The plugin packages under plugins/, pip-installed as users install them, and the tutorial.

Their own tests (plugins/*/tests) run with the rest of the suite; here they are
installed for real (pip, entry points from dist-info) and driven through the CLI.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT, run_cli, score

from gidr_etl.formats.soffice import convert, find_soffice
from gidr_etl.testing import render, seeds

PLUGINS = ROOT / "plugins"
TUTORIAL = ROOT / "docs" / "writing-plugins.md"
FENCE = re.compile(r"^```\w+ file=(\S+)\n(.*?)^```$", re.S | re.M)
SEED = seeds.SEEDS[2]  # the 2019 template, Traditional characters, a blank total

needs_soffice = pytest.mark.skipif(find_soffice() is None, reason="LibreOffice (soffice) not installed")


def test_the_tutorial_is_the_markdown_plugin_exactly():
    """Each file of the plugin (its README too) is the doc's code blocks for it, in order, joined by two blank lines."""
    blocks: dict[str, list[str]] = {}
    for name, code in FENCE.findall(TUTORIAL.read_text("utf-8")):
        blocks.setdefault(name, []).append(code.rstrip("\n"))
    folder = PLUGINS / "gidr-etl-markdown"
    files = {
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.is_file() and not ({"__pycache__", ".pytest_cache"} & set(p.parts))
    }
    assert set(blocks) == files
    for name, pieces in blocks.items():
        assert "\n\n\n".join(pieces) + "\n" == (folder / name).read_text("utf-8"), f"{name} differs from the tutorial"


@pytest.mark.slow
def test_the_tutorial_installs_the_package_its_reader_built(tmp_path):
    """Step 3 installs the folder section 1 had the reader make, not the repository's copy:
    the tutorial's blocks written out there install and are listed as a plugin."""
    text = TUTORIAL.read_text("utf-8")
    root = re.search(r"^    (\S+)/\n        pyproject\.toml", text, re.M).group(1)
    step3 = text[text.index("## 3. ") : text.index("## 4. ")]
    assert re.search(r"^    gidr-etl install -e (\S+)$", step3, re.M).group(1) == f"./{root}"
    folder = tmp_path / root
    for name, code in FENCE.findall(text):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        with (folder / name).open("a", encoding="utf-8") as out:
            out.write(("\n\n" if out.tell() else "") + code)
    site = tmp_path / "site"
    # pip as `gidr-etl install` runs it, into a folder of its own rather than this environment
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps"]
        + ["--no-build-isolation", "--no-index", "--target", str(site), f"./{root}"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=300,
    )
    rows = {r["name"]: r for r in json.loads(run_cli("plugins", "--json", env=env_for(site), check=0).stdout)}
    assert rows["markdown"]["formats"] == ["markdown"] and "error" not in rows["markdown"]


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """Both plugin packages pip-installed into a folder of their own (not the venv)."""
    tmp = tmp_path_factory.mktemp("plugins")
    sources = [
        shutil.copytree(p, tmp / "src" / p.name) for p in sorted(PLUGINS.iterdir()) if (p / "pyproject.toml").exists()
    ]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--target",
            str(tmp / "site"),
            *map(str, sources),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return tmp / "site"


def env_for(site: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "GIDR_ETL_LOAD_PLUGINS"}
    return {**env, "PYTHONPATH": str(site), **extra}


@pytest.mark.slow
def test_installed_plugins_are_listed(site):
    rows = {r["name"]: r for r in json.loads(run_cli("plugins", "--json", env=env_for(site), check=0).stdout)}
    for name in ("doc", "markdown"):
        assert rows[name]["version"] == "0.1.0"
        assert rows[name]["hooks"] == ["register_formats"] and rows[name]["formats"] == [name]
        assert "error" not in rows[name]
    text = run_cli("plugins", env=env_for(site), check=0).stdout
    assert "doc 0.1.0  hooks: register_formats  formats: doc" in text.splitlines()


def _markdown_render():
    """The Markdown plugin's own renderer, from its tests."""
    path = PLUGINS / "gidr-etl-markdown" / "tests" / "test_markdown_plugin.py"
    spec = importlib.util.spec_from_file_location("markdown_plugin_tests", path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parents[1]))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parents[1]))
    return module.render


def _gold_for(folder: Path, names: list[str]) -> Path:
    gold = seeds.gold(SEED)
    gold["source"] = names
    folder.mkdir()
    (folder / f"{SEED}.json").write_text(json.dumps(gold, ensure_ascii=False), "utf-8")
    return folder


@pytest.mark.soffice
@pytest.mark.slow
@needs_soffice
def test_a_doc_and_a_markdown_file_made_from_a_seed_give_its_gold(site, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    convert(render.render_docx(SEED, tmp_path / f"{SEED}.docx"), "doc", docs)
    _markdown_render()(SEED, docs / f"{SEED}.md")
    db = tmp_path / "g.db"
    run_cli("ingest", docs, "--db", db, "--workers", "2", env=env_for(site), check=0)
    proc = score(db, _gold_for(tmp_path / "gold", [f"{SEED}.doc", f"{SEED}.md"]))
    assert proc.returncode == 0, proc.stdout
    con = sqlite3.connect(db)
    formats = dict(con.execute("select source_path, format from reports"))
    assert sorted((Path(p).name, f) for p, f in formats.items()) == [(f"{SEED}.doc", "doc"), (f"{SEED}.md", "markdown")]


@pytest.mark.slow
def test_without_libreoffice_a_doc_fails_naming_the_package(site, tmp_path, seed_dir):
    (seed_dir / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024)
    empty = tmp_path / "bin"
    empty.mkdir()
    db = tmp_path / "g.db"
    proc = run_cli("ingest", seed_dir, "--db", db, env=env_for(site, PATH=str(empty)), check=1)
    assert "old.doc: LibreOffice is needed to read .doc files and was not found:" in proc.stderr
    assert "apt-get install libreoffice-writer" in proc.stderr
    assert "5 reports loaded" in proc.stdout
