"""RapidOCR's PP-OCRv4 models, rewritten to compute the same in fewer operations.

paddle2onnx writes each block of PP-LCNetV3 (the backbone of the detector and of the
recogniser) one operation at a time: a convolution, a learnt scale and shift (a Mul and an
Add by scalars), a hard-swish spelt out in four operations (x·clip(x+3, 0, 6)/6), and
another scale and shift. ONNX Runtime fuses none of them on a CPU, so each block passes
its feature map through memory eight more times and twice leaves the channel-blocked
layout its convolutions run in. Rewritten, in the same arithmetic:

- a scale and shift after a convolution are folded into its weights and bias;
- a scale and shift before a convolution too, where it pads nothing (a padded one would
  pad the shifted map with the shift, not 0, so there they stay);
- the hard-swish is x·HardSigmoid(x), which ONNX Runtime fuses into the convolution.

What the models compute moves by float rounding only (about 1e-6 of a probability). On this
machine, one thread: a 1000-pixel text line is recognised in 26 ms, not 38; a page detected
at 1280 pixels in 215 ms, not 264. The rewrite needs the onnx package, whose import alone
takes half a second, so it is made once and kept in the user's cache ($GIDR_ETL_MODEL_CACHE,
default ~/.cache/gidr-etl/models), named by the model file's hash and REWRITE's number.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

# The rewrite's version: a change to what it does gives the cached models a new name.
REWRITE = 1


def cache_dir() -> Path:
    return Path(os.environ.get("GIDR_ETL_MODEL_CACHE") or Path.home() / ".cache" / "gidr-etl" / "models")


def session(model: Path) -> Any:
    """An ONNX Runtime CPU session on the model file `model`, rewritten where it can be
    (rewritten_path); None when there is no such file."""
    from onnxruntime import InferenceSession, SessionOptions

    if not model.is_file():
        return None
    options = SessionOptions()
    options.log_severity_level = 3  # errors only
    # One thread a run: pages run in parallel threads instead, which uses the cores better
    # than splitting each small run.
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    # Freed buffers kept in the session's arena for the next run, grown by what a run asks
    # and no more, and no memory patterns: a pattern, planned per input shape, allocates all
    # of a run's buffers at once, and crops come in every width. On four pages and twenty
    # crops, 202 MB above the loaded models instead of 441 (RapidOCR's own settings: no
    # arena, patterns), and 26% less CPU: freshly mapped buffers no longer fault in.
    options.enable_cpu_mem_arena = True
    options.enable_mem_pattern = False
    provider = ("CPUExecutionProvider", {"arena_extend_strategy": "kSameAsRequested"})
    return InferenceSession(str(rewritten_path(model) or model), options, providers=[provider])


def rewritten_path(model: Path) -> Path | None:
    """The rewritten model of the file `model`, made once and kept in the cache; None when
    there is no such file, no onnx package or no writable cache (the original is read then)."""
    if not model.is_file():
        return None
    source = model.read_bytes()
    cached = cache_dir() / f"{model.stem}-{hashlib.sha256(source).hexdigest()[:16]}-r{REWRITE}.onnx"
    if cached.is_file():
        return cached
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        fd, part = tempfile.mkstemp(dir=cached.parent, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(rewritten(source))
            os.replace(part, cached)  # whole or not at all, when two workers write it at once
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(part)
    except (OSError, ImportError):
        return None
    return cached


def rewritten(model_bytes: bytes) -> bytes:
    """The serialised model with its scales, shifts and hard-swishes folded (see the module's note)."""
    import onnx

    model = onnx.load_from_string(model_bytes)
    graph = _Graph(model.graph)
    graph.fold_affine_after_convolutions()
    graph.fuse_hard_swish()
    graph.fold_affine_before_convolutions()
    graph.store()
    return model.SerializeToString()


class _Graph:
    """A graph's nodes in order and its constants as arrays, for rewriting in place."""

    def __init__(self, graph: Any) -> None:
        from onnx import numpy_helper

        self._graph = graph
        self.consts = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
        self.nodes = []
        for node in graph.node:
            if node.op_type == "Constant" and [a.name for a in node.attribute] == ["value"]:
                self.consts[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
            else:
                self.nodes.append(node)
        self._outputs = {o.name for o in graph.output}
        self._index()

    def _index(self) -> None:
        self._producer = {o: n for n in self.nodes for o in n.output}
        self._consumers: dict[str, list[Any]] = {}
        for node in self.nodes:
            for name in node.input:
                self._consumers.setdefault(name, []).append(node)

    def _only_consumer(self, name: str) -> Any:
        consumers = self._consumers.get(name, [])
        return consumers[0] if len(consumers) == 1 and name not in self._outputs else None

    def _scalar(self, name: str) -> float | None:
        value = self.consts.get(name)
        return float(value.reshape(-1)[0]) if value is not None and value.size == 1 else None

    def _variable(self, node: Any) -> str | None:
        """The one input of `node` that is not a constant."""
        names = [i for i in node.input if i not in self.consts]
        return names[0] if len(names) == 1 else None

    def _affine(self, node: Any) -> tuple[float, float] | None:
        """(scale, shift) when `node` is a Mul or an Add of its variable by a scalar constant."""
        if node is None or node.op_type not in ("Mul", "Add") or len(node.input) != 2:
            return None
        x = self._variable(node)
        k = self._scalar(node.input[1] if node.input[0] == x else node.input[0]) if x is not None else None
        if k is None:
            return None
        return (k, 0.0) if node.op_type == "Mul" else (1.0, k)

    def _convolution(self, node: Any) -> tuple[np.ndarray, np.ndarray] | None:
        """A Conv's constant weights and bias (float64), else None."""
        if node.op_type != "Conv" or node.input[1] not in self.consts:
            return None
        weights = self.consts[node.input[1]].astype(np.float64)
        bias = self.consts.get(node.input[2]) if len(node.input) > 2 else None
        return weights, np.zeros(weights.shape[0]) if bias is None else bias.astype(np.float64)

    def _set_convolution(self, conv: Any, x: str, weights: np.ndarray, bias: np.ndarray, y: str) -> None:
        name = conv.output[0]
        self.consts[name + "/weights"] = weights.astype(np.float32)
        self.consts[name + "/bias"] = bias.astype(np.float32)
        del conv.input[:]
        conv.input.extend([x, name + "/weights", name + "/bias"])
        del conv.output[:]
        conv.output.append(y)

    def fold_affine_after_convolutions(self) -> None:
        """conv(x)·a + b is a convolution with weights W·a and bias B·a + b."""
        dropped = set()
        for conv in self.nodes:
            params = self._convolution(conv)
            if params is None:
                continue
            weights, bias = params
            y = conv.output[0]
            while (step := self._affine(after := self._only_consumer(y))) is not None:
                weights, bias = weights * step[0], bias * step[0] + step[1]
                dropped.add(id(after))
                y = after.output[0]
            if y != conv.output[0]:
                self._set_convolution(conv, conv.input[0], weights, bias, y)
        self._drop(dropped)

    def fold_affine_before_convolutions(self) -> None:
        """conv(x·a + b), padding nothing, is a convolution of x with weights W·a and bias
        B + b·ΣW (each output channel's sum over its inputs and kernel)."""
        dropped = set()
        for conv in self.nodes:
            params = self._convolution(conv)
            if params is None or self._pads(conv):
                continue
            weights, bias = params
            x = conv.input[0]
            scale, shift = 1.0, 0.0
            while self._only_consumer(x) is not None and (step := self._affine(before := self._producer.get(x))):
                scale, shift = step[0] * scale, step[1] * scale + shift  # `before` applies first
                dropped.add(id(before))
                x = self._variable(before)
            if x != conv.input[0]:
                axes = tuple(range(1, weights.ndim))
                self._set_convolution(conv, x, weights * scale, bias + shift * weights.sum(axis=axes), conv.output[0])
        self._drop(dropped)

    @staticmethod
    def _pads(conv: Any) -> bool:
        from onnx import helper

        attrs = {a.name: helper.get_attribute_value(a) for a in conv.attribute}
        return any(attrs.get("pads", [])) or attrs.get("auto_pad", b"NOTSET") not in (b"NOTSET", b"VALID")

    def fuse_hard_swish(self) -> None:
        """x·clip(x + 3, 0, 6)/6 as x·HardSigmoid(x) (alpha 1/6, beta 1/2)."""
        from onnx import helper

        out = []
        dropped: set[int] = set()
        for node in self.nodes:
            fused = self._hard_swish(node)
            if fused is None:
                out.append(node)
                continue
            x, nodes, y = fused
            dropped.update(id(n) for n in nodes)
            gate = node.output[0] + "/hard_sigmoid"
            out += [
                helper.make_node("HardSigmoid", [x], [gate], alpha=1 / 6, beta=0.5),
                helper.make_node("Mul", [x, gate], [y]),
            ]
        self.nodes = out
        self._drop(dropped)

    def _hard_swish(self, add: Any) -> tuple[str, list[Any], str] | None:
        """(x, the four nodes, output) when `add` begins x·clip(x + 3, 0, 6)/6."""
        x = self._variable(add)
        if x is None or add.op_type != "Add" or self._affine(add) != (1.0, 3.0):
            return None
        clip = self._only_consumer(add.output[0])
        if clip is None or clip.op_type != "Clip" or [self._scalar(i) for i in clip.input[1:]] != [0.0, 6.0]:
            return None
        mul = self._only_consumer(clip.output[0])
        if mul is None or mul.op_type != "Mul" or sorted(mul.input) != sorted([x, clip.output[0]]):
            return None
        div = self._only_consumer(mul.output[0])
        if div is None or div.op_type != "Div" or div.input[0] != mul.output[0] or self._scalar(div.input[1]) != 6.0:
            return None
        return x, [add, clip, mul, div], div.output[0]

    def _drop(self, dropped: set[int]) -> None:
        self.nodes = [n for n in self.nodes if id(n) not in dropped]
        self._index()

    def store(self) -> None:
        """Write the nodes, and the constants they use as initializers, back into the graph."""
        from onnx import numpy_helper

        used = {name for node in self.nodes for name in node.input}
        del self._graph.node[:]
        self._graph.node.extend(self.nodes)
        del self._graph.initializer[:]
        self._graph.initializer.extend(numpy_helper.from_array(v, k) for k, v in self.consts.items() if k in used)
