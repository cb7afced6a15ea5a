"""Text detection and recognition with RapidOCR's PP-OCRv4 models, and honest confidences.

RapidOCR's own pipeline returns one averaged score a line. For a number that hides the
one doubtful digit, so recognition is decoded here from the model's per-frame
probabilities: a text's confidence is that of its least certain character. Inside a
numeric cell a character's probability counts its look-alikes (O/〇 for 0, l/丨 for 1):
those are the same digit there, while 6 against 8 stays a doubt.
"""

from __future__ import annotations

import contextlib
import ctypes
import sys
import threading
from pathlib import Path

import numpy as np

from gidr_etl.formats.ocr import models

# Characters that print the same digit in a numeric cell ("!": a fax's 1, its stem broken
# above the foot).
_DIGIT_LOOKALIKES = {
    "0": "0Oo〇○Dо",
    "1": "1lI丨|!",
    "2": "2",
    "3": "3",
    "4": "4",
    "5": "5",
    "6": "6",
    "7": "7",
    "8": "8",
    "9": "9",
}
# Recognition crops are this many pixels high (the model's input), one crop a run. The
# model costs in proportion to a crop's width at this height, about 0.03 ms a column on this
# machine (the rewritten model), so a smaller height would be the lever; but at 40 the
# seal-stamped titles of two real reports' scans lost their agency (公开作律度 read 公在作律度,
# 2024年 read 2024.年) and four cells became doubtful. A batch is no faster over whole pages
# (crops of one width give the same outputs, 6% less model time, nothing measurable a page;
# padded to the widest crop: slower, and the padding changes what the model reads). A crop
# padded to _REC_MIN_WIDTH reads a lone digit as surely as one padded to 160 or RapidOCR's
# 320 (the scans of the three real PDFs and the five seeds read the same cells), and runs in
# 2.7 ms against 4.7 ms at 160; at 64 the faxed seeds lost 15 cells of the factor table.
_REC_HEIGHT = 48
# The models in rapidocr-onnxruntime's wheel that ocr/models.py rewrites and runs.
_DET_MODEL = "ch_PP-OCRv4_det_infer.onnx"
_REC_MODEL = "ch_PP-OCRv4_rec_infer.onnx"
_REC_MIN_WIDTH = 96
# Detection runs on the page scaled so its longer side is at most this: an A4 page at
# 200 dpi (2339 px) is read at about 0.55, body text still 16 px high. RapidOCR's own
# limit setting is overridden by its preprocessing (it resizes to 2000), so the page is
# scaled here; the model's run time grows with the pixels. At 1024 it ran in half the
# time, but the real reports' scans lost three cells of small print (7730.28) and the
# agency of a seal-stamped title.
_DET_SIDE = 1280

# What may stand inside a number, and marks a speck beside one reads as. A number read with
# a speck or a separator at an end takes this confidence: below every bar
# (reading/ocr_check.py), so that only the table's sums can confirm it.
SEPARATORS = ",.，-"
SPECKS = "'`‘’:：;；·"
_SPECK_DOUBT = 0.5

# glibc's malloc gives each thread a heap of its own, and a heap keeps what was freed in it:
# two threads reading pages kept two sets of the models' freed buffers. With one heap a
# thread reuses what the other freed (a 5-page scan read in two threads: 540 MB peak, not
# 627). M_ARENA_MAX is mallopt's parameter number in glibc's malloc.h.
_M_ARENA_MAX = -8

_lock = threading.Lock()
_engine = None


def engine() -> Engine:
    """The process's engine, loaded once (the models take a few tenths of a second)."""
    global _engine
    with _lock:
        if _engine is None:
            _engine = Engine()
        return _engine


