"""Reading page images: text detection and recognition, ruled tables, reading order.

Needs the `ocr` extra (`pip install gidr-etl[ocr]`: rapidocr-onnxruntime with the PP-OCRv4
Chinese models inside its wheel, and OpenCV). `missing()` says why it cannot run, if it cannot.
"""

from __future__ import annotations

INSTALL_HINT = "pip install gidr-etl[ocr]"


def missing() -> str | None:
    """None when the OCR libraries import; else the one-line reason, naming the extra."""
    try:
        import cv2  # noqa: F401
        import numpy  # noqa: F401
        import pypdfium2  # noqa: F401
        import rapidocr_onnxruntime  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed: {INSTALL_HINT}"
    return None
