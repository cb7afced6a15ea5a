"""One page image read into the intermediate model: text lines in reading order and ruled tables.

Detection runs once a page, on the page with its rulings erased (so no line runs across
a cell border); a line inside a ruled table is carried into the table warped upright and
cut at any cell border it still crosses, so each recognised piece belongs to one cell.
The red of a seal is dropped before anything is read: the page's darkest channel keeps
black ink and leaves red nearly white.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from gidr_etl.formats.ocr.dotted import smoothed
from gidr_etl.formats.ocr.engine import SEPARATORS, SPECKS, engine
from gidr_etl.formats.ocr.ink import cells_under, flatten_marks, grid_under_marks, read_under_mark
from gidr_etl.formats.ocr.merged import Box, Read, by_column, items_by_row, several_numbers, unreadable_cells
from gidr_etl.formats.ocr.orient import upright
from gidr_etl.formats.ocr.photo import as_page
from gidr_etl.formats.ocr.rulings import GridCell, RuledTable, binarise, page_tables, ruling_mask
from gidr_etl.formats.page_layout import is_footer, join_pieces, squeeze
from gidr_etl.model import Block, Provenance, Table, TableCell, TextBlock
from gidr_etl.reading.tokens import PLACEHOLDERS

# Two text boxes on one line farther apart than this many line heights are a column gap.
_GAP_HEIGHTS = 1.5
# A piece of a detected line narrower than this share of its height is a sliver cut off
# at a cell border, not text.
_MIN_PIECE = 0.4
# A cell read less surely than this, or read as nothing, is read a second time.
_SECOND_READ_BELOW = 0.95
# A Han character: a cell read with two is words (_words), and no digit misread (_misread).
_HAN = re.compile(r"[\u4e00-\u9fff]")
# A cell read as a count: where a table's values lie (_without_ruled_off_columns).
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
# Print is at least this high (points): a digit of 6-point type is 4 points high, paper grain is less.
_MIN_INK = 3.0
# One page's page-wide work at a time in a process: a photo squared and its light evened,
# the page's grey copies, masks and component labels, and detection's buffers, are the most
# a page read holds at once. Other threads recognise their pages' lines and cells meanwhile,
# most of a page's time.
_PAGE_WIDE = threading.Lock()
# A mark beside print (a minus sign, a comma) is at least this long one way (points); a
# speck of paper grain is shorter both ways.
_MIN_MARK = 1.5


@dataclass
class PageRead:
    """What one page holds, top to bottom: TextBlocks and Tables; lines for the title."""

    items: list[tuple[float, Block]] = field(default_factory=list)  # (top in points, block)
    lines: list[dict] = field(default_factory=list)  # text, top, size (points), line, bbox, confidence


def read_page(rgb: np.ndarray, scale: float, file: str, page: int, sheet: bool = False) -> PageRead:
    """Read an RGB page image rendered at `scale` pixels a point. `sheet`: the image is a
    whole sheet (scanned or photographed), which photo.as_page may square and size."""
    with _PAGE_WIDE:
        if sheet:
            rgb, scale = as_page(rgb, scale)
        clean, marks, tables, quads = _layout(rgb, scale)
    in_tables: list[list[np.ndarray]] = [[] for _ in tables]
    rest = []
    for quad in quads:
        centre = tuple(float(v) for v in quad.mean(axis=0))
        k = next(
            (
                k
                for k, t in enumerate(tables)
                if cv2.pointPolygonTest(t.outline.reshape(-1, 1, 2).astype(np.float32), centre, False) >= 0
            ),
            None,
        )
        if k is None:
            rest.append(quad)
        else:
            in_tables[k].append(tables[k].from_page(quad))
    out = PageRead()
    for table, quads in zip(tables, in_tables):
        top = float(table.outline[:, 1].min()) / scale
        out.items.append((top, _read_table(table, quads, scale, file, page, cells_under(marks, table))))
    out.lines = _read_lines(clean, rest, scale, page)
    for line in out.lines:
        out.items.append(
            (
                line["top"],
                TextBlock(
                    line["text"],
                    Provenance(file, page, line["line"], line["bbox"]),
                    kind="line",
                    confidence=line["confidence"],
                ),
            )
        )
    out.items.sort(key=lambda item: item[0])
    return out


def _layout(rgb: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray, list[RuledTable], list]:
    """The page upright, grey, with its rulings erased; its marks; its ruled tables; the
    text lines detected on it."""
    # The brightest channel drops a red seal: red is bright in its red channel. (numpy's max
    # over a last axis of three takes 20 times as long as two maximums: 80 ms a page.)
    grey = np.maximum(np.maximum(rgb[..., 0], rgb[..., 1]), rgb[..., 2])
    grey, marks = flatten_marks(grey, scale)  # dark seals and stains (ocr/ink.py)
    rulings = ruling_mask(binarise(grey), scale)
    clean = _erased(grey, rulings)
    quads = engine().detect(_rgb(clean))
    (clean, grey, marks), rulings, quads = upright((clean, grey, marks), rulings, quads, engine().angles)
    tables, found = page_tables(grey, scale, rulings)
    tables = [grid_under_marks(t, marks, scale) for t in tables]
    if found is not rulings:  # a fax's dotted rulings (ocr/dotted.py): the text found again without them
        clean = _erased(grey, found)
        quads = engine().detect(_rgb(clean))
    return clean, marks, tables, quads


def _erased(grey: np.ndarray, rulings: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """The page with its rulings painted out, for the text detector."""
    clean = grey.copy()
    clean[(rulings[0] | rulings[1]) > 0] = 255
    return clean


def _rgb(grey: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(grey, cv2.COLOR_GRAY2RGB)


def _crop(image: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """A detected line's quadrilateral cut out upright; a tall one (vertical text) turned to read left to right."""
    w = int(max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[2] - quad[3])))
    h = int(max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2])))
    w, h = max(w, 1), max(h, 1)
    target = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    crop = cv2.warpPerspective(
        image,
        cv2.getPerspectiveTransform(quad.astype(np.float32), target),
        (w, h),
        borderMode=cv2.BORDER_REPLICATE,
        flags=cv2.INTER_CUBIC,
    )
    return np.rot90(crop) if h >= 1.5 * w else crop


