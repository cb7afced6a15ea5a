"""Bowed pages: a photographed sheet lifting from the desk, or a bound report's page
curving to its spine, bends a table's rulings. Past a bow of about 1% of the page the
cells of one printed row fall on different rows of the grid found, so a label would be
paired with the next row's values. The rows are straightened from the long rulings'
curves (measure, Bend), and the grid found is then checked (grid_holds).

Two cells side by side that share most of their height are on one printed row, so their
rows must overlap in the grid (and two cells one above the other that share most of their
width, their columns). A grid that breaks this is not trusted: its cells are read as
doubtful (reading/ocr_check.py then keeps none of their values that the sums do not
confirm), never paired on a guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np

if TYPE_CHECKING:
    from gidr_etl.formats.ocr.rulings import GridCell

# Two cells are neighbours across one ruling when their facing edges are at most this far
# apart (points): the ruling's width and its dilation.
_ACROSS_RULING = 3.0
# Neighbours sharing more than this share of the smaller one's extent are on one printed
# row (or column).
_SHARED = 0.5


def grid_holds(cells: list[GridCell], scale: float) -> bool:
    """Whether every two neighbouring cells on one printed row (column) share a grid row (column)."""
    gap = _ACROSS_RULING * scale
    for a in cells:
        ax0, ay0, ax1, ay1 = a.box
        for b in cells:
            bx0, by0, bx1, by1 = b.box
            side_by_side = 0 <= bx0 - ax1 <= gap and _share(ay0, ay1, by0, by1)
            if side_by_side and not (a.row < b.row + b.row_span and b.row < a.row + a.row_span):
                return False
            stacked = 0 <= by0 - ay1 <= gap and _share(ax0, ax1, bx0, bx1)
            if stacked and not (a.col < b.col + b.col_span and b.col < a.col + a.col_span):
                return False
    return True


def _share(a0: float, a1: float, b0: float, b1: float) -> bool:
    return min(a1, b1) - max(a0, b0) > _SHARED * min(a1 - a0, b1 - b0)


# A bow whose rulings stray less than this (points) from straight is left as it is: the
# grid survives it (1% of a page's height, 8 points, read every cell of the test photos).
_BOW_TOLERANCE = 2.0
# A bent ruling drifts this many pixels up or down along the opening's kernel at most:
# the ink is thickened so much before the long thin opening that finds the rulings.
_DRIFT = 5
# A ruling taken to measure the bow spans at least this share of the table's width.
_SPAN = 0.7


@dataclass
class Bend:
    """How a warped table's rows bow: each long horizontal ruling's height, column by
    column, and the straight height it is brought to (where it meets the table's sides,
    which the warp put on the outline's corners); rows between two rulings move as
    their rulings do, in proportion."""

    straight: np.ndarray  # (k,) heights of the rulings made straight, with the image's top and bottom
    bent: np.ndarray  # (k, width) their heights in each column as found

    def reach(self) -> float:
        """How far (pixels) the rulings stray from straight at most."""
        return float(np.abs(self.bent - self.straight[:, None]).max())

    def straighten(self, image: np.ndarray) -> np.ndarray:
        height, width = image.shape[:2]
        rows = np.arange(height, dtype=np.float32)
        map_y = np.empty((height, width), np.float32)
        for x in range(width):
            map_y[:, x] = np.interp(rows, self.straight, self.bent[:, x])
        map_x = np.broadcast_to(np.arange(width, dtype=np.float32), (height, width)).copy()
        return cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)

    def to_straight(self, points: np.ndarray) -> np.ndarray:
        return self._move(points, self.bent, self.straight)

    def to_bent(self, points: np.ndarray) -> np.ndarray:
        return self._move(points, self.straight, self.bent)

    def _move(self, points: np.ndarray, source, target) -> np.ndarray:
        out = points.astype(np.float32).copy()
        for p in out:
            x = int(np.clip(round(float(p[0])), 0, self.bent.shape[1] - 1))
            src = source[:, x] if source.ndim == 2 else source
            dst = target[:, x] if target.ndim == 2 else target
            p[1] = np.interp(p[1], src, dst)
        return out


def measure(ink: np.ndarray, run: int, scale: float) -> Bend | None:
    """The bow of a warped table's rows from its long horizontal rulings (ink: the binary
    image; run: the rulings' least length in pixels); None when they are straight enough
    or cannot be followed (crossing, fewer than two)."""
    height, width = ink.shape
    thick = cv2.dilate(ink, np.ones((_DRIFT, 1), np.uint8))
    lines = cv2.morphologyEx(thick, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (run, 1)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
    columns = np.arange(width)
    found = []
    for i in range(1, n):
        x, y, w, h, _ = stats[i]
        if w < _SPAN * width:
            continue
        ys, xs = np.nonzero(labels[y : y + h, x : x + w] == i)
        count = np.bincount(xs, minlength=w)
        centre = np.bincount(xs, weights=ys, minlength=w) / np.maximum(count, 1) + y
        on = count > 0
        curve = np.polyval(np.polyfit(columns[x : x + w][on], centre[on], 2), columns)
        ends = (curve[x] + curve[x + w - 1]) / 2
        found.append((ends, float(np.abs(curve[x : x + w] - ends).max()), curve))
    if len(found) < 2 or max(bow for _, bow, _ in found) < _BOW_TOLERANCE * scale:
        return None
    found.sort(key=lambda f: f[0])
    straight = np.array([f[0] for f in found], np.float32)
    bent = np.array([f[2] for f in found], np.float32)
    if np.any(np.diff(straight) <= 0) or np.any(np.diff(bent, axis=0) <= 0):
        return None  # rulings that cross are not rows of one table
    # The image's top and bottom move with the nearest ruling.
    top, bottom = bent[0] - straight[0], bent[-1] - straight[-1]
    straight = np.concatenate([[0.0], straight, [height - 1.0]]).astype(np.float32)
    bent = np.vstack([top[None], bent, (height - 1.0 + bottom)[None]]).astype(np.float32)
    if np.any(np.diff(bent, axis=0) <= 0):
        return None
    return Bend(straight, bent)
