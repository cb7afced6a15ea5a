"""Ruled tables in a page image: the ruling lines, the table's outline, its cells and spans.

Lines are found by morphology (an opening with a long thin kernel keeps only strokes
longer than any character's). Each table's outline is warped to an upright rectangle,
which undoes a scanner's tilt and a camera's perspective at once (a bowed sheet's rows
are then straightened from the rulings' curves, bend.py); in that rectangle a
cell is a region the rulings enclose, and its row/col spans come from its edges against
the table's grid lines.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from gidr_etl.formats.ocr.bend import Bend, grid_holds, measure
from gidr_etl.formats.ocr.dotted import DOTTED_RULE, bilevel, bridged, joined_ends
from gidr_etl.formats.page_layout import grid_index, grid_lines

# Strokes at least this long (points) are rulings: longer than any character's stroke,
# shorter than the smallest cell.
MIN_RULE = 12.0
# A table is at least this wide and high (points), with rulings both ways.
_MIN_TABLE = (100.0, 24.0)
# A region smaller than this (points) either way is a gap in a ruling, not a cell.
_MIN_CELL = 6.0
# A cell fills at least this share of its bounding box (a cell is a rectangle, if bent a little).
_MIN_FILL = 0.5
# Pixels of margin kept around a warped table, so its outer rules lie inside the image.
_MARGIN = 8


@dataclass
class GridCell:
    row: int
    col: int
    row_span: int
    col_span: int
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in the warped table image


@dataclass
class RuledTable:
    image: np.ndarray  # the table warped upright (grey)
    to_page: np.ndarray  # 3×3 homography: warped table → page pixels
    outline: np.ndarray  # 4×2 corners on the page (px)
    cells: list[GridCell]
    rules: np.ndarray  # the warped image's ruling mask, to keep lines out of the text crops
    doubtful: bool = False  # the grid found is not the grid printed (bend.grid_holds): no cell is trusted
    bend: Bend | None = None  # the rows' bow straightened in `image` (bend.py)

    def from_page(self, quad: np.ndarray) -> np.ndarray:
        """Points on the page (N×2 px) in the warped table's pixels."""
        points = cv2.perspectiveTransform(quad[None].astype(np.float32), np.linalg.inv(self.to_page))[0]
        return points if self.bend is None else self.bend.to_straight(points)

    def page_box(self, box, scale: float) -> tuple[float, float, float, float]:
        """A box of the warped table as (x0, top, x1, bottom) in points on the page."""
        x0, y0, x1, y1 = box
        pts = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float32)
        if self.bend is not None:
            pts = self.bend.to_bent(pts)
        page = cv2.perspectiveTransform(pts[None], self.to_page)[0] / scale
        x0, top, x1, bottom = (round(float(v), 1) for v in (*page.min(axis=0), *page.max(axis=0)))
        return x0, top, x1, bottom


def binarise(grey: np.ndarray) -> np.ndarray:
    """Ink as 255 on 0, by a local threshold: uneven light and paper tint do not matter."""
    return cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 15)