def _read_table(
    table: RuledTable, quads: list[np.ndarray], scale: float, file: str, page: int, marked: set[int]
) -> Table:
    """The table's cells, from the text lines detected on it (in the warped table's pixels);
    `marked`: the cells a seal or stain lies over (ocr/ink.py), each read twice."""

    def at(box: Box) -> Provenance:
        """Where a box of the warped table stands on the page."""
        return Provenance(file, page, bbox=table.page_box(box, scale))

    image = table.image.copy()
    image[table.rules > 0] = 255  # the rulings out of the crops
    rgb = _rgb(smoothed(image, scale))
    pieces = []  # (cell index, y, x, crop)
    grid = np.array([cell.box for cell in table.cells], dtype=np.float32).reshape(-1, 4)  # x0, y0, x1, y1
    for quad in quads:
        # The line's piece in each cell: one wide and high enough to be print, not a sliver.
        low, high = np.maximum(grid[:, :2], quad.min(axis=0)), np.minimum(grid[:, 2:], quad.max(axis=0))
        height = np.minimum(np.ptp(quad[:, 1]), grid[:, 3] - grid[:, 1])
        wide = high[:, 0] - low[:, 0] >= _MIN_PIECE * height
        for hit in np.flatnonzero(wide & (high[:, 1] - low[:, 1] >= 0.5 * height)):
            (ix0, iy0), (ix1, iy1) = low[hit], high[hit]
            box = np.array([[ix0, iy0], [ix1, iy0], [ix1, iy1], [ix0, iy1]], dtype=np.float32)
            pieces.append((int(hit), iy0, ix0, _crop(rgb, box)))
    # Small print (a lone 7 in 8-point type) can escape detection at its resolution: a cell
    # with ink but no detected line has its ink read line by line.
    with_pieces = {p[0] for p in pieces}
    ink = binarise(image)
    for k, cell in enumerate(table.cells):
        if k not in with_pieces:
            pieces.extend((k, y0, x0, rgb[y0:y1, x0:x1]) for x0, y0, x1, y1 in _ink_lines(ink, cell.box, scale))
    read = engine().recognise([p[3] for p in pieces])
    texts: dict[int, list] = {}
    middles: dict[int, list[float]] = {}  # each line's middle height, for items_by_row
    for (k, y, _x, crop), result in sorted(zip(pieces, read), key=lambda pr: (pr[0][0], pr[0][1], pr[0][2])):
        texts.setdefault(k, []).append(result)
        middles.setdefault(k, []).append(float(y) + crop.shape[0] / 2)
    # A second read of doubtful cells, cut tight around their ink: a detected box with much
    # paper around a lone digit can read as nothing. The surer of the two reads is kept,
    # and reads that differ on a number leave it doubtful. A cell read as words (a label, a
    # heading: matched to the template's terms as printed or fuzzily) is not read again.
    for k, found_k in texts.items():
        sure = all(text.strip() for text, _, _ in found_k) and min(c for _, c, _ in found_k) >= _SECOND_READ_BELOW
        if (sure or _words(found_k)) and k not in marked:
            continue
        lines = _ink_lines(ink, table.cells[k].box, scale)
        again = engine().recognise([rgb[y0:y1, x0:x1] for x0, y0, x1, y1 in lines])
        texts[k] = _surer(found_k, again)
        if _texts(texts[k]) != _texts(found_k):
            middles[k] = [(y0 + y1) / 2 for _, y0, _, y1 in lines]  # the ink lines' read was kept
        if k in marked:
            texts[k] = read_under_mark(texts[k])
    bands = _row_bands(table)
    numeric, number_rows = _number_columns(table, texts), _number_rows(table, texts)
    cells = []
    for k, cell in enumerate(table.cells):
        found = texts.get(k, [])
        among_numbers = cell.col in numeric or (cell.row_span == 1 and cell.row in number_rows)
        marked_stroke = k in marked and cell.col in numeric and not _one_number(found)
        if cell.col_span == 1 and (marked_stroke or (among_numbers and _misread(found))):
            # A mark's stroke (a seal's character, a point of its star) read in a column of
            # numbers, or nothing read there; or a fax's broken digit read as a mark ("C", ")"):
            # the cell is unreadable, not a label ending its row.
            cells.append(TableCell("?", cell.row, cell.col, cell.row_span, 1, at(cell.box), 0.0))
            continue
        spanned = range(cell.col, cell.col + cell.col_span)
        if (
            cell.col_span > 1
            and cell.row_span == 1
            and k not in marked
            and all(c in numeric for c in spanned)
            and found
            and all(digits is not None for _, _, digits in found)  # read as numbers, not a heading
            and (by_col := _numbers_by_column(table, cell, ink, rgb, scale, at)) is not None
        ):
            cells.extend(by_col)
            continue
        rows = range(cell.row, cell.row + cell.row_span)
        heights = middles.get(k, [])
        # A grid bent out of true (bend.py) may pair a label with another row: no items split there.
        splittable = found and not table.doubtful and len(heights) == len(found)
        if splittable and (items := items_by_row(rows, list(zip(heights, found)), bands)):
            x0, _, x1, _ = cell.box
            for row, item in items:
                text, confidence = _cell_text(item)
                cells.append(
                    TableCell(
                        text, row, cell.col, 1, cell.col_span, at((x0, bands[row][0], x1, bands[row][1])), confidence
                    )
                )
            continue
        cells.extend(_as_read(table, found, cell.row, cell.col, cell.row_span, cell.col_span, at(cell.box)))
    return Table(_without_ruled_off_columns(cells), at((0, 0, *table.image.shape[::-1])), explicit_cells=True)


