"""DOCX input format: paragraphs and tables in body order, merged cells as spans.

python-docx opens the package and parses it (lxml, entities not resolved); the body
is then walked as XML because python-docx's table.cell(r, c) repeats a merged cell's
text in every grid position it covers, while the template's group labels must
arrive once, with their spans.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from gidr_etl.errors import ExtractionError
from gidr_etl.formats.base import InputFormat
from gidr_etl.formats.pictures import Picture, with_pictures
from gidr_etl.hookspecs import hookimpl
from gidr_etl.model import Block, Document, Provenance, Table, TableCell, TextBlock
from gidr_etl.reading.metadata import metadata_hints
from gidr_etl.text.cjk import join_lines

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
_EMU_A_POINT = 12700
MAX_UNCOMPRESSED = 200 * 1024 * 1024  # a report is a few MB even with pictures
MAX_ENTRIES = 5000
# Elements that only wrap body content (content controls, custom XML, tracked insertions).
_WRAPPERS = {W + "sdt", W + "sdtContent", W + "customXml", W + "ins", W + "smartTag"}
# Extensions whose zips are certainly not Word documents: not worth opening in sniff.
_OTHER_ZIPS = {
    ".xlsx",
    ".pptx",
    ".zip",
    ".odt",
    ".ods",
    ".odp",
    ".epub",
    ".jar",
    ".apk",
    ".pdf",
    ".txt",
    ".html",
    ".htm",
}


def _is_word_zip(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            return "word/document.xml" in zf.namelist()
    except (OSError, zipfile.BadZipFile, ValueError):
        return False


def check_package(path: Path) -> None:
    """Refuse what would hang or exhaust memory before python-docx inflates it.

    zipfile never inflates an entry past its declared size (it stops and fails the
    CRC), so bounding the declared sizes bounds the memory.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (OSError, zipfile.BadZipFile, ValueError) as exc:
        raise ExtractionError(f"not a DOCX (zip) file: {exc}") from exc
    if len(infos) > MAX_ENTRIES:
        raise ExtractionError(f"DOCX has {len(infos)} zip entries (limit {MAX_ENTRIES})")
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED:
        raise ExtractionError(
            f"DOCX declares {total / 2**20:.0f} MB uncompressed (limit {MAX_UNCOMPRESSED // 2**20} MB): zip bomb?"
        )
    if not any(i.filename == "word/document.xml" for i in infos):
        raise ExtractionError("zip has no word/document.xml: not a Word document")


def _val(el, name: str) -> str | None:
    child = el.find(name) if el is not None else None
    return None if child is None else child.get(W + "val")


def _children(el):
    """Children of a body, cell or row, looking through content-control wrappers."""
    for child in el:
        if child.tag in _WRAPPERS:
            yield from _children(child)
        else:
            yield child


def paragraph_text(p) -> str:
    """A w:p's visible text: runs, tabs and breaks; deleted text and field codes left out."""
    out = []
    # Deleted text is w:delText and field codes w:instrText: neither is collected.
    for el in p.iter(W + "t", W + "tab", W + "br", W + "cr", W + "noBreakHyphen"):
        if el.tag == W + "t":
            out.append(el.text or "")
        elif el.tag == W + "noBreakHyphen":
            out.append("-")
        else:
            out.append("\t" if el.tag == W + "tab" else "\n")
    return "".join(out)


