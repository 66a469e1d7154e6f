"""Shape inference, parameter counts and receptive fields for a layer stack.

Each layer is built on the ``meta`` device first (no memory) to count its
parameters; a layer of ordinary size is then built on the CPU and fed zeros,
which costs milliseconds, while meta *execution* would import torch's
compiler stack (torch._dynamo, sympy: ~2 s and ~100 MB on the first call, in
the window and in every training process). Only a layer too large to build
cheaply runs on meta. Either way the shapes are exactly torch's. An impossible stack is reported
as a ShapeError naming the layer and the fix, before any training starts.
``infer`` never raises for a bad stack (the GUI marks the offending row);
``build_model`` does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import torch

from engine.datasets.base import DataInfo
from engine.errors import ShapeError
from engine.layers import (
    DECODER,
    IMAGE,
    RECURRENT,
    RECURSIVE,
    SEQUENCE,
    TOKENS,
    VECTOR,
    VIDEO,
    BuildContext,
    LayerKind,
    layer_kind,
)
from engine.modules import Stack
from engine.receptive_field import Window, field_size, window_of
from engine.spec import ModelSpec


@dataclass(frozen=True)
class LayerRow:
    index: int
    type: str
    kind: str  # output kind
    shape: tuple[int, ...]  # output shape per sample
    params: int
    receptive_field: int | None  # along one axis, for conv/pool stacks


@dataclass(frozen=True)
class ModelSummary:
    input_kind: str
    input_shape: tuple[int, ...]
    rows: tuple[LayerRow, ...]
    error: ShapeError | None = None
    # Resolved parameters and build contexts, one per row: what build_model needs.
    _plan: tuple[tuple[LayerKind, Mapping[str, Any], BuildContext], ...] = field(default=(), repr=False)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def total_params(self) -> int:
        return sum(row.params for row in self.rows)

    @property
    def receptive_field(self) -> int | None:
        """The receptive field of the last conv/pool layer, if any: how far
        the convolutions see. What the output sees is ``sees_all`` too."""
        fields = [r.receptive_field for r in self.rows if r.receptive_field is not None]
        return fields[-1] if fields else None

    @property
    def mixing_row(self) -> LayerRow | None:
        """The first layer that mixes every position — a recurrent (or tree) layer
        reads them all, Flatten hands them all to the dense layer after it, a
        Decoder writes every output step from one vector —
        so that the output sees the whole input, whatever the convolutions'
        field (global pooling does not: it pools each channel on its own)."""
        for row in self.rows:
            kind = layer_kind(row.type)
            if row.type == "Flatten" or (kind is not None and kind.group in (RECURRENT, RECURSIVE, DECODER)):
                return row
        return None

    @property
    def sees_all(self) -> bool:
        return self.mixing_row is not None


def describe_shape(kind: str, shape: tuple[int, ...]) -> str:
    if kind == IMAGE:
        return f"{shape[0]}×{shape[1]}×{shape[2]} image"
    if kind == SEQUENCE:
        return f"{shape[0]} steps × {_count(shape[1], 'feature')}"
    if kind == TOKENS:
        return f"{shape[0]} tokens"
    if kind == VIDEO:
        return f"{_count(shape[0], 'frame')} × {shape[1]}×{shape[2]}×{shape[3]}"
    return _count(shape[0], "feature")


def describe_sample(info: DataInfo | None) -> str:
    """One sample of a data set in words, for the data set panel and the CSV
    import dialog: "Each sample: 8×8 image, 1 channel → 10 classes"."""
    if info is None:
        return ""
    shape = describe_shape(info.input_kind, tuple(info.input_shape))
    if info.task == "classification":
        target = f"{info.n_outputs} classes"
    else:
        target = f"{info.n_outputs} value{'s' if info.n_outputs > 1 else ''} (regression)"
    each = " at every step" if info.per_step else ""
    return f"Each sample: {shape} → {target}{each}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def infer(model: ModelSpec, info: DataInfo) -> ModelSummary:
    kind, shape = info.input_kind, tuple(info.input_shape)
    rows: list[LayerRow] = []
    plan: list[tuple[LayerKind, Mapping[str, Any], BuildContext]] = []
    # The windows from the input to here, while positions still map to input positions.
    # On a clip, per frame: its image layers run on every frame alike.
    windows: list[Window] | None = [] if kind in (IMAGE, SEQUENCE, TOKENS, VIDEO) else None
    last_linear = max((i for i, l in enumerate(model.layers) if l.type == "Linear"), default=-1)

    def fail(index: int, type_: str, message: str) -> ModelSummary:
        return ModelSummary(info.input_kind, tuple(info.input_shape), tuple(rows),
                            ShapeError(index, type_, message), tuple(plan))

    for index, layer in enumerate(model.layers):
        lk = layer_kind(layer.type)
        if lk is None:
            return fail(index, layer.type, "unknown layer type")
        if lk.alone and len(model.layers) != 1:
            return fail(index, layer.type, f"{layer.type} is a whole network (its units are the input's "
                        "pixels, its output their settled state): it must be the only layer; remove the others")
        if lk.alone and not (info.input_kind == IMAGE and info.per_step and info.n_outputs == 2):
            return fail(index, layer.type, f"{layer.type} stores and recalls ±1 patterns: pick the "
                        "'Patterns to store (Hopfield)' data set")
        if lk.group == DECODER:
            problem = _decoder_problem(lk, index, len(model.layers), info)
            if problem:
                return fail(index, layer.type, problem)
        if kind not in lk.accepts:
            prev = model.layers[index - 1].type if index else "the input"
            return fail(index, layer.type, _mismatch_hint(lk, kind, shape, prev))
        params = dict(layer.params)
        if layer.type == "Linear" and params.get("out_features") is None:
            if index != last_linear:
                return fail(index, layer.type, "out_features can be left empty only on the last "
                            "Linear layer (it then matches the data set); set a number")
            params["out_features"] = info.n_outputs
        ctx = BuildContext(kind, shape, info.vocab_size, info.out_steps, info.n_outputs)
        # torch runs a fused RNN/LSTM/GRU on the meta device step by step (about
        # 2 ms a step and layer: a 1000-step bidirectional 8-layer LSTM took a
        # minute per edit), so a recurrent layer is probed with one step: its
        # output has the input's length.
        probe = (1, *shape[1:]) if lk.group == RECURRENT and kind == SEQUENCE else shape
        try:
            module, out = _probe(lk, params, ctx, probe, torch.long if kind == TOKENS else torch.float32)
        except Exception as exc:  # torch's own message, made readable
            return fail(index, layer.type, _torch_hint(exc, kind, shape))
        out_shape = tuple(out.shape[1:])
        if probe != shape and len(out_shape) == 2:  # output="all": one state per input step
            out_shape = (shape[0], out_shape[1])
        kind, shape = lk.output_kind(params, kind), out_shape
        if min(shape, default=1) < 1:
            return fail(index, layer.type, f"output would be empty ({describe_shape(kind, shape)}); "
                        "the input is too small here: use padding, a smaller kernel, or fewer pooling layers")
        window = window_of(layer.type, params) if windows is not None else None
        windows = None if window is None else [*windows, window]
        row_rf = field_size(windows) if windows is not None and lk.window is not None else None
        count = sum(p.numel() for p in module.parameters())
        rows.append(LayerRow(index, layer.type, kind, shape, count, row_rf))
        plan.append((lk, params, ctx))

    end = len(model.layers) - 1
    problem = _output_mismatch(kind, shape, info)
    if problem:
        return fail(max(end, 0), model.layers[end].type if model.layers else "model", problem)
    return ModelSummary(info.input_kind, tuple(info.input_shape), tuple(rows), None, tuple(plan))


# Above these a layer is probed on meta: building and running it on the CPU
# would take real memory and time on every edit. The output is bounded by the
# input's values times the widest setting (out_channels, hidden_size, ...).
_CPU_PROBE_PARAMS = 4_000_000
_CPU_PROBE_VALUES = 16_000_000


def _probe(lk: LayerKind, params: Mapping[str, Any], ctx: BuildContext,
           probe: tuple[int, ...], dtype: torch.dtype) -> tuple[torch.nn.Module, torch.Tensor]:
    """Build one layer and run a batch of two through it; return both."""
    with torch.device("meta"):
        module = lk.build(params, ctx)
    widest = max((v for v in params.values() if isinstance(v, int) and not isinstance(v, bool)), default=1)
    values = 2 * _numel(probe) * max(widest, 1)
    if sum(p.numel() for p in module.parameters()) > _CPU_PROBE_PARAMS or values > _CPU_PROBE_VALUES:
        with torch.device("meta"):
            return module, module.eval()(torch.empty((2, *probe), dtype=dtype))
    # fork_rng: building initialises weights, and an edit must not move the
    # seeded run's random stream.
    # torch.device("cpu"): callers may hold a meta default (expected_state).
    with torch.random.fork_rng(devices=[]), torch.no_grad(), torch.device("cpu"):
        module = lk.build(params, ctx).eval()
        return module, module(torch.zeros((2, *probe), dtype=dtype))


def _numel(shape: tuple[int, ...]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def build_model(model: ModelSpec, info: DataInfo) -> Stack:
    """Build the real (CPU) model, or raise the stack's ShapeError."""
    summary = infer(model, info)
    if summary.error is not None:
        raise summary.error
    return Stack([lk.build(params, ctx) for lk, params, ctx in summary._plan])