def _without_ruled_off_columns(cells: list[TableCell]) -> list[TableCell]:
    """The cells without the grid columns among the values (numbers printed left and right of
    them) that no cell of their own prints in, whose every other cell spans them with a
    neighbour: a fax's or a scanner's stray line that ruled one column in two in some rows
    (seed 001 faxed: 尚未审结 over two grid columns, its value in one, the other blank). Each
    such column's blank cells go, and the cells spanning it span one column less."""
    numbers = [cell.col for cell in cells if cell.col_span == 1 and _NUMBER.fullmatch(cell.text.strip())]
    if not numbers:
        return cells
    printed = {cell.col for cell in cells if cell.col_span == 1 and cell.text.strip()}
    spanned = {c for cell in cells if cell.col_span > 1 for c in range(cell.col, cell.col + cell.col_span)}
    ruled_off = sorted(c for c in spanned - printed if min(numbers) < c < max(numbers))
    if not ruled_off:
        return cells
    kept = []
    for cell in cells:
        own = range(cell.col, cell.col + cell.col_span)
        gone = sum(c in own for c in ruled_off)
        if gone == cell.col_span:
            continue  # a blank cell of a ruled-off column
        before = sum(c < cell.col for c in ruled_off)
        kept.append(replace(cell, col=cell.col - before, col_span=cell.col_span - gone))
    return kept


