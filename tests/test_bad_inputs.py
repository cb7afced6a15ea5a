"""Bad input never stops a batch: a corpus of broken files ingested together with the seeds.

Each bad file must come out as one failed row in the files table and one line on stderr,
both naming the file and the reason; every seed in the same batch is loaded with its
gold cells; the exit status is 1.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import render
from helpers import SAMPLES, SEEDS, cells_of, gold_cells
from test_html_docx_formats import BILLION_LAUGHS, _docx_with

PDF = SAMPLES / "huaian_municipal_gov_2024.pdf"
BIG_HTML_MB = 100

# Root reads a chmod 000 file anyway; without these capabilities it cannot.
NO_DAC = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"]


def unreadable_prefix() -> list[str] | None:
    """How to run the CLI so that a chmod 000 file is unreadable to it; None if we cannot."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") and subprocess.run([*NO_DAC, "true"]).returncode == 0:
        return NO_DAC
    return None


def ingest(folder: Path, db: Path, prefix: list[str] = (), *options: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*prefix, sys.executable, "-m", "gidr_etl.cli", "ingest", str(folder), "--db", str(db), *options],
        capture_output=True,
        text=True,
    )


def notice() -> str:
    """A notice that is no annual report, in real officialese: a seed's own prose, retitled."""
    prose = [ln for ln in render.prose(render.SEEDS[3], limit=20)[1:] if "报告" not in ln]
    assert len("".join(prose)) > 300
    return "关于进一步优化政务服务工作的通知\n\n各科室：\n\n" + "\n\n".join(prose) + "\n\n特此通知。\n"


def encrypted_pdf(path: Path) -> Path:
    pypdf = pytest.importorskip("pypdf")  # test-only dependency
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(PDF))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    writer.write(path)
    return path


