"""One `gidr-etl ingest` over a folder mixing all four formats, nested, with odd names."""

import shutil

import pytest
import render
from helpers import SAMPLES, cells_of, gold_cells, run_cli

pytestmark = [pytest.mark.slow]


def test_a_mixed_folder_ingests_in_one_run(tmp_path):
    folder = tmp_path / "reports"
    (folder / "pdf").mkdir(parents=True)
    (folder / "web" / "2021").mkdir(parents=True)
    shutil.copy(SAMPLES / "002_3a38b772f27b9fba.txt", folder)
    shutil.copy(SAMPLES / "pingtan_zonghe_shiyanqu_2021.txt", folder)
    shutil.copy(SAMPLES / "huaian_municipal_gov_2024.pdf", folder / "pdf")
    shutil.copy(SAMPLES / "template_2021_blank_govnianbao.docx", folder)
    render.write_html("000_2d55a32003931e6c", folder / "web" / "2021" / "000_2d55a32003931e6c.shtml")
    # a web page saved under a .txt name is still read as HTML
    render.write_html("003_7310e8e43cef02b2", folder / "web" / "003_7310e8e43cef02b2.txt")
    render.render_docx("001_f034b2af3da2120e", folder / "001_f034b2af3da2120e.docx")
    db = tmp_path / "mixed.db"
    proc = run_cli("ingest", folder, "--db", db, check=0)
    # the blank template is a file, not a report (copies.py)
    assert "7 files: 6 reports loaded" in proc.stdout
    import sqlite3

    plugins = dict(sqlite3.connect(db).execute("select path, plugin from files"))
    assert sorted(plugins.values()) == ["docx", "docx", "html", "html", "pdf", "txt", "txt"]
    assert next(v for k, v in plugins.items() if k.endswith("003_7310e8e43cef02b2.txt")) == "html"
    for name in (
        "002_3a38b772f27b9fba.txt",
        "huaian_municipal_gov_2024.pdf",
        "000_2d55a32003931e6c.shtml",
        "003_7310e8e43cef02b2.txt",
        "001_f034b2af3da2120e.docx",
        "template_2021_blank_govnianbao.docx",
    ):
        got, want = cells_of(db, name), gold_cells(name)
        assert {k: v for k, v in want.items() if v != "?"} == {k: got.get(k) for k, v in want.items() if v != "?"}, name
