"""Which way up a page is: a scanner's feeder takes sheets sideways or upside down, and a
duplex scan of a report printed on both sides has every other page upside down.

Decided from the page's own detected text lines, so it costs no second detection: text
lines run along the page's reading direction, so boxes much longer than high (or much
higher than long) say whether the page lies upright/upside down or sideways; then
RapidOCR's angle classifier (a tiny model: about a millisecond a crop) says, for a few of
the longest lines cut out as if the page were one way up, whether each reads upside down.
The page is then turned by whole quarter turns (exact, no resampling).
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

# RapidOCR's angle classifier: per RGB crop of one text line, ("0" or "180", score).
Classifier = Callable[[list[np.ndarray]], list[tuple[str, float]]]

# A detected box is a text line (not a lone digit or character) when its long side is at
# least this many times its short side.
_LINE_ASPECT = 3.0
# The longest lines classified: enough for a vote that one misjudged line cannot swing.
_SAMPLE = 8
# A page lies sideways when more than this share of its text lines stand tall: a table's
# few labels printed top to bottom (本年度办理结果) must not turn an upright page.
_SIDEWAYS_SHARE = 0.6


def quarter_turns(grey: np.ndarray, quads: list[np.ndarray], classify: Classifier) -> int:
    """How many quarter turns counter-clockwise (np.rot90's k) make the page upright.

    `quads`: the page's detected text boxes (4×2, page pixels); `classify(crops)`: per RGB
    crop of one line, (label, score) from RapidOCR's angle classifier, label "180" when the
    crop reads upside down."""
    wide, tall = [], []
    for quad in quads:
        w = float(np.linalg.norm(quad[1] - quad[0]))
        h = float(np.linalg.norm(quad[3] - quad[0]))
        if w >= _LINE_ASPECT * h:
            wide.append((w, quad))
        elif h >= _LINE_ASPECT * w:
            tall.append((h, quad))
    if not wide and not tall:
        return 0
    sideways = len(tall) > _SIDEWAYS_SHARE * (len(tall) + len(wide))
    lines = sorted(tall if sideways else wide, key=lambda lq: -lq[0])[:_SAMPLE]
    # The lines cut out as if the page lay one way (for a sideways page k = 1: the page
    # turned a quarter clockwise, its lines running top to bottom); the classifier's votes
    # for "upside down" then choose between k and k + 2.
    k = 1 if sideways else 0
    votes = sum(
        score if label == "180" else -score for label, score in classify([_line(grey, quad, k) for _, quad in lines])
    )
    return (k + 2) % 4 if votes > 0 else k


def _line(grey: np.ndarray, quad: np.ndarray, k: int) -> np.ndarray:
    """A line's box cut out upright as it would read with the page turned k quarter turns
    counter-clockwise, without turning the page: its corners taken from the one that
    comes to the top left."""
    corners = np.roll(quad, -k, axis=0).astype(np.float32)
    w = max(int(np.linalg.norm(corners[1] - corners[0])), 1)
    h = max(int(np.linalg.norm(corners[3] - corners[0])), 1)
    target = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    crop = cv2.warpPerspective(grey, cv2.getPerspectiveTransform(corners, target), (w, h), borderValue=255)
    return np.ascontiguousarray(np.repeat(crop[..., None], 3, axis=2))


def turn_quad(quad: np.ndarray, k: int, shape: tuple[int, ...]) -> np.ndarray:
    """A box's corners moved onto the page turned k quarter turns counter-clockwise
    (np.rot90(page, k)), still clockwise from top-left."""
    h, w = shape[:2]
    pts = quad.astype(np.float32)
    for _ in range(k % 4):
        # np.rot90 once: the pixel at (x, y) goes to (y, w - 1 - x), and the image is w high.
        pts = np.stack([pts[:, 1], w - 1 - pts[:, 0]], axis=1)
        h, w = w, h
    return np.roll(pts, -(k % 4), axis=0)


def upright(
    pictures: tuple[np.ndarray, ...],
    rulings: tuple[np.ndarray, np.ndarray],
    quads: list[np.ndarray],
    classify: Classifier,
) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, np.ndarray], list[np.ndarray]]:
    """The page turned upright: its pictures (images and masks of the page's size, the first
    the page with its rulings erased, which the text direction is judged on), its
    (horizontal, vertical) ruling masks and its detected text boxes; as given when it is."""
    k = quarter_turns(pictures[0], quads, classify)
    if not k:
        return pictures, rulings, quads
    horizontal, vertical = (np.ascontiguousarray(np.rot90(m, k)) for m in rulings)
    if k % 2:
        horizontal, vertical = vertical, horizontal  # a quarter turn makes rows of columns
    shape = pictures[0].shape
    return (
        tuple(np.ascontiguousarray(np.rot90(p, k)) for p in pictures),
        (horizontal, vertical),
        [turn_quad(q, k, shape) for q in quads],
    )