def _as_read(
    table: RuledTable, found: list[Read], row: int, col: int, row_span: int, col_span: int, prov: Provenance
) -> list[TableCell]:
    """A grid cell's recognised pieces as its cell, or as unreadable cells where it reads as
    several numbers (merged.unreadable_cells)."""
    text, confidence = _cell_text(found)
    if table.doubtful and confidence is not None:
        confidence = 0.0  # a grid bent out of true (bend.py): its rows may pair a label with another row's values
    cell = TableCell(text, row, col, row_span, col_span, prov, confidence)
    return unreadable_cells(cell) if several_numbers(text) else [cell]


def _numbers_by_column(
    table: RuledTable, cell: GridCell, ink: np.ndarray, rgb: np.ndarray, scale: float, at: Callable[[Box], Provenance]
) -> list[TableCell] | None:
    """A cell over several columns of numbers, with print of its own in more than one of
    them and none crossing a column's border (merged.by_column): values the scan's lost
    ruling ran together, each column's print read as that column's cell and a column
    without print unreadable. None otherwise: print in one column, or across a border, is
    a cell merged over the columns as printed (the 第二十条 blocks' columns differ), read as one."""
    spanned = range(cell.col, cell.col + cell.col_span)
    columns = [span for c in spanned if (span := _column_span(table, c)) is not None]
    parts = by_column(ink, cell.box, columns, _MIN_MARK * scale) if len(columns) == len(spanned) else None
    lines = [_ink_lines(ink, part, scale) for part in parts or []]
    if parts is None or sum(map(bool, lines)) < 2:
        return None
    out = []
    for col, part, found in zip(spanned, parts, lines):
        if found:
            read = engine().recognise([rgb[y0:y1, x0:x1] for x0, y0, x1, y1 in found])
            out.extend(_as_read(table, read, cell.row, col, 1, 1, at(part)))
        else:  # blank, or print the scan lost with the ruling: not shown
            out.append(TableCell("?", cell.row, col, 1, 1, at(part), 0.0))
    return out


def _column_span(table: RuledTable, col: int) -> tuple[int, int] | None:
    """Where grid column `col` stands (x0, x1 in the warped table), as its one-column cells do."""
    boxes = [c.box for c in table.cells if c.col == col and c.col_span == 1]
    if not boxes:
        return None
    return int(np.median([b[0] for b in boxes])), int(np.median([b[2] for b in boxes]))


def _words(found: list[Read]) -> bool:
    """Whether each piece of a cell reads as words: two Han characters or more and no number
    (a misread number reads as a character or two: 口 for 0)."""
    return bool(found) and all(digits is None and len(_HAN.findall(text)) >= 2 for text, _, digits in found)


def _one_number(found: list[Read]) -> bool:
    return len(found) == 1 and found[0][2] is not None


