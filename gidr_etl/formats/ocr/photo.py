"""Photographed pages: the sheet found on its background and its perspective undone, the
light flattened, and the page's scale taken from its pixels rather than the file's dpi tag.

A phone tags its JPEGs 72 dpi whatever the distance to the paper, so a 4000×3000 photo
of an A4 page would pass for a sheet 1.4 m long, and every size the reader derives from
the scale (a ruling's least length, a character's least height, a cell's) would be off by
four. The reports are printed on A4: where a photo shows the sheet on a darker desk, its
outline is warped onto an A4 rectangle at the resolution the photo holds; where the image
is the page (a scanner's), the tag is trusted only when it gives a paper size.
"""

from __future__ import annotations

import cv2
import numpy as np

# A4 in points: the paper the reports are printed on.
_A4 = (595.0, 842.0)
A4_LONG_SIDE = _A4[1]
# An outline whose sides are within this share of A4's proportion is taken as A4 (a camera's
# keystone foreshortens one side by a few percent); any other is kept in its own proportion.
_A4_SLACK = 0.15
# A page is read at no more than this resolution (pixels a point; 200 dpi, as scan.DPI renders PDFs).
_MAX_SCALE = 200 / 72
# The outline is looked for on the photo shrunk to this long side: the sheet's edge is large.
_FIND_SIDE = 640
# The sheet covers at least this share of a photo; a bright region covering more is the
# whole image (a scan), not a sheet on a background.
_SHEET_SHARE = (0.2, 0.95)
# The sheet's edge: the logarithm of brightness steps by more than this a pixel (of the
# shrunk photo; white paper on a mid-grey desk steps by about 0.3).
_EDGE_STEP = 0.1
# The sheet is at least this much brighter than what lies around it.
_SHEET_CONTRAST = 1.2
# The page is cut this many points inside its outline (a report's margins are 20 mm and more).
_INSET = 6.0
# No paper is longer than this (points; A3 is 1191): an image whose dpi tag makes it longer is
# tagged wrong, as phones tag their photos 72 dpi.
PAPER_LONG_SIDE = 1300.0
# The light is flattened when the paper's darkest part is under this share of its brightest.
_UNEVEN = 0.85
# The paper's brightness is estimated with a closing this many points wide: wider than any
# stroke or character, narrower than the light's changes.
_BACKGROUND_PT = 12.0
# Rows of the page flattened at a time.
_BAND = 256


def as_page(rgb: np.ndarray, scale: float) -> tuple[np.ndarray, float]:
    """The page as the reader wants it, and its scale (pixels a point): a photographed
    sheet cut out and squared, the light made even. A scan with a believable dpi tag and
    even light is returned as it is."""
    quad = _outline(rgb)
    if quad is not None:
        rgb, scale = _squared(rgb, quad)
    elif max(rgb.shape[:2]) / scale > PAPER_LONG_SIDE:
        # The tag makes the image larger than any paper (a phone photo filling its frame with
        # the page, tagged 72 dpi): the image is the page, taken as A4, read at no more than
        # _MAX_SCALE. An image smaller than paper may be a crop of one, so its tag stands.
        scale = max(rgb.shape[:2]) / _A4[1]
        if scale > _MAX_SCALE:
            shrink = _MAX_SCALE / scale
            rgb = cv2.resize(rgb, None, fx=shrink, fy=shrink, interpolation=cv2.INTER_AREA)
            scale = _MAX_SCALE
    return _flattened(rgb, scale), scale