def _output_mismatch(kind: str, shape: tuple[int, ...], info: DataInfo) -> str | None:
    need = info.n_outputs
    what = f"{need} classes" if info.task == "classification" else f"{need} target value(s)"
    if not info.per_step:
        if kind == VIDEO:
            return (f"the model ends with a clip ({describe_shape(kind, shape)}) but the data set needs one "
                    "prediction per sample: add Frames (sequence) and a recurrent layer, or Frames (stack / "
                    "one), Flatten or global pooling, before the output Linear")
        if kind == SEQUENCE:
            return (f"the model ends with a sequence ({describe_shape(kind, shape)}) but the data set needs "
                    "one prediction per sample: set output='last' on the last recurrent layer, or add "
                    "GlobalAvgPool / Flatten before the output Linear")
        if kind != VECTOR or shape != (need,):
            return (f"the model outputs {describe_shape(kind, shape)} but the data set has {what}: "
                    "end with Linear (out_features empty = as many as needed)")
        return None
    # Per step of the output (a sequence to sequence or caption data set), of
    # the input sequence, or per pixel of an image (a Hopfield net's recall).
    if info.out_steps is not None:
        steps = info.out_steps
    else:
        steps = info.input_shape[0] if info.input_kind != IMAGE else _numel(tuple(info.input_shape[1:]))
    if kind != SEQUENCE and info.out_steps is not None:
        return (f"the data set needs an output sequence of {steps} tokens, but the model outputs "
                f"{describe_shape(kind, shape)}: end with a Decoder, which writes one from this vector")
    if kind != SEQUENCE:
        return (f"the data set needs a prediction at every step, but the model outputs "
                f"{describe_shape(kind, shape)}: use output='all' on the recurrent layers and no pooling "
                "or Flatten")
    if shape != (steps, need):
        return (f"the data set needs {steps} steps × {need} outputs, but the model outputs "
                f"{describe_shape(kind, shape)}: keep the length (stride 1, padding (kernel_size-1)/2) "
                "and end with Linear (out_features empty)")
    return None


