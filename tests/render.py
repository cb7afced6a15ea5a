"""The seed reports rendered as HTML, DOCX and PDF in the official table layout.

The layout and the HTML/DOCX writers ship with gidr-etl (gidr_etl/testing/) so that
plugin packages can use them too; the PDF is the DOCX converted by LibreOffice.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from gidr_etl.formats.soffice import DEBIAN_PACKAGE, find_soffice
from gidr_etl.testing.converters import PDF, seed_renderings
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

    The PDF is the converter zoo's (gidr_etl/testing/converters.py), cached by what it is made
    from (the seed's gold, the renderer's code, the fonts at hand): LibreOffice takes seconds a
    file, five test modules print the same seeds, and the first asks for all five in one run.
    """
    import pytest

    if find_soffice() is None:
        pytest.skip(f"LibreOffice (soffice) is not installed: apt-get install {DEBIAN_PACKAGE} fonts-noto-cjk")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    (source,) = (s for s in seed_renderings(SEEDS, (PDF,)) if s.name == f"{seed}.pdf")
    shutil.copyfile(source.path, path)
    return path
