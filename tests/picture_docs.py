"""Documents whose tables are pictures, made from a seed's own renderings.

The seed's DOCX (gidr_etl/testing/render.py) is converted to PDF by LibreOffice, each
table is cut out of its rasterised page (a table broken over two pages gives two
pictures), and the pictures take the tables' places: in a copy of the DOCX (python-docx)
or as <img> in the seed's HTML page, saved beside it the way a browser saves a page.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

# Pictures are cut at this resolution, as a scanner or a screenshot tool would give them.
DPI = 200
# A table that starts this close to the page's top margin, after one that ran to the
# bottom margin of the page before, is that table continued.
_MARGIN_SLACK = 40


def table_pictures(pdf: Path) -> list[list[tuple[bytes, float]]]:
    """Each table of `pdf` as its pictures (PNG, width in points), in reading order."""
    import pdfplumber
    import pypdfium2 as pdfium

    tables: list[list[tuple[bytes, float]]] = []
    previous_bottom = None
    raster = pdfium.PdfDocument(str(pdf))
    with pdfplumber.open(str(pdf)) as plumber:
        for n, page in enumerate(plumber.pages):
            image = raster[n].render(scale=DPI / 72).to_pil().convert("RGB")
            found = page.find_tables()
            for j, table in enumerate(found):
                x0, top, x1, bottom = table.bbox
                pad = 4
                crop = image.crop(tuple(int(v * DPI / 72) for v in (x0 - pad, top - pad, x1 + pad, bottom + pad)))
                buf = io.BytesIO()
                crop.save(buf, "PNG", dpi=(DPI, DPI))
                picture = (buf.getvalue(), x1 - x0 + 2 * pad)
                continued = (
                    j == 0
                    and previous_bottom is not None
                    and top < 72 + _MARGIN_SLACK
                    and previous_bottom > page.height - 72 - _MARGIN_SLACK
                )
                if continued:
                    tables[-1].append(picture)
                else:
                    tables.append([picture])
                previous_bottom = bottom
            if not found:
                previous_bottom = None
    raster.close()
    return tables


def docx_with_table_pictures(docx_path: Path, pdf: Path, out: Path) -> Path:
    """A copy of `docx_path` with each table replaced by its pictures cut from `pdf` (its rendering)."""
    import docx
    from docx.shared import Pt

    document = docx.Document(str(docx_path))
    pictures = table_pictures(pdf)
    assert len(pictures) == len(document.tables), (len(pictures), len(document.tables))
    for table, parts in zip(list(document.tables), pictures):
        for png, width in parts:
            paragraph = document.add_paragraph()
            paragraph.add_run().add_picture(io.BytesIO(png), width=Pt(width))
            table._element.addprevious(paragraph._p)
        table._element.getparent().remove(table._element)
    out.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(out))
    return out


def html_with_table_pictures(html_path: Path, pdf: Path, out: Path) -> Path:
    """A copy of the HTML page with each <table> replaced by <img>s of its pictures cut from
    `pdf`, saved in a folder beside it (NAME_files/), as browsers save a page."""
    text = html_path.read_text("utf-8")
    pictures = table_pictures(pdf)
    folder = out.parent / f"{out.stem}_files"
    folder.mkdir(parents=True, exist_ok=True)
    tables = re.findall(r"<table\b.*?</table>", text, flags=re.S | re.I)
    outer = [t for t in tables if 'class="meta"' not in t]  # the page's info block stays a table
    assert len(pictures) == len(outer), (len(pictures), len(outer))
    for k, (table, parts) in enumerate(zip(outer, pictures)):
        imgs = []
        for j, (png, width) in enumerate(parts):
            name = f"table{k + 1}_{j + 1}.png"
            (folder / name).write_bytes(png)
            imgs.append(f'<p><img src="{folder.name}/{name}" width="{round(width * 4 / 3)}"></p>')
        text = text.replace(table, "\n".join(imgs), 1)
    out.write_text(text, "utf-8")
    return out
