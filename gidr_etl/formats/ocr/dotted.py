"""Rulings broken into dots or dashes (a fax, a 1-bit scan, a faint line at a threshold).

A fax machine prints a page at 1 bit a pixel: a ruling thinner than a pixel falls either
side of the threshold along its length and comes out as dots a few pixels long, and no
opening with a long kernel (rulings.py) finds a line in it. The dots are joined along the
line's direction first. Only thin or tiny marks are joined: a character is a bigger mark,
and characters closed along a text line would come out as rulings through the text.
"""

from __future__ import annotations

import cv2
import numpy as np

# Gaps along a dotted ruling up to this long (points) are closed: the dots of a fax at
# 200 dpi part by 1–4 pixels, 1.5 points at most.
BRIDGE = 3.0
# Joined dots are a ruling only this long (points): a bold character's strokes, broken into
# pieces at 1 bit a pixel, join into strokes as long as the character is high (16 points
# in a heading); a table's rulings run on through its crossings.
DOTTED_RULE = 20.0
# A mark this thin one way (points) is a piece of a ruling: a stroke of print is thicker
# over a character's height.
_THIN = 2.0
# A mark no longer than this either way (points) is a dot of a ruling (or a speck).
_DOT = 5.0


def bridged(ink: np.ndarray, scale: float, along: tuple[int, int]) -> np.ndarray:
    """`ink` with the gaps between dots and dashes closed along the direction `along`
    ((k, 1): horizontal, (1, k): vertical), for the opening that keeps long lines."""
    g = max(int(round(BRIDGE * scale)), 2)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    w, h = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    thin = (np.minimum(w, h) <= _THIN * scale) | (np.maximum(w, h) <= _DOT * scale)
    thin[0] = False  # the paper
    pieces = (thin[labels] * 255).astype(np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (g, 1) if along[0] > 1 else (1, g))
    # A gap is closed where a dot lies at one end of it: the other end may be the blot
    # where two dotted lines cross.
    closed = np.bitwise_and(cv2.morphologyEx(ink, cv2.MORPH_CLOSE, kernel), cv2.dilate(pieces, kernel))
    return np.bitwise_or(ink, closed)


def joined_ends(rules: np.ndarray, scale: float) -> np.ndarray:
    """A ruling mask with each line carried over the gap where it stops short of the line it
    meets: where two dotted lines cross, their dots run together into a blot that is neither
    dot nor thin piece, so the lines found end a gap or two before it."""
    g = int(round(3 * BRIDGE * scale))
    across = cv2.morphologyEx(rules, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (g, 1)))
    down = cv2.morphologyEx(rules, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, g)))
    return np.bitwise_or(across, down)


# A page where less than this share of its ink (pixels darker than paper) is mid grey is 1
# bit a pixel (a fax), whatever its file's format: a grey scan's print has soft edges, and
# 90% and more of its ink is mid grey; a fax rendered at another resolution, about half.
_BILEVEL = 0.75


def bilevel(grey: np.ndarray) -> bool:
    """Whether a page image is 1 bit a pixel (a fax, a 1-bit scan)."""
    ink = np.count_nonzero(grey < 200)
    return bool(ink > 0 and np.count_nonzero((grey > 60) & (grey < 200)) < _BILEVEL * ink)


def smoothed(grey: np.ndarray, scale: float) -> np.ndarray:
    """A 1-bit image's print softened for recognition: the models read print with grey edges,
    and a fax's jagged strokes lose characters (予 read as 体, 于 as 1). Grey images as they are."""
    return cv2.GaussianBlur(grey, (0, 0), 0.35 * scale) if bilevel(grey) else grey