def ruling_mask(ink: np.ndarray, scale: float, dotted: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(horizontal, vertical) rulings in a binary ink image; `dotted`: rulings broken into
    dots are joined first (ocr/dotted.py)."""
    n = max(int((DOTTED_RULE if dotted else MIN_RULE) * scale), 10)
    out = []
    for along in ((n, 1), (1, n)):
        lines = bridged(ink, scale, along) if dotted else ink
        out.append(cv2.morphologyEx(lines, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, along)))
    return out[0], out[1]


def page_tables(
    grey: np.ndarray, scale: float, rulings: tuple[np.ndarray, np.ndarray]
) -> tuple[list[RuledTable], tuple[np.ndarray, np.ndarray]]:
    """The ruled tables on a page and the (horizontal, vertical) rulings they were found by:
    `rulings` (the page's ruling_mask) as given, unless a 1-bit page shows no table by them.
    Such a page is looked at again for rulings broken into dots (a fax: ocr/dotted.py); the
    rulings then kept are those inside the tables found, as joining dots may also have
    joined some strokes of print outside them."""
    tables = find_tables(grey, scale, rulings)
    if tables or not bilevel(grey):
        return tables, rulings
    ink = binarise(grey)
    horizontal, vertical = ruling_mask(ink, scale, dotted=True)
    tables = find_tables(grey, scale, (horizontal, vertical), dotted=True)
    inside = np.zeros_like(ink)
    for table in tables:
        cv2.fillPoly(inside, [table.outline.astype(np.int32)], 255)
    return tables, (horizontal & inside, vertical & inside)


def _joined(horizontal: np.ndarray, vertical: np.ndarray, scale: float, dotted: bool) -> np.ndarray:
    """The rulings as one mask, thickened so that lines meeting at a corner touch."""
    rules = horizontal | vertical
    if dotted:
        rules = joined_ends(rules, scale)
    return cv2.dilate(rules, np.ones((3, 3), np.uint8))


def find_tables(
    grey: np.ndarray, scale: float, rulings: tuple[np.ndarray, np.ndarray] | None = None, dotted: bool = False
) -> list[RuledTable]:
    """The ruled tables on a page image (grey, ink dark), top to bottom; `rulings`: the
    page's ruling_mask, when the caller has it already (made with the same `dotted`)."""
    horizontal, vertical = rulings if rulings is not None else ruling_mask(binarise(grey), scale, dotted)
    rules = _joined(horizontal, vertical, scale, dotted)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(rules, connectivity=8)
    tables = []
    for i in range(1, n):
        x, y, w, h, _ = stats[i]
        if w < _MIN_TABLE[0] * scale or h < _MIN_TABLE[1] * scale:
            continue
        part = labels[y : y + h, x : x + w] == i
        if not (vertical[y : y + h, x : x + w][part].any() and horizontal[y : y + h, x : x + w][part].any()):
            continue
        ys, xs = np.nonzero(part)
        table = _warp(grey, np.stack([xs + x, ys + y], axis=1).astype(np.float32), scale, dotted)
        if table is not None:
            tables.append(table)
    return sorted(tables, key=lambda t: t.outline[:, 1].min())


def _warp(grey: np.ndarray, points: np.ndarray, scale: float, dotted: bool) -> RuledTable | None:
    s, d = points.sum(axis=1), points[:, 0] - points[:, 1]
    corners = np.array([points[s.argmin()], points[d.argmax()], points[s.argmax()], points[d.argmin()]])
    tl, tr, br, bl = corners
    w = int(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl)))
    h = int(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr)))
    m = _MARGIN
    run = max(int(MIN_RULE * scale), 10)
    for _ in range(2):
        target = np.array([[m, m], [m + w, m], [m + w, m + h], [m, m + h]], dtype=np.float32)
        to_table = cv2.getPerspectiveTransform(corners, target)
        image = cv2.warpPerspective(
            grey,
            to_table,
            (w + 2 * m, h + 2 * m),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=255,
        )
        ink = binarise(image)
        bend = measure(ink, run, scale)
        if bend is None or bend.reach() < m - _MARGIN // 2:
            break
        # A bowed edge runs outside the rectangle on the outline's corners: warped again
        # with room for it, so the rows along it are not cut off.
        m = _MARGIN + int(np.ceil(bend.reach()))
    if bend is not None:
        image = bend.straighten(image)
        ink = binarise(image)
    horizontal, vertical = ruling_mask(ink, scale, dotted)
    rules = _joined(horizontal, vertical, scale, dotted)
    # The outline drawn in: a border faded by the scan must not open the table to the outside.
    cv2.rectangle(rules, (m, m), (m + w, m + h), 255, 2)
    cells = grid_cells(rules, scale)
    if len(cells) < 2:
        return None
    return RuledTable(image, np.linalg.inv(to_table), corners, cells, rules, not grid_holds(cells, scale), bend)


def grid_cells(rules: np.ndarray, scale: float) -> list[GridCell]:
    """The cells the ruling mask of a warped table encloses, with their spans."""
    n, _, stats, _ = cv2.connectedComponentsWithStats(255 - rules, connectivity=4)
    H, W = rules.shape
    boxes = []
    for i in range(1, n):
        x, y, w, h, _ = stats[i]
        if x == 0 or y == 0 or x + w >= W or y + h >= H:
            continue  # outside the outline
        if w < _MIN_CELL * scale or h < _MIN_CELL * scale:
            continue
        if stats[i, cv2.CC_STAT_AREA] < _MIN_FILL * w * h:
            continue  # a ring or crescent between the drawn outline and a border not quite on it
        boxes.append((int(x), int(y), int(x + w), int(y + h)))
    if not boxes:
        return []
    # Grid lines in points, so the PDF reader's tolerance applies as printed.

    # A cell's edges lie a ruling's width inside the line: pad them back out to it.
    pad = 2
    ys = grid_lines([(b[1] - pad) / scale for b in boxes] + [(b[3] + pad) / scale for b in boxes])
    xs = grid_lines([(b[0] - pad) / scale for b in boxes] + [(b[2] + pad) / scale for b in boxes])
    cells = []
    for b in boxes:
        row, col = grid_index(ys, (b[1] - pad) / scale), grid_index(xs, (b[0] - pad) / scale)
        cells.append(
            GridCell(
                row,
                col,
                max(grid_index(ys, (b[3] + pad) / scale) - row, 1),
                max(grid_index(xs, (b[2] + pad) / scale) - col, 1),
                b,
            )
        )
    return sorted(cells, key=lambda c: (c.row, c.col))
