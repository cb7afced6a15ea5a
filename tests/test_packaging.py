"""What a user installing the wheel (not a checkout) gets: the data the package reads at run time."""

import subprocess
import sys
import zipfile

import pytest
from helpers import ROOT

pytestmark = [pytest.mark.slow]


def test_wheel_ships_the_vocabulary_the_datasette_metadata_and_the_seeds(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (wheel,) = tmp_path.glob("gidr_etl-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"gidr_etl/data/template.toml", "gidr_etl/data/datasette.yml"} <= names
    # the Datasette templates that draw the pages Chinese first (serving/chinese.py)
    templates = {p.name for p in (ROOT / "gidr_etl" / "serving" / "templates").glob("*.html")}
    assert templates >= {"_table.html", "_facet_results.html", "query.html"}
    assert {f"gidr_etl/serving/templates/{t}" for t in templates} <= names
    # PEP 561: plugin authors' type checkers read the package's annotations
    assert "gidr_etl/py.typed" in names
    # the contract kit (gidr_etl.testing) renders the seeds and checks their gold
    assert len([n for n in names if n.startswith("gidr_etl/data/seeds/") and n.endswith(".json")]) == 5
    # the repository's datasette.yml (for `datasette gidr.db -m datasette.yml`) is that same file
    assert (ROOT / "datasette.yml").resolve() == (ROOT / "gidr_etl" / "data" / "datasette.yml")
