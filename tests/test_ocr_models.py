"""The OCR models as gidr_etl/formats/ocr/models.py rewrites them: the same outputs as the
models RapidOCR ships, on a real report's page and text line, from fewer operations; made
once and kept in the cache."""

from __future__ import annotations

import collections
from pathlib import Path

import numpy as np
import pytest
from helpers import SAMPLES

pytest.importorskip("rapidocr_onnxruntime", reason="OCR extra not installed: pip install gidr-etl[ocr]")
onnx = pytest.importorskip("onnx", reason="the OCR extra's onnx is not installed")

import onnxruntime as ort  # noqa: E402
import rapidocr_onnxruntime  # noqa: E402

from gidr_etl.formats.ocr import engine, models  # noqa: E402

SHIPPED = Path(rapidocr_onnxruntime.__file__).parent / "models"


def _session(model: bytes | str) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


def _run(model: bytes | str, x: np.ndarray) -> np.ndarray:
    session = _session(model)
    return session.run(None, {session.get_inputs()[0].name: x})[0]


@pytest.fixture(scope="module")
def page() -> np.ndarray:
    """Page 2 of a real report (its prose and the start of a table), as the detector takes it."""
    import cv2
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(SAMPLES / "hongze_district_gov_2024.pdf"))
    rgb = np.ascontiguousarray(pdf[1].render(scale=200 / 72).to_numpy()[..., :3])
    pdf.close()
    rgb = cv2.resize(rgb, (896, 1280), interpolation=cv2.INTER_AREA)
    return (rgb.astype(np.float32).transpose(2, 0, 1)[None] / 127.5 - 1.0).astype(np.float32)


def _ops(model: bytes) -> collections.Counter:
    return collections.Counter(node.op_type for node in onnx.load_from_string(model).graph.node)


@pytest.mark.parametrize("name", [engine._DET_MODEL, engine._REC_MODEL])
def test_the_rewritten_models_compute_what_the_shipped_ones_do(name, page):
    shipped = (SHIPPED / name).read_bytes()
    rewritten = models.rewritten(shipped)
    before, after = _ops(shipped), _ops(rewritten)
    # Every spelt-out hard-swish is gone (its Clip), and the scales and shifts with it.
    assert before["Clip"] > 20 and after["Clip"] == 0
    assert after["HardSigmoid"] == before["HardSigmoid"] + before["Clip"]
    assert after["Mul"] + after["Add"] < (before["Mul"] + before["Add"]) / 2
    if name == engine._DET_MODEL:
        x = page
    else:  # a band of the page one text line high, at the recogniser's height
        import cv2

        top = int(np.flatnonzero(page[0].min(axis=(0, 2)) < 0.0)[0])  # the first row with ink
        band = page[0].transpose(1, 2, 0)[top : top + 40]
        x = cv2.resize(band, (band.shape[1] * 48 // 40, 48)).transpose(2, 0, 1)[None].astype(np.float32)
    want, got = _run(shipped, x), _run(rewritten, x)
    assert want.shape == got.shape
    assert float(np.abs(want - got).max()) < 1e-4  # float rounding, nothing more
    if name == engine._REC_MODEL:
        assert (want.argmax(-1) == got.argmax(-1)).all()  # the same characters read


def test_the_rewrite_is_made_once_and_kept_in_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GIDR_ETL_MODEL_CACHE", str(tmp_path / "models"))
    det = SHIPPED / engine._DET_MODEL
    made = models.rewritten_path(det)
    assert made is not None and made.parent == tmp_path / "models" and made.stat().st_size > 1_000_000
    assert list((tmp_path / "models").glob("*.part")) == []  # written whole, then renamed

    def no_rewrite(_bytes):
        raise AssertionError("made again")

    monkeypatch.setattr(models, "rewritten", no_rewrite)
    assert models.rewritten_path(det) == made
    # A cache that cannot be written (here a file where its folder would be): the shipped model.
    monkeypatch.setattr(models, "rewritten", lambda b: b)
    (tmp_path / "blocked").write_text("")
    monkeypatch.setenv("GIDR_ETL_MODEL_CACHE", str(tmp_path / "blocked" / "models"))
    assert models.rewritten_path(det) is None
    assert models.rewritten_path(tmp_path / "no-such-model.onnx") is None


def test_detection_finds_the_boxes_rapidocrs_own_preprocessing_does():
    """engine.detect normalises the page by table lookup, not as RapidOCR does per pixel: the
    same boxes on a real report's page (its prose and a table), to the last bit."""
    import cv2
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(SAMPLES / "hongze_district_gov_2024.pdf"))
    rgb = np.ascontiguousarray(pdf[1].render(scale=200 / 72).to_numpy()[..., :3])
    pdf.close()
    ocr = engine.engine()
    shrink = engine._DET_SIDE / max(rgb.shape[:2])
    small = cv2.resize(rgb, None, fx=shrink, fy=shrink, interpolation=cv2.INTER_AREA)
    theirs, _ = ocr._det(small)  # RapidOCR's detector, its preprocessing included
    ours = ocr.detect(rgb)
    assert len(ours) == len(theirs) > 20
    assert all(np.array_equal(a, np.asarray(b, dtype=np.float32) / shrink) for a, b in zip(ours, theirs))