def big_html(path: Path, mb: int) -> Path:
    row = "<tr><td>商品名称</td><td>单价</td><td>12</td><td>3</td></tr>\n".encode()
    block = b"".join([row] * (2**20 // len(row) + 1))[: 2**20]
    with path.open("wb") as f:
        f.write(b"<html><head><title>junk</title></head><body><table>\n")
        for _ in range(mb):
            f.write(block)
    return path


def docx_variant(dest: Path, **kw) -> None:
    with tempfile.TemporaryDirectory() as scratch:  # not in the batch: it also holds the good source
        shutil.move(_docx_with(Path(scratch), **kw), dest)


# The bad files: name → (how to make it in the folder, the reason its error must give).
BAD = {
    "empty.txt": (lambda p: p.write_bytes(b""), "empty file"),
    "empty.html": (lambda p: p.write_bytes(b""), "empty file"),
    "empty.pdf": (lambda p: p.write_bytes(b""), "empty file"),
    "empty.docx": (lambda p: p.write_bytes(b""), "empty file"),
    "truncated.pdf": (lambda p: p.write_bytes(PDF.read_bytes()[: PDF.stat().st_size // 2]), "not a readable PDF"),
    "encrypted.pdf": (encrypted_pdf, "encrypted PDF"),
    "zipbomb.docx": (lambda p: docx_variant(p, huge=300), "zip bomb"),
    "malformed.docx": (lambda p: docx_variant(p, document_xml=b"<w:document><w:body><w:p>"), "malformed DOCX"),
    "laughs.docx": (
        lambda p: docx_variant(p, document_xml=BILLION_LAUGHS),
        "not a 政府信息公开工作年度报告|malformed DOCX",
    ),
    "binary.txt": (lambda p: p.write_bytes(os.urandom(64 * 1024)), "binary"),
    "huge.html": (lambda p: big_html(p, BIG_HTML_MB), "file too large: 100.0 MB"),
    "notice.txt": (lambda p: p.write_text(notice(), "utf-8"), "not a 政府信息公开工作年度报告"),
    "pipe.txt": (os.mkfifo, "not a regular file"),
    "self.txt": (lambda p: p.symlink_to(p.name), "cannot read: Too many levels of symbolic links"),
    "loop": (lambda p: p.symlink_to("."), "symlink loop"),
}


def build_corpus(tmp_path: Path, unreadable: bool) -> tuple[Path, dict[str, str]]:
    folder = tmp_path / "batch"
    (folder / "sub").mkdir(parents=True)
    for seed in SEEDS:
        shutil.copy(seed, folder)
    reasons = {}
    for name, (make, reason) in BAD.items():
        make(folder / "sub" / name)
        reasons[name] = reason
    if unreadable:
        # a real report, so the error can only come from the permissions
        locked = folder / "sub" / "locked.txt"
        locked.write_text(SEEDS[0].read_text("utf-8").replace("年度报告", "年度报告（副本）", 1), "utf-8")
        reasons["locked.txt"] = "cannot read: Permission denied"
        shut = folder / "sub" / "shut"
        shut.mkdir()
        shutil.copy(locked, shut)
        shut.chmod(0)
        locked.chmod(0)
        reasons["shut"] = "cannot read folder: Permission denied"
    return folder, reasons


@pytest.mark.slow
def test_bad_inputs_fail_alone_and_every_seed_is_loaded(tmp_path):
    prefix = unreadable_prefix()
    folder, reasons = build_corpus(tmp_path, unreadable=prefix is not None)
    db = tmp_path / "g.db"
    proc = ingest(folder, db, prefix or [], "--workers", "2")
    assert proc.returncode == 1, proc.stdout + proc.stderr

    con = sqlite3.connect(db)
    failed = {Path(p).name: e for p, e in con.execute("select path, error from files where status = 'failed'")}
    assert set(failed) == set(reasons), proc.stderr
    stderr = proc.stderr.splitlines()
    for name, reason in reasons.items():
        assert re.search(reason, failed[name]), (name, failed[name])
        assert "\n" not in failed[name]
        path = str(folder / "sub" / name)
        assert f"{path}: {failed[name]}" in stderr, name

    # the seeds, and nothing else, are reports, each with its gold cells
    sources = sorted(Path(p).name for (p,) in con.execute("select source_path from reports"))
    assert sources == sorted(s.name for s in SEEDS)
    for seed in SEEDS:
        want = {k: v for k, v in gold_cells(seed.name).items() if v != "?"}
        got = cells_of(db, seed.name)
        assert {k: got.get(k) for k in want} == want, seed.name
    assert f"{len(SEEDS) + len(reasons)} files: {len(SEEDS)} reports loaded" in proc.stdout


@pytest.mark.slow
def test_unreadable_file_is_retried_once_readable(seed_dir, tmp_path):
    prefix = unreadable_prefix()
    if prefix is None:
        pytest.skip("running as root without setpriv: permissions do not stop root reading a file")
    locked = seed_dir / SEEDS[0].name
    locked.chmod(0)
    db = tmp_path / "g.db"
    proc = ingest(seed_dir, db, prefix)
    assert proc.returncode == 1
    assert f"{locked}: cannot read: Permission denied" in proc.stderr.splitlines()
    locked.chmod(0o644)
    # a failed file is tried again: the same content now loads
    proc = ingest(seed_dir, db, prefix)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "5 files: 1 reports loaded, 4 unchanged, 0 failed" in proc.stdout
    assert cells_of(db, locked.name) == {k: v for k, v in gold_cells(locked.name).items()}


@pytest.mark.slow
def test_size_limit_is_configurable(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    render.write_html(render.SEEDS[0], folder / "page.html")
    big_html(folder / "one.html", 1)
    big_html(folder / "nine.html", 9)
    db = tmp_path / "g.db"
    proc = ingest(folder, db)
    assert proc.returncode == 1
    errors = dict(sqlite3.connect(db).execute("select path, error from files"))
    assert errors[str(folder / "nine.html")] == "file too large: 9.0 MB (limit 8.0 MB for html; see --max-size)"
    assert errors[str(folder / "one.html")].startswith("not a 政府信息公开工作年度报告")
    proc = ingest(folder, db, [], "--max-size", "0.5")
    assert proc.returncode == 1
    errors = dict(sqlite3.connect(db).execute("select path, error from files"))
    assert errors[str(folder / "one.html")] == "file too large: 1.0 MB (limit 0.5 MB for html; see --max-size)"
    assert errors[str(folder / "page.html")] is None