def _decoder_problem(lk: LayerKind, index: int, n_layers: int, info: DataInfo) -> str | None:
    """Where a Decoder cannot stand: on a data set without an output sequence, or before other layers."""
    if info.out_steps is None or info.task != "classification":
        return (f"{lk.type} writes a sequence of tokens of its own length, but this data set has no output "
                "sequence: pick 'Sequence to sequence' or 'Scenes to caption'")
    if index != n_layers - 1:
        return (f"{lk.type} scores the data set's tokens itself (it feeds its own output back): it must be "
                "the last layer; remove the layers after it")
    return None


def _mismatch_hint(lk: LayerKind, kind: str, shape: tuple[int, ...], prev: str) -> str:
    """Why ``lk`` cannot take this input, read off what it accepts (the registry's ``accepts``)."""
    got = describe_shape(kind, shape)
    t = lk.type
    if kind == TOKENS:
        return f"the data set gives token ids ({got}); start the model with Embedding"
    if TOKENS in lk.accepts:
        return f"{t} takes token ids, but gets {got}"
    if kind == VIDEO:
        return _clip_hint(lk, got, prev)
    if lk.accepts == (VIDEO,):
        return f"{t} takes a video clip (frames × C×H×W) but gets {got}; it goes before Frames or pooling"
    if VECTOR in lk.accepts and kind == IMAGE:
        return f"{t} after {prev} needs Flatten or global pooling first (it gets a {got})"
    if IMAGE in lk.accepts and set(lk.accepts) <= {IMAGE, VIDEO}:  # image layers, per frame on clips too
        if kind == SEQUENCE:
            return f"{t} needs an image but gets {got}; for sequences use the 1-D layer"
        return f"{t} needs an image but gets a flat vector ({got}) after {prev}; put it before Flatten/pooling"
    if lk.accepts == (SEQUENCE,):
        if kind == IMAGE:
            image_twin = t[:-2] + "2d" if t.endswith("1d") and layer_kind(t[:-2] + "2d") else None
            other = f"use {image_twin} for images, or " if image_twin else ""
            return f"{t} needs a sequence but gets a {got}; {other}add ToSequence first (rows become time steps)"
        return (f"{t} needs a sequence but gets one vector per sample ({got}) after {prev}; "
                "set output='all' on the previous recurrent layer, or move the pooling after it")
    if lk.accepts == (VECTOR,):
        if kind == SEQUENCE:
            return (f"{t} needs one vector per sample (a context) but gets a sequence ({got}) after {prev}: "
                    "set output='last' on the previous recurrent layer, or add Flatten or global pooling")
        return f"{t} needs one vector per sample (a context) but gets a {got}: add Flatten, then Linear"
    if kind == VECTOR and VECTOR not in lk.accepts:
        return f"the input is already a flat vector ({got}) after {prev}; remove this layer"
    return f"{t} cannot take {got}"