class _Walker:
    def __init__(self, source: str, heading_styles: set[str]):
        self.source = source
        self.heading_styles = heading_styles
        self.blocks: list[Block] = []
        self.index = 0  # body-order index of paragraphs and tables: the provenance line
        self.pictures: list[tuple[int, int, str, int | None]] = []  # (block index, line, relationship id, width in EMU)

    def body(self, body) -> None:
        for child in _children(body):
            if child.tag == W + "p":
                self.index += 1
                self.paragraph(child)
            elif child.tag == W + "tbl":
                self.index += 1
                self.table(child)

    def paragraph(self, p) -> None:
        for drawing in p.iter(W + "drawing"):
            blip, extent = next(drawing.iter(_A + "blip"), None), next(drawing.iter(_WP + "extent"), None)
            if blip is not None and blip.get(_R + "embed"):
                width = int(extent.get("cx", 0)) if extent is not None else 0
                self.pictures.append((len(self.blocks), self.index, blip.get(_R + "embed"), width or None))
        text = paragraph_text(p).strip()
        if not text:
            return
        ppr = p.find(W + "pPr")
        style = _val(ppr, W + "pStyle")
        heading = style in self.heading_styles or _val(ppr, W + "outlineLvl") not in (None, "9")
        lines = [line.strip() for line in text.split("\n")]
        self.blocks.append(TextBlock(join_lines(lines), self._prov(), "heading" if heading else "paragraph"))

    def table(self, tbl) -> None:
        prov = self._prov()
        cells: list[TableCell] = []
        nested: list = []
        above: dict[int, TableCell] = {}  # grid column -> the cell covering it in the row above
        rows = [tr for tr in _children(tbl) if tr.tag == W + "tr"]
        for r, tr in enumerate(rows):
            col = int(_val(tr.find(W + "trPr"), W + "gridBefore") or 0)
            current: dict[int, TableCell] = {}
            for tc in _children(tr):
                if tc.tag != W + "tc":
                    continue
                tcpr = tc.find(W + "tcPr")
                span = max(1, int(_val(tcpr, W + "gridSpan") or 1))
                vmerge = tcpr.find(W + "vMerge") if tcpr is not None else None
                anchor = above.get(col)
                if (
                    vmerge is not None
                    and vmerge.get(W + "val", "continue") == "continue"
                    and anchor
                    and anchor.col == col
                ):
                    # A continuation: the cell above grows instead of a repeat of its text.
                    anchor.row_span = r - anchor.row + 1
                    cell = anchor
                else:
                    cell = TableCell(self._cell_text(tc, nested), r, col, 1, span, prov)
                    cells.append(cell)
                for c in range(col, col + span):
                    current[c] = cell
                col += span
            above = current
        if cells:
            self.blocks.append(Table(cells, prov, explicit_cells=True))
        # Tables nested in cells follow their outer table, each as its own Table.
        for inner in nested:
            self.table(inner)

    def _cell_text(self, tc, nested: list) -> str:
        lines: list[str] = []
        for child in _children(tc):
            if child.tag == W + "p":
                lines.extend(line.strip() for line in paragraph_text(child).split("\n"))
            elif child.tag == W + "tbl":
                nested.append(child)
        return join_lines(lines)

    def _prov(self) -> Provenance:
        return Provenance(self.source, line=self.index)


def _heading_styles(doc) -> set[str]:
    """Style ids of the heading and title paragraph styles."""
    ids = set()
    # The styles' XML directly: python-docx's Style objects cost a tenth of a DOCX's time.
    # Its UI names differ from the stored ones only in case, which is compared away.
    for style in doc.styles.element.iterchildren(W + "style"):
        name = (_val(style, W + "name") or "").lower()
        if name.startswith("heading") or name == "title" or name.startswith("标题"):
            ids.add(style.get(W + "styleId"))
    return ids


def _hints(doc) -> dict[str, str]:
    props = doc.core_properties
    hints = {}
    if props.title and props.title.strip():
        hints["title"] = props.title.strip()
    date = props.modified or props.created
    if date:
        hints["publish_date"] = date.date().isoformat()
    return hints


class DocxFormat(InputFormat):
    name = "docx"
    extensions = (".docx",)
    priority = 0

    def sniff(self, path: Path, head: bytes) -> int | None:
        suffix = Path(path).suffix.lower()
        if head.startswith(b"PK") and suffix not in _OTHER_ZIPS and _is_word_zip(path):
            return self.CONTENT
        return super().sniff(path, head)

    def extract(self, path: Path) -> Document:
        import docx  # python-docx: imported here so a broken install only disables DOCX

        check_package(Path(path))
        try:
            doc = docx.Document(str(path))
            walker = _Walker(str(path), _heading_styles(doc))
            walker.body(doc.element.body)
            hints = _hints(doc)
            # Tables pasted as pictures: read by OCR when the document has no tables of its own.
            parts = doc.part.related_parts
            pictures = [
                Picture(at, line, parts[rid].blob, emu / _EMU_A_POINT if emu else None)
                for at, line, rid, emu in walker.pictures
                if rid in parts
            ]
        except ExtractionError:
            raise
        except Exception as exc:  # lxml syntax errors, missing parts, wrong content types
            reason = str(exc).splitlines()[0] if str(exc) else ""
            raise ExtractionError(f"malformed DOCX: {type(exc).__name__}: {reason}"[:300]) from exc
        walker.blocks = with_pictures(str(path), walker.blocks, pictures)
        if not walker.blocks:
            raise ExtractionError("DOCX has no text")
        # A metadata block printed in the document beats the core properties' date.
        fragments = [c.text for b in walker.blocks for c in ([b] if isinstance(b, TextBlock) else b.reading_order())]
        hints.update(metadata_hints(fragments))
        return Document(source=str(path), format=self.name, blocks=walker.blocks, hints=hints)


@hookimpl
def register_formats(register):
    register(DocxFormat())
