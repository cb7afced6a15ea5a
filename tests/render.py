"""The seed reports rendered as HTML, DOCX and PDF in the official table layout.

The layout and the HTML/DOCX writers ship with gidr-etl (gidr_etl/testing/) so that
plugin packages can use them too; the PDF is the DOCX converted by LibreOffice.
"""

from __future__ import annotations

import shutil
import tempfile
from functools import cache
from pathlib import Path

from gidr_etl.formats.soffice import DEBIAN_PACKAGE, convert, find_soffice
from gidr_etl.testing.layout import (  # noqa: F401  (the tests use these through this module)
    PrintedCell,
    Rows,
    grid_positions,
    metadata_lines,
    outline,
    printed,
    prose,
    title,
)
from gidr_etl.testing.render import build_docx, render_docx, render_html, write_html  # noqa: F401
from gidr_etl.testing.seeds import SEEDS, gold  # noqa: F401


def render_pdf(seed: str, path: Path) -> Path:
    """The DOCX rendering converted by LibreOffice; skips the calling test without soffice.

    A seed is converted once per test run (LibreOffice takes seconds a file; five test
    modules print the same seeds) and copied to `path`: the rendering depends on nothing else.
    """
    import pytest

    if find_soffice() is None:
        pytest.skip(f"LibreOffice (soffice) is not installed: apt-get install {DEBIAN_PACKAGE} fonts-noto-cjk")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_converted_pdf(seed), path)
    return path


@cache
def _converted_pdf(seed: str) -> Path:
    out = Path(_RENDERED.name) / f"{seed}.pdf"
    with tempfile.TemporaryDirectory() as tmp:
        src = render_docx(seed, Path(tmp) / f"{seed}.docx")
        shutil.move(str(convert(src, "pdf", Path(tmp))), out)
    return out


# The run's renderings, removed when the test process ends.
_RENDERED = tempfile.TemporaryDirectory(prefix="gidr-rendered-")