def _clip_hint(lk: LayerKind, got: str, prev: str) -> str:
    """Why a layer that takes no clip cannot follow ``prev`` on one, and which Frames mode fits."""
    t = lk.type
    if lk.accepts == (SEQUENCE,):
        return (f"{t} needs a sequence but gets a clip ({got}); add Frames (mode sequence) first, "
                "so each frame becomes one time step (after a per-frame Conv2d, which runs on every frame)")
    if lk.accepts == (IMAGE,):
        return (f"{t} reads one image but gets a clip ({got}); add Frames first (stack: the frames "
                "as channels; one: a single frame), or Frames (sequence) for a recurrent layer")
    if VECTOR in lk.accepts:
        return (f"{t} after {prev} gets a clip ({got}); add Frames (sequence: one vector per frame), "
                "Flatten or global pooling first")
    return f"{t} cannot take a clip ({got})"


def _torch_hint(exc: Exception, kind: str, shape: tuple[int, ...]) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    got = describe_shape(kind, shape)
    if "Kernel size can't be greater" in text or "Output size is too small" in text:
        return (f"the window is larger than the input here ({got}); use a smaller kernel_size, padding, "
                "or fewer pooling layers before it")
    if "pad should be" in text or "pad should be at most half" in text:
        return "padding must be at most half of kernel_size"
    return f"cannot be built on {got}: {text}"