def share_heap() -> None:
    """Have every thread of this process allocate from one glibc heap (see _M_ARENA_MAX);
    call it before starting the threads that read pages. Elsewhere than glibc, nothing."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):  # not glibc (musl has one heap anyway)
        ctypes.CDLL("libc.so.6").mallopt(_M_ARENA_MAX, 1)


class Engine:
    def __init__(self) -> None:
        import rapidocr_onnxruntime
        from rapidocr_onnxruntime import RapidOCR

        ocr = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1, det_limit_type="max")
        # The detector and recogniser rewritten and run as ocr/models.py says (the same
        # arithmetic, a quarter less CPU, half the memory); RapidOCR keeps its own
        # pre- and post-processing around them.
        shipped = Path(rapidocr_onnxruntime.__file__).parent / "models"
        if (det := models.session(shipped / _DET_MODEL)) is not None:
            ocr.text_det.infer.session = det
        if (rec := models.session(shipped / _REC_MODEL)) is not None:
            ocr.text_rec.session.session = rec
        self._det = ocr.text_det
        # Each byte value normalised once by RapidOCR's own detection preprocessing (detect).
        # Its limit only decides whether it resizes: a page is always within it here.
        byte_values = np.repeat(np.arange(256, dtype=np.uint8)[:, None], 3, axis=1)
        self._det_lut = self._det.get_preprocess(_DET_SIDE).normalize(byte_values).astype(np.float32).T.copy()
        self._rec = ocr.text_rec.session
        self._cls = ocr.text_cls
        chars = ocr.text_rec.postprocess_op.character
        self._chars = chars
        self._groups = {d: [i for i, c in enumerate(chars) if c in like] for d, like in _DIGIT_LOOKALIKES.items()}
        self._digit_of = {i: d for d, ids in self._groups.items() for i in ids}
        self._any_digit = sorted(self._digit_of)

    def detect(self, image: np.ndarray) -> list[np.ndarray]:
        """Text line quadrilaterals (4×2, clockwise from top-left) on an RGB page image."""
        import cv2

        shrink = min(1.0, _DET_SIDE / max(image.shape[:2]))
        if shrink < 1.0:
            image = cv2.resize(image, None, fx=shrink, fy=shrink, interpolation=cv2.INTER_AREA)
        h, w = image.shape[:2]
        # RapidOCR's own preprocessing, as it does it for a page within its size limits (sides
        # rounded to 32s), but normalised by table lookup: its arithmetic (float64, per pixel)
        # took 50 ms a page, a twentieth of the page's time; the lookup gives the same floats.
        sized = cv2.resize(image, (int(round(w / 32) * 32), int(round(h / 32) * 32)))
        batch = np.empty((1, 3, *sized.shape[:2]), dtype=np.float32)
        for channel in range(3):
            batch[0, channel] = self._det_lut[channel][sized[..., channel]]
        boxes, _ = self._det.postprocess_op(self._det.infer(batch)[0], (h, w))
        boxes = self._det.filter_tag_det_res(boxes, (h, w))
        return [np.asarray(b, dtype=np.float32) / shrink for b in boxes]

    def angles(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        """Per RGB crop of one text line, RapidOCR's angle classifier's ("0" or "180", score)."""
        return [(str(label), float(score)) for label, score in self._cls(crops)[1]]

    def recognise(self, crops: list[np.ndarray]) -> list[tuple[str, float, str | None]]:
        """Per crop (RGB, one text line): (text, confidence, digits) where `digits` is the
        crop read as a number (look-alikes folded) when every character is a digit or
        separator, with the confidence counting look-alikes as the same digit."""
        out = []
        for crop in crops:
            width = max(int(np.ceil(_REC_HEIGHT * crop.shape[1] / max(crop.shape[0], 1))), _REC_MIN_WIDTH)
            out.append(self._decode(self._rec(_normalise(crop, width)[None])[0][0]))
        return out

    def _decode(self, probs: np.ndarray) -> tuple[str, float, str | None]:
        best = probs.argmax(axis=1)
        digits: list[str] | None  # None once a character is neither digit nor separator
        text, confs, number_confs, digits = [], [], [], []
        previous = 0
        for t, cls in enumerate(best):
            if cls != 0 and cls != previous:
                ch = self._chars[cls]
                text.append(ch)
                confs.append(float(probs[t, cls]))
                digit = self._digit_of.get(int(cls))
                if digit is not None:
                    number_confs.append(float(probs[t, self._groups[digit]].sum()))
                elif ch in SEPARATORS:
                    number_confs.append(float(probs[t, cls]))
                else:
                    # A unit or bracket beside a number ("0（元）"): what bears on the number is
                    # only that it is no digit, not which of （ and ( it is.
                    number_confs.append(1.0 - float(probs[t, self._any_digit].sum()))
                if digits is None:
                    pass  # not a number
                elif digit is not None:
                    digits.append(digit)
                elif ch in SEPARATORS or ch in SPECKS:
                    digits.append({"，": ","}.get(ch, ch))
                else:
                    digits = None
            previous = cls
        read = "".join(text)
        if any(self._digit_of.get(int(c)) is not None for c in best):
            # A text with a number in it is read for that number: its least certain character as part of it.
            number = "".join(digits) if digits else None
            # A minus sign after a number signs nothing: a stroke beside it, as a speck is.
            bare = number.lstrip(",." + SPECKS).rstrip(",.-" + SPECKS) if number else None
            if bare and any(ch in SPECKS for ch in bare):
                return read, min(number_confs), None  # a mark inside a number separates nothing
            if bare and bare != number:
                # A mark at a number's end ("0.", "'0", "0:", "0-") is a speck (a fax's line noise,
                # dust) or what is left of a decimal part: the digits are read, but in doubt.
                return read, min(*number_confs, _SPECK_DOUBT), bare
            return read, min(number_confs), number
        return read, min(confs, default=0.0), None


def _normalise(crop: np.ndarray, width: int) -> np.ndarray:
    import cv2

    h, w = crop.shape[:2]
    resized_w = min(width, int(np.ceil(_REC_HEIGHT * w / max(h, 1))))
    resized = cv2.resize(crop, (max(resized_w, 1), _REC_HEIGHT)).astype(np.float32)
    resized = resized.transpose((2, 0, 1)) / 127.5 - 1.0
    padded = np.zeros((3, _REC_HEIGHT, width), dtype=np.float32)
    padded[:, :, : resized.shape[2]] = resized
    return padded
