"""Converting documents with LibreOffice headless, for formats read through another one.

Each call gets its own LibreOffice profile (-env:UserInstallation): soffice refuses to
run twice on one profile, so parallel workers sharing the default one would block or
fail. A conversion that outlives its timeout is killed with its whole process group
(soffice runs as a launcher and a child that would otherwise linger).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from gidr_etl.errors import ExtractionError

DEBIAN_PACKAGE = "libreoffice-writer"
TIMEOUT = 120.0  # seconds; GIDR_ETL_SOFFICE_TIMEOUT overrides


def find_soffice() -> str | None:
    """The LibreOffice executable: $GIDR_ETL_SOFFICE, else soffice or libreoffice on PATH."""
    return os.environ.get("GIDR_ETL_SOFFICE") or shutil.which("soffice") or shutil.which("libreoffice")


def convert(src: Path, to: str, outdir: Path, timeout: float | None = None, infilter: str | None = None) -> Path:
    """Convert `src` with LibreOffice into `outdir` as format `to` ("docx", "doc", "pdf" …);
    `infilter` names the import filter where the suffix would choose another (HTML as Writer)."""
    return convert_many([src], to, outdir, timeout, infilter)[0]


def convert_many(
    sources: list[Path], to: str, outdir: Path, timeout: float | None = None, infilter: str | None = None
) -> list[Path]:
    """Convert several files in one LibreOffice run (its start-up is most of a small file's time)."""
    timeout = timeout or float(os.environ.get("GIDR_ETL_SOFFICE_TIMEOUT", TIMEOUT))
    soffice = find_soffice()
    if soffice is None:
        raise ExtractionError(
            f"LibreOffice is needed to read {sources[0].suffix or 'this'} files and was not found:"
            f" install it (Debian/Ubuntu: apt-get install {DEBIAN_PACKAGE})"
        )
    with tempfile.TemporaryDirectory(prefix="gidr-soffice-") as profile:
        args = [
            soffice,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--norestore",
            *([f"--infilter={infilter}"] if infilter else []),
            "--convert-to",
            to,
            "--outdir",
            str(outdir),
            *map(str, sources),
        ]
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise ExtractionError(f"LibreOffice did not convert the file within {timeout:g} s") from None
    outs = [Path(outdir) / f"{Path(src).stem}.{to.split(':')[0]}" for src in sources]
    if proc.returncode != 0 or not all(out.exists() for out in outs):
        said = err.decode("utf-8", "replace").strip().splitlines()
        raise ExtractionError(f"LibreOffice could not convert the file{': ' + said[-1] if said else ''}")
    return outs
