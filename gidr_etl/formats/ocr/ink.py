"""Marks over the print: dark seals and coffee stains, divided out of the page before it is read.

A red seal is dropped by reading the page's brightest channel (page.py). A seal that a
grey photocopy or a fax made dark, or one in dark-blue ink, is not, and neither is a
coffee ring: each lays a broad stroke of one tint over the print. Their broad strokes are
found as the page's background: a closing with a square wider than any stroke of print
keeps only them. Where they are, the page is divided by that background (print under a
translucent mark is darker than the mark, and comes out dark on white), and what is then
paler than print is paper. Where a mark is too dark to see print through, the print under
it is lost; the mask of all marks goes to page.py, which doubts what it reads under them.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import cv2
import numpy as np

from gidr_etl.formats.ocr.bend import grid_holds
from gidr_etl.formats.ocr.rulings import MIN_RULE, binarise, grid_cells, ruling_mask

if TYPE_CHECKING:
    from gidr_etl.formats.ocr.rulings import RuledTable

# Strokes of print are thinner than this (points): a seal's ring and star are broader.
_STROKE = 3.0
# A background this much darker than the paper (grey levels) is a mark, not paper grain.
_TINT = 18
# A mark is at least this big (points) both ways: a seal is 3–4 cm across, a cup's ring
# too; a shaded header row is lower than this.
_MARK = 36.0
# A mark is round: at most this much longer one way than the other. A shaded band of
# table cells (a header row filled by Word) is longer.
_ROUND = 2.0
# After the division, what is paler than this is paper: print, even blurred, is darker.
_PALE = 185
# Print under a mark is darker than the mark's ink by more than this (grey levels): grain
# and JPEG noise are less.
_MARGIN = 16
# A mark darker than this hides the print under it: there is nothing to divide out.
_OPAQUE = 60


def flatten_marks(grey: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """(the page with its marks divided out, the mask of the marks (255 where one is))."""
    k = int(_STROKE * scale) | 1
    background = cv2.morphologyEx(grey, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    paper = float(np.percentile(background[::4, ::4], 90))
    dark = ((background < paper - _TINT) * 255).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    out, marks = grey, np.zeros_like(grey)
    for i in range(1, n):
        x, y, w, h, _ = stats[i]
        if min(w, h) < _MARK * scale or max(w, h) > _ROUND * min(w, h):
            continue
        broad = labels[y : y + h, x : x + w] == i
        # The mark's thin parts (a seal's lettering and star, a ring's dried rim) lie within its outline.
        hull = cv2.convexHull((np.argwhere(broad)[:, ::-1] + np.array([x, y])).astype(np.int32))
        mask = np.zeros_like(grey)
        cv2.fillPoly(mask, [hull], 255)
        mask = cv2.dilate(mask, np.ones((k, k), np.uint8))
        level = float(np.median(grey[y : y + h, x : x + w][broad]))
        if level < _OPAQUE:
            marks |= mask  # nothing shows through it
            continue
        inside = mask > 0
        g = grey[inside].astype(np.float32)
        divided = g * paper / np.maximum(background[inside], 1)
        # On the broad strokes, what is as pale as the mark's ink is the mark: the closing
        # leaves the background a little paler than the ink it follows.
        strokes = np.zeros_like(grey)
        strokes[y : y + h, x : x + w][broad] = 255
        strokes = cv2.dilate(strokes, np.ones((5, 5), np.uint8))
        on_stroke = strokes[inside] > 0
        divided[(on_stroke & (g >= level - _MARGIN)) | (divided > _PALE)] = 255
        if out is grey:
            out = grey.copy()
        out[inside] = np.clip(divided, 0, 255).astype(np.uint8)
        # The box around the mark, with room to see which rulings run out of it.
        bx, by, bw, bh = cv2.boundingRect(mask)
        box = (slice(max(by - 2 * k, 0), by + bh + 2 * k), slice(max(bx - 2 * k, 0), bx + bw + 2 * k))
        lines = _rulings_through(grey, box, inside[box], strokes[box], scale)
        # A seal's lettering and star points: marks inside it no darker anywhere than its
        # ink. Print is darker than the seal's ink at its core, alone or under the seal.
        n_ink, ink_labels = cv2.connectedComponents(binarise(out[box]) & ~lines, connectivity=8)
        darkest = np.full(n_ink, 255.0)
        np.minimum.at(darkest, ink_labels.ravel(), cv2.GaussianBlur(grey[box], (3, 3), 0).ravel().astype(np.float64))
        faint = (darkest >= level - _MARGIN)[ink_labels] & (ink_labels > 0) & inside[box]
        out[box][faint] = 255
        # The rulings under the mark stay: thin and grey under a seal, they would go with
        # its ink, and the cells they part would run together.
        out[box][lines > 0] = np.minimum(grey[box][lines > 0], level)
        marks |= mask
    return out, marks


def _rulings_through(
    grey: np.ndarray, box: tuple[slice, slice], inside: np.ndarray, strokes: np.ndarray, scale: float
) -> np.ndarray:
    """The table rulings in a mark's box (255): its thin rulings, and their long straight
    runs drawn on over the gaps the mark's broad strokes leave in them (a ring crossed at a
    slant hides a long stretch). A seal's ring and star are broad, or short."""
    horizontal, vertical = ruling_mask(binarise(grey[box]), scale)
    thin = (horizontal | vertical) & ~strokes
    side = min(thin.shape)
    found = cv2.HoughLinesP(
        thin, 1, np.pi / 720, threshold=side // 8, minLineLength=side // 4, maxLineGap=int(4 * _STROKE * scale)
    )
    lines = np.zeros_like(thin)
    for x0, y0, x1, y1 in [] if found is None else found.reshape(-1, 4).tolist():
        dx, dy = abs(x1 - x0), abs(y1 - y0)
        if min(dx, dy) <= 0.1 * max(dx, dy):  # across or down, as rulings run
            cv2.line(lines, (x0, y0), (x1, y1), 255, 2)
    return thin | (lines & cv2.dilate(horizontal | vertical | strokes, np.ones((3, 3), np.uint8)))


