"""The .doc/.wps plugin: seeds rendered as DOCX, saved as .doc by LibreOffice, read back."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gidr_etl import ExtractionError
from gidr_etl.formats.choice import ranked_formats
from gidr_etl.formats.soffice import convert, find_soffice
from gidr_etl.plugins import formats
from gidr_etl.testing import check_format, render, seeds
from gidr_etl_doc import DocFormat

pytestmark = [
    pytest.mark.skipif(find_soffice() is None, reason="LibreOffice (soffice) not installed"),
    pytest.mark.soffice,
    pytest.mark.slow,
]

# One 2021 report in Simplified, one 2019 report in Traditional characters: each
# conversion takes seconds, so two seeds, converted once per session.
SEEDS = [seeds.SEEDS[0], seeds.SEEDS[2]]


@pytest.fixture(scope="session")
def doc_files(tmp_path_factory) -> dict[str, Path]:
    """Each seed as a Word 97-2003 .doc, written by LibreOffice from the DOCX rendering."""
    folder = tmp_path_factory.mktemp("doc")
    return {seed: convert(render.render_docx(seed, folder / f"{seed}.docx"), "doc", folder) for seed in SEEDS}


def copy_from(files: dict[str, Path]):
    def render(seed: str, path: Path) -> None:
        shutil.copyfile(files[seed], path)

    return render


def test_doc_files_give_the_gold(doc_files, tmp_path):
    reports = check_format(DocFormat(), copy_from(doc_files), tmp_path, seeds=SEEDS)
    assert all(r.format == "doc" for r in reports)


def test_a_wps_file_is_read_like_a_doc(doc_files, tmp_path):
    # Kingsoft WPS Writer files are Word binaries under another extension.
    check_format(DocFormat(), copy_from(doc_files), tmp_path, seeds=SEEDS[:1], extension=".wps")


def test_a_doc_under_a_wrong_name_is_recognised_by_content(doc_files, tmp_path):
    path = tmp_path / "report.txt"
    shutil.copyfile(doc_files[SEEDS[0]], path)
    assert ranked_formats(path, path.read_bytes()[:4096], [DocFormat(), *formats()])[0].name == "doc"


def test_a_docx_named_doc_is_left_to_the_docx_reader(tmp_path):
    path = render.render_docx(SEEDS[0], tmp_path / "report.doc")
    ranked = ranked_formats(path, path.read_bytes()[:4096], [DocFormat(), *formats()])
    assert [f.name for f in ranked] == ["docx", "doc"]


def test_other_compound_files_are_not_claimed(doc_files, tmp_path):
    # An .xls or Outlook .msg is OLE2 too, without a WordDocument stream.
    data = (
        doc_files[SEEDS[0]].read_bytes().replace("WordDocument".encode("utf-16-le"), "Workbook0000".encode("utf-16-le"))
    )
    path = tmp_path / "sheet.xls"
    path.write_bytes(data)
    assert DocFormat().sniff(path, data[:4096]) is None


def test_without_libreoffice_the_error_names_the_package(doc_files, tmp_path, monkeypatch):
    monkeypatch.delenv("GIDR_ETL_SOFFICE", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ExtractionError, match="apt-get install libreoffice-writer"):
        DocFormat().extract(doc_files[SEEDS[0]])


def test_a_conversion_that_hangs_is_stopped(doc_files, tmp_path, monkeypatch):
    hang = tmp_path / "soffice"
    hang.write_text("#!/bin/sh\nsleep 60 &\nwait\n")
    hang.chmod(0o755)
    monkeypatch.setenv("GIDR_ETL_SOFFICE", str(hang))
    monkeypatch.setenv("GIDR_ETL_SOFFICE_TIMEOUT", "0.5")
    with pytest.raises(ExtractionError, match="did not convert the file within 0.5 s"):
        DocFormat().extract(doc_files[SEEDS[0]])


def test_a_damaged_doc_is_a_clear_error(doc_files, tmp_path):
    path = tmp_path / "damaged.doc"
    path.write_bytes(doc_files[SEEDS[0]].read_bytes()[:3000])
    with pytest.raises(ExtractionError, match="LibreOffice could not convert the file"):
        DocFormat().extract(path)
