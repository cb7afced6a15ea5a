"""Broken third-party plugins, installed as real distributions: the batch goes on without them.

Each plugin here is a module plus a dist-info folder with its entry point, on PYTHONPATH,
so gidr-etl finds it the way it finds a pip-installed plugin.
"""

from __future__ import annotations

import json
import os
import sqlite3
import textwrap
from pathlib import Path

import pytest
from helpers import SEEDS, cells_of, gold_cells, run_cli

# Each test runs the CLI in subprocesses that load the fake distributions.
pytestmark = [pytest.mark.slow]

RAISES = '''
from gidr_etl import InputFormat
from gidr_etl.hookspecs import hookimpl


class Boom(InputFormat):
    """Claims its own .boom files and, by content, every text file; reads none."""

    name = "boom"
    extensions = (".boom",)
    priority = 100

    def sniff(self, path, head):
        return self.CONTENT

    def extract(self, path):
        raise RuntimeError("boom on " + path.name)


class Sniffy(InputFormat):
    """Cannot even look at a file."""

    name = "sniffy"

    def sniff(self, path, head):
        raise KeyError("sniffy")

    def extract(self, path):
        raise AssertionError("never chosen: its sniff raises")


@hookimpl
def register_formats(register):
    register(Boom())
    register(Sniffy())
'''

PLUGINS = {
    "boom": RAISES,
    "broken_import": "import gidr_etl_no_such_module\n",
    "misspelt": "from gidr_etl.hookspecs import hookimpl\n\n@hookimpl\ndef register_format(register):\n    pass\n",
    "raises_registering": "from gidr_etl.hookspecs import hookimpl\n\n@hookimpl\ndef register_formats(register):\n    raise ValueError('no formats today')\n",
}


def install(site: Path, name: str, source: str) -> None:
    """Write `name` as an installed distribution with a gidr_etl entry point."""
    (site / f"gidr_etl_test_{name}.py").write_text(textwrap.dedent(source), "utf-8")
    info = site / f"gidr_etl_test_{name}-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: gidr-etl-test-{name}\nVersion: 1.2.3\n", "utf-8")
    (info / "entry_points.txt").write_text(f"[gidr_etl]\n{name} = gidr_etl_test_{name}\n", "utf-8")


@pytest.fixture
def site(tmp_path) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    for name, source in PLUGINS.items():
        install(site, name, source)
    return site


def env_with(site: Path, only: str | None = None) -> dict:
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("GIDR_ETL_LOAD_PLUGINS", None)
    if only is not None:
        env["GIDR_ETL_LOAD_PLUGINS"] = only
    return env


def files_table(db: Path) -> dict[str, tuple]:
    con = sqlite3.connect(db)
    rows = con.execute("select path, status, plugin, error from files").fetchall()
    con.close()
    return {Path(path).name: (status, plugin, error) for path, status, plugin, error in rows}


def test_broken_plugins_are_listed_with_their_reasons(site):
    rows = {r["name"]: r for r in json.loads(run_cli("plugins", "--json", env=env_with(site), check=0).stdout)}
    assert rows["boom"]["formats"] == ["boom", "sniffy"] and rows["boom"]["version"] == "1.2.3"
    assert "error" not in rows["boom"]
    assert "ModuleNotFoundError" in rows["broken_import"]["error"]
    assert "unknown hook 'register_format'" in rows["misspelt"]["error"]
    assert "did you mean 'register_formats'" in rows["misspelt"]["error"]
    assert rows["raises_registering"]["error"] == "register_formats raised ValueError: no formats today"
    assert {"txt", "html", "docx", "pdf"} <= {f for r in rows.values() for f in r["formats"]}
    text = run_cli("plugins", env=env_with(site), check=0).stdout
    assert "misspelt 1.2.3  FAILED: unknown hook 'register_format'" in text


def test_a_plugin_crashing_on_every_file_leaves_the_seeds_loaded(site, seed_dir, tmp_path):
    (seed_dir / "a.boom").write_text("anything", "utf-8")
    db = tmp_path / "g.db"
    proc = run_cli("ingest", seed_dir, "--db", db, env=env_with(site), check=1)
    files = files_table(db)
    # The seeds: boom claims them first and crashes, so TXT reads them, with a warning.
    for seed in SEEDS:
        assert files[seed.name][:2] == ("ok", "txt")
        assert cells_of(db, seed.name) == gold_cells(seed.name)
        assert (
            f"{seed.name}: warning: format 'boom' crashed: RuntimeError: boom on {seed.name}; read as txt"
            in proc.stderr
        )
        assert f"{seed.name}: warning: format 'sniffy' crashed sniffing: KeyError: 'sniffy'; read as txt" in proc.stderr
    # Its own file: nobody else reads it, so the crash is the file's error.
    assert files["a.boom"] == (
        "failed",
        "boom",
        "format 'sniffy' crashed sniffing: KeyError: 'sniffy'; format 'boom' crashed: RuntimeError: boom on a.boom",
    )
    assert f"a.boom: {files['a.boom'][2]}\n" in proc.stderr
    assert "5 reports loaded" in proc.stdout and "1 failed" in proc.stdout
    con = sqlite3.connect(db)
    warned = con.execute(
        "select count(*), count(distinct report_id) from findings where rule = 'plugin_crashed'"
    ).fetchone()
    assert warned == (10, 5)
    # The plugins that could not load are said once, before the batch.
    assert "warning: plugin broken_import: ModuleNotFoundError" in proc.stderr
    assert "warning: plugin misspelt: unknown hook" in proc.stderr


def test_with_workers_the_crashes_are_isolated_too(site, seed_dir, tmp_path):
    db = tmp_path / "g.db"
    run_cli("ingest", seed_dir, "--db", db, "--workers", "2", env=env_with(site), check=0)
    assert {v[:2] for v in files_table(db).values()} == {("ok", "txt")}


def test_load_plugins_setting_limits_what_loads(site, seed_dir, tmp_path):
    db = tmp_path / "g.db"
    proc = run_cli("ingest", seed_dir, "--db", db, env=env_with(site, only="misspelt"), check=0)
    assert "boom" not in proc.stderr and "broken_import" not in proc.stderr
    assert "warning: plugin misspelt" in proc.stderr
    rows = json.loads(run_cli("plugins", "--json", env=env_with(site, only=""), check=0).stdout)
    assert not [r for r in rows if not r["name"].startswith("gidr_etl.")]