def _number_columns(table: RuledTable, texts: dict[int, list[Read]]) -> set[int]:
    """The grid columns most of whose read cells one column wide read as one number each."""
    return _numbers_in(table, texts, lambda cell: (cell.col, cell.col_span))


def _number_rows(table: RuledTable, texts: dict[int, list[Read]]) -> set[int]:
    """The grid rows most of whose read cells one row high read as one number each."""
    return _numbers_in(table, texts, lambda cell: (cell.row, cell.row_span))


def _numbers_in(
    table: RuledTable, texts: dict[int, list[Read]], line: Callable[[GridCell], tuple[int, int]]
) -> set[int]:
    """The grid lines (`line`: a cell's first line and its span across them) most of whose read
    cells one line wide read as one number each."""
    numbers: dict[int, list[bool]] = {}
    for k, cell in enumerate(table.cells):
        index, span = line(cell)
        if span == 1 and texts.get(k):
            numbers.setdefault(index, []).append(_one_number(texts[k]))
    return {index for index, ones in numbers.items() if sum(ones) > len(ones) / 2}


def _misread(found: list[Read]) -> bool:
    """Whether a cell's one piece reads as a mark or two that is no digit, no Han character, no
    placeholder a report prints for a blank ("—", "/") and not only specks or separators (dust
    in a blank cell): in a column or row of numbers, what a fax's broken digit reads as ("C"
    for 0, ")", "}")."""
    if len(found) != 1 or found[0][2] is not None:
        return False
    text = found[0][0].strip()
    if not 0 < len(text) <= 2 or text in PLACEHOLDERS or all(ch in SEPARATORS + SPECKS for ch in text):
        return False
    return not any(ch.isdigit() or _HAN.match(ch) for ch in text)


def _row_bands(table: RuledTable) -> dict[int, tuple[int, int]]:
    """Each grid row's heights (top, bottom) in the warped table, from its one-row cells."""
    bands: dict[int, tuple[int, int]] = {}
    for cell in table.cells:
        if cell.row_span == 1:
            top, bottom = bands.get(cell.row, (cell.box[1], cell.box[3]))
            bands[cell.row] = (min(top, cell.box[1]), max(bottom, cell.box[3]))
    return bands