def _outline(rgb: np.ndarray) -> np.ndarray | None:
    """The sheet's four corners (clockwise from top-left, image pixels) when the image shows
    a sheet on a darker background; None when the image is the page itself.

    The sheet's edge is found where the brightness's logarithm steps: a shadow or a lamp
    multiplies the light on both sides of the edge alike, so the step stands out as
    sharply in a shadowed corner as in the light (a global threshold cuts the shadowed
    corner off the sheet)."""
    shrink = _FIND_SIDE / max(rgb.shape[:2])
    if shrink >= 1.0:
        return None  # too small to be a photo of a page
    small = cv2.resize(rgb, None, fx=shrink, fy=shrink, interpolation=cv2.INTER_AREA)
    grey = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY).astype(np.float32), (5, 5), 0)
    log = np.log(grey + 8.0)
    # Sobel's 3×3 kernel weighs a step across a pixel 8 times over.
    step = cv2.magnitude(cv2.Sobel(log, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(log, cv2.CV_32F, 0, 1, ksize=3)) / 8
    edges = cv2.dilate((step > _EDGE_STEP).astype(np.uint8), np.ones((3, 3), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(edges, connectivity=8)
    if n < 2:
        return None
    ring = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_WIDTH] * stats[1:, cv2.CC_STAT_HEIGHT]))
    ys, xs = np.nonzero(labels == ring)
    hull = cv2.convexHull(np.stack([xs, ys], axis=1).astype(np.float32)).reshape(-1, 2)
    area = cv2.contourArea(hull)
    if not _SHEET_SHARE[0] * grey.size <= area <= _SHEET_SHARE[1] * grey.size:
        return None
    s, d = hull.sum(axis=1), hull[:, 0] - hull[:, 1]
    quad = np.array([hull[s.argmin()], hull[d.argmax()], hull[s.argmax()], hull[d.argmin()]], dtype=np.float32)
    # A sheet is a quadrilateral: an edge much unlike one (a lamp, a window) is not.
    if cv2.contourArea(quad) < 0.9 * area:
        return None
    # And brighter than what lies around it: a table's ruled frame on a scanned page has paper both sides.
    inside = np.zeros(grey.shape, np.uint8)
    cv2.fillConvexPoly(inside, quad.astype(np.int32), 1)
    band = np.ones((15, 15), np.uint8)
    within = (inside - cv2.erode(inside, band)) > 0
    around = (cv2.dilate(inside, band) - inside) > 0
    if not around.any() or np.median(grey[within]) < _SHEET_CONTRAST * np.median(grey[around]):
        return None
    return quad / shrink


def _squared(rgb: np.ndarray, quad: np.ndarray) -> tuple[np.ndarray, float]:
    """The sheet inside `quad` warped onto an upright rectangle (A4's proportion when the
    outline is near it), at the resolution the photo gives the sheet (at most _MAX_SCALE)."""
    tl, tr, br, bl = quad
    width = float(np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / 2
    height = float(np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2
    short, long = _A4
    paper = (short, long) if height >= width else (long, short)  # in points: (width, height)
    if abs((width / height) / (paper[0] / paper[1]) - 1) > _A4_SLACK:
        paper = (paper[0], paper[0] * height / width)  # not A4: its own proportion, A4's width
    scale = min(_MAX_SCALE, max(width / paper[0], height / paper[1]))
    w, h = int(round(paper[0] * scale)), int(round(paper[1] * scale))
    # The outline runs along the outside of the sheet's edge (found on the shrunk photo):
    # the page is cut a little inside it, so no strip of the desk is left to pass for a ruling.
    m = _INSET * scale
    target = np.array([[-m, -m], [w + m, -m], [w + m, h + m], [-m, h + m]], dtype=np.float32)
    page = cv2.warpPerspective(
        rgb, cv2.getPerspectiveTransform(quad, target), (w, h), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE
    )
    return page, scale


def _flattened(rgb: np.ndarray, scale: float) -> np.ndarray:
    """The page with the paper's brightness made even: each channel divided by the paper's
    own brightness around it (the page with its print closed over), when that varies."""
    shrink = 0.25
    small = cv2.resize(rgb, None, fx=shrink, fy=shrink, interpolation=cv2.INTER_AREA)
    k = max(3, int(_BACKGROUND_PT * scale * shrink) | 1)
    background = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    background = cv2.GaussianBlur(background, (0, 0), k)
    light = background.max(axis=2)
    low, high = np.percentile(light, (5, 95))
    if low >= _UNEVEN * high:
        return rgb
    background = cv2.resize(background, (rgb.shape[1], rgb.shape[0]), interpolation=cv2.INTER_LINEAR)
    # Band by band: the page as floats at once, with its divisor, was 100 MB more at the peak.
    flat = np.empty_like(rgb)
    for top in range(0, rgb.shape[0], _BAND):
        rows = slice(top, top + _BAND)
        gain = 245.0 / np.maximum(background[rows].astype(np.float32), 1.0)
        flat[rows] = np.clip(rgb[rows].astype(np.float32) * gain, 0, 255).astype(np.uint8)
    return flat