def _on_table(marks: np.ndarray, table: RuledTable) -> np.ndarray:
    """The marks mask in the warped (and straightened) table's pixels."""
    h, w = table.image.shape
    warped = cv2.warpPerspective(marks, np.linalg.inv(table.to_page), (w, h), flags=cv2.INTER_NEAREST)
    if table.bend is not None:
        warped = table.bend.straighten(warped)  # the cells' boxes are in the straightened table
    return warped


def cells_under(marks: np.ndarray, table: RuledTable) -> set[int]:
    """The indices of the table's cells that a mark lies over."""
    if not marks.any():
        return set()
    warped = _on_table(marks, table)
    return {k for k, c in enumerate(table.cells) if warped[c.box[1] : c.box[3], c.box[0] : c.box[2]].any()}


def grid_under_marks(table: RuledTable, marks: np.ndarray, scale: float) -> RuledTable:
    """The table with its rulings under a mark mended. A Word or WPS table's rulings run
    straight across the table, so one seen on both sides of a seal or a ring runs on under
    it; what passes for a ruling under a mark is kept only where both its ends meet a
    ruling across it or run on out of the mark, as a table's do (a seal's star and
    lettering leave strokes that end in the open). Without this, cells run together or
    split under the mark."""
    if not marks.any():
        return table
    inside: np.ndarray = (_on_table(marks, table) > 0).astype(np.uint8) * 255
    if not inside.any():
        return table
    rules = table.rules
    h, w = rules.shape
    n = max(int(MIN_RULE * scale), 10)
    lines: list[np.ndarray] = []
    drawn: list[np.ndarray] = []
    for along, reach in (((n, 1), (w, 1)), ((1, n), (1, h))):  # horizontal, then vertical
        found = cv2.morphologyEx(rules, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, along))
        lines.append(found)
        # Two runs of one ruling either side of the mark join: closing along the line.
        outside = found & ~inside
        drawn.append(cv2.morphologyEx(outside, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, reach)))
    mended = rules | ((drawn[0] | drawn[1]) & inside)
    keep = cv2.dilate(drawn[0] | drawn[1], np.ones((5, 5), np.uint8)) > 0
    near = np.ones((7, 7), np.uint8)
    across: list[np.ndarray] = [cv2.dilate(lines[k] | drawn[k], near) for k in (0, 1)]
    for k, vertical in ((0, False), (1, True)):
        # An end is met by a ruling across it, or by its own line running on out of the mark.
        met = across[1 - k] | cv2.dilate(lines[k] & ~inside, near)
        n_parts, labels, stats, _ = cv2.connectedComponentsWithStats(lines[k] & inside, connectivity=8)
        for i in range(1, n_parts):
            x, y, bw, bh, _ = stats[i]
            ends = ((x, y, bw, 1), (x, y + bh - 1, bw, 1)) if vertical else ((x, y, 1, bh), (x + bw - 1, y, 1, bh))
            if not all(met[ey : ey + eh, ex : ex + ew].any() for ex, ey, ew, eh in ends):
                box = (slice(y, y + bh), slice(x, x + bw))
                mended[box][(labels[box] == i) & ~keep[box]] = 0  # a stroke of the mark, ending in the open
    x, y, bw, bh = cv2.boundingRect(rules)  # the outline _warp drew
    cv2.rectangle(mended, (x, y), (x + bw - 1, y + bh - 1), 255, 2)
    cells = grid_cells(mended, scale)
    if len(cells) < 2:
        return table
    return replace(table, cells=cells, rules=mended, doubtful=not grid_holds(cells, scale))


def read_under_mark(read: list[tuple[str, float, str | None]]) -> list[tuple[str, float, str | None]]:
    """A cell's read (after its second read, page.py) where a mark lies over it: it stands
    only as one number read alone. Anything else read there (a seal's letter beside a
    digit, a stroke of its star) may have changed the number: no confidence."""
    if len(read) == 1 and read[0][2] is not None:
        return read
    return [(text, 0.0, digits) for text, _, digits in read]