def _ink_lines(ink: np.ndarray, box: tuple[int, int, int, int], scale: float) -> list[tuple[int, int, int, int]]:
    """The lines of print in a cell of a binary ink image, as boxes (x0, y0, x1, y1) with a
    little margin, each across every mark in its rows; specks of paper grain (shorter than
    _MIN_INK points) are not print."""
    x0, y0, x1, y1 = box
    m = 3  # keep clear of the ruling's edge
    part = ink[y0 + m : y1 - m, x0 + m : x1 - m]
    if part.size == 0:
        return []
    n, labels, stats, _ = cv2.connectedComponentsWithStats(part, connectivity=8)
    keep = [i for i in range(1, n) if stats[i, cv2.CC_STAT_HEIGHT] >= _MIN_INK * scale]
    if not keep:
        return []
    # A line's rows are found by its print, but its crop spans every mark in those rows: a
    # minus sign is too short to count as print, and a crop without it reads −1 as 1.
    marks = [
        i for i in range(1, n) if max(stats[i, cv2.CC_STAT_WIDTH], stats[i, cv2.CC_STAT_HEIGHT]) >= _MIN_MARK * scale
    ]
    rows = np.isin(labels, keep).any(axis=1)
    assert isinstance(rows, np.ndarray)  # numpy's stubs allow a scalar from any reduction over an axis
    lines: list[tuple[int, int, int, int]] = []
    start = None
    for y, on in enumerate([*rows, False]):
        if on and start is None:
            start = y
        elif not on and start is not None:
            band = np.isin(labels[start:y], marks)
            cols = np.nonzero(band.any(axis=0))[0]
            pad = max(2, (y - start) // 4)
            lines.append(
                (
                    max(x0 + m + int(cols[0]) - pad, 0),
                    max(y0 + m + start - pad, 0),
                    x0 + m + int(cols[-1]) + 1 + pad,
                    y0 + m + y + pad,
                )
            )
            start = None
    return lines


def _texts(read: list[Read]) -> list[str]:
    return [text for text, _, _ in read]


def _surer(first: list[tuple[str, float, str | None]], again: list[tuple[str, float, str | None]]) -> list:
    """Of a cell's two reads, the surer one (a read of nothing never wins). Two reads that
    differ on a number (its sign or a digit) cannot both be right: the one kept is as sure
    as the surer read is wrong, at most 0.5, so reading/ocr_check.py takes it only where
    the table's sums confirm it, and otherwise makes the cell NULL and unreadable."""
    if not again or not all(t.strip() for t, _, _ in again):
        return first
    low, high = min(c for _, c, _ in first), min(c for _, c, _ in again)
    kept = again if high > low else first
    # A number's sign, digits and decimal point, apart from thousands separators and any
    # stray mark read beside it.
    first_n, again_n = (re.sub(r"[^\d.-]", "", _cell_text(read)[0]) for read in (first, again))
    if first_n != again_n and any(t.strip() for t, _, _ in first):
        doubt = 1.0 - max(low, high)
        return [(t, min(c, doubt), d) for t, c, d in kept]
    return kept


def _cell_text(found: list[tuple[str, float, str | None]]) -> tuple[str, float | None]:
    """A cell's recognised pieces as one text and the confidence of its least certain one.

    A cell read as one number keeps its digits with look-alikes folded (O → 0)."""
    if not found:
        return "", None
    if not any(text.strip() for text, _, _ in found):
        return "?", 0.0  # ink the recogniser reads as nothing: unreadable, not blank
    if len(found) == 1 and found[0][2] is not None:
        return found[0][2], round(found[0][1], 4)
    text = ""
    for piece, _, _ in found:
        text = join_pieces(text, squeeze(piece))
    return text, round(min(conf for _, conf, _ in found), 4)


def _read_lines(grey: np.ndarray, quads: list[np.ndarray], scale: float, page: int) -> list[dict]:
    """The page's text outside the tables (the lines detected there) as lines, top to bottom; page footers dropped."""
    rgb = _rgb(smoothed(grey, scale))
    read = engine().recognise([_crop(rgb, q) for q in quads])
    boxes = []
    for quad, (text, conf, _) in zip(quads, read):
        if text.strip():
            x0, y0 = quad.min(axis=0)
            x1, y1 = quad.max(axis=0)
            boxes.append((float(x0), float(y0), float(x1), float(y1), text.strip(), conf))
    rows: list[list[tuple]] = []
    for box in sorted(boxes, key=lambda b: (b[1] + b[3]) / 2):
        mid = (box[1] + box[3]) / 2
        row = rows[-1] if rows else None
        if row and min(b[1] for b in row) <= mid <= max(b[3] for b in row):
            row.append(box)
        else:
            rows.append([box])
    height = grey.shape[0] / scale
    lines: list[dict] = []
    for row in rows:
        row.sort(key=lambda b: b[0])
        size = float(np.median([b[3] - b[1] for b in row])) / scale
        text, right = "", None
        for b in row:
            piece = squeeze(b[4])
            if right is not None and (b[0] - right) / scale > _GAP_HEIGHTS * size:
                text = f"{text}   {piece}"  # a column gap, as pdftotext -layout prints it
            else:
                text = join_pieces(text, piece)
            right = b[2]
        top, bottom = min(b[1] for b in row) / scale, max(b[3] for b in row) / scale
        if not text or is_footer(text, top, bottom, height):
            continue
        bbox = tuple(round(v, 1) for v in (min(b[0] for b in row) / scale, top, max(b[2] for b in row) / scale, bottom))
        confidence = min(b[5] for b in row)
        lines.append(
            {"text": text, "top": top, "size": size, "line": len(lines) + 1, "bbox": bbox, "confidence": confidence}
        )
    return lines
