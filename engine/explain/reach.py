"""Receptive field against memory (claims C8, C9): how far a CNN sees, and how
far back an RNN's gradient still reaches.

For a conv stack, ``conv_reach`` walks the layer settings that the shape
inference resolved (engine/shapes.py's plan) back from the deepest layer
whose outputs still stand for input positions: a window layer (kernel k,
stride s, padding p, dilation d) computes its output position i from input
positions ``i·s − p … i·s − p + (k−1)·d``. Element-wise layers keep positions;
anything that mixes every position (Flatten, a recurrent layer, ToSequence)
ends the walk. The tests compare the box with the input positions whose
gradient is non-zero in a real torch model.

For a recurrent layer, ``gradient_reach`` reads the gradient-through-time
probe (engine/unrolled.py, a Snapshot's ``grad_through_time``): the number of
steps back from the last one after which the gradient has fallen below a
fraction (1e-3) of its value at the last step.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from engine.comparison_table import Dependency, dependency
from engine.datasets import describe
from engine.layers import IMAGE, RECURRENT, SEQUENCE, TOKENS, VIDEO, in_group
from engine.receptive_field import Window, field_size, window_of
from engine.shapes import infer
from engine.spec import Experiment

THRESHOLD = 1e-3  # "the gradient has vanished": this share of its value at the last step


@dataclass(frozen=True)
class ConvReach:
    input_kind: str  # IMAGE, SEQUENCE or TOKENS
    input_shape: tuple[int, ...]
    windows: tuple[Window, ...]  # from the input to layer ``last``
    last: int  # index of the deepest layer whose outputs still stand for input positions
    last_type: str
    out_size: tuple[int, ...]  # that layer's positions: (H, W) for images, (T,) for sequences
    mixed_by: str | None  # the layer after it that mixes every position (Flatten, GRU…), if any
    dependency: Dependency | None  # what the data set's label depends on, where known
    # A video clip's image layers run on every frame: the field is in one frame's
    # pixels (input_kind IMAGE, input_shape a frame's), the same on each.
    per_frame: bool = False

    @property
    def image(self) -> bool:
        return self.input_kind == IMAGE

    @property
    def size(self) -> tuple[int, ...]:
        """The input's positions: (H, W) or (T,)."""
        return tuple(self.input_shape[1:]) if self.image else (self.input_shape[0],)

    @property
    def field(self) -> int:
        """Width of the receptive field along one axis, padding included."""
        return field_size(self.windows)

    def positions(self, position: int, axis: int = 0) -> list[int]:
        """The input positions along ``axis`` that output ``position`` sees.
        Walked back layer by layer, dropping padding at every layer: a tap on
        a padded border of an inner layer reaches no input."""
        seen = {position}
        for w in reversed(self.windows):
            limit = w.size[axis] if w.size else None
            seen = {i * w.stride - w.padding + j * w.dilation for i in seen for j in range(w.kernel)}
            seen = {i for i in seen if 0 <= i and (limit is None or i < limit)}
        return sorted(seen)

    def interval(self, position: int, axis: int = 0) -> tuple[int, int]:
        """First and last input position (inclusive, inside the input) that
        output ``position`` along ``axis`` sees."""
        seen = self.positions(position, axis)
        return (seen[0], seen[-1]) if seen else (0, -1)

    def box(self, row: int, col: int) -> tuple[int, int, int, int]:
        """(first row, last row, first col, last col) seen by output (row, col)."""
        return (*self.interval(row, 0), *self.interval(col, 1))

    def centre(self) -> tuple[int, ...]:
        return tuple(n // 2 for n in self.out_size)

    def covers_dependency(self) -> bool | None:
        if self.dependency is None:
            return None
        return self.field >= self.dependency.span

    def text(self) -> str:
        unit = "pixel" if self.image else "step"
        area = f"{self.field}×{self.field} {unit}s" if self.image else f"{self.field} {unit}s"
        whole = "×".join(str(n) for n in self.size) + f"-{unit}"
        who = f"One output of layer {self.last + 1} ({self.last_type})"
        input_ = f"{whole} frame" if self.per_frame else f"{whole} input"
        if self.field >= min(self.size):
            lines = [f"{who} sees {area} (padding included): as wide as the whole {input_}."]
        else:
            lines = [f"{who} sees {area} of the {input_}" + (", in every frame alike." if self.per_frame else ".")]
        if self.mixed_by in ("GlobalAvgPool", "GlobalMaxPool"):
            lines.append(f"After it, {self.mixed_by} pools each feature over every position: a pattern is "
                         "found wherever it is, but two parts farther apart than the field are never seen "
                         "together.")
        elif self.mixed_by:
            lines.append(f"After it, {self.mixed_by} mixes every position, so the model's output can use the "
                         "whole input — but each conv feature alone sees only its window.")
        if self.dependency is not None:
            verdict = ("it covers" if self.covers_dependency()
                       else "it cannot see the two ends of the dependency at once")
            lines.append(f"The data set needs {self.dependency.span} steps ({self.dependency.what}): {verdict}.")
        return " ".join(lines)


@dataclass(frozen=True)
class GradientReach:
    norms: np.ndarray  # ‖∂loss/∂h_t‖ for each step t
    reference: float  # the value at the last step (or the largest, when the last step got none)
    steps_back: int | None  # steps before the last after which the norm fell below THRESHOLD·reference
    threshold: float = THRESHOLD

    @property
    def length(self) -> int:
        return int(self.norms.size)

    @property
    def first_step_below(self) -> int | None:
        """The time step t where the gradient has vanished, or None."""
        return None if self.steps_back is None else self.length - 1 - self.steps_back

    def text(self) -> str:
        if self.length == 0:
            return "No gradient-through-time numbers yet."
        if self.reference <= 0:
            return "No gradient reaches any step of this layer yet."
        ratio = float(self.norms[0]) / self.reference
        if self.steps_back is None:
            return (f"The gradient stays above {self.threshold:g} of its value at the last step over all "
                    f"{self.length} steps (at step 0 it is {ratio:.2g} of it): this layer can still learn "
                    "from the start of the sequence.")
        return (f"The gradient falls below {self.threshold:g} of its value at the last step after "
                f"{self.steps_back} steps (at t = {self.first_step_below}): what came earlier barely "
                "changes the weights, so the layer cannot learn to remember it.")


def conv_reach(experiment: Experiment) -> ConvReach | None:
    """The receptive field of the model's conv/pool part, or None when the
    model has no window layer working on input positions (or is invalid)."""
    info = describe(experiment.dataset)
    if info.input_kind not in (IMAGE, SEQUENCE, TOKENS, VIDEO):
        return None
    summary = infer(experiment.model, info)
    windows: list[Window] = []
    last: int | None = None
    mixed_by = None
    for row, (lk, params, ctx) in zip(summary.rows, summary._plan, strict=False):
        window = window_of(row.type, params)
        if window is None:  # this layer mixes every position
            mixed_by = row.type
            break
        if lk.window is not None:
            windows.append(replace(window, size=_positions(ctx.in_kind, ctx.in_shape)))
            last = row.index
    if last is None:
        return None
    row = summary.rows[last]
    video = info.input_kind == VIDEO
    kind, shape = (IMAGE, tuple(info.input_shape[1:])) if video else (info.input_kind, tuple(info.input_shape))
    return ConvReach(kind, shape, tuple(windows), last, row.type, _positions(row.kind, row.shape),
                     mixed_by, dependency(experiment.dataset), per_frame=video)


def _positions(kind: str, shape: tuple[int, ...]) -> tuple[int, ...]:
    """The positions a layer's input or output stands for: (H, W) of an image or
    of each frame of a clip, (T,) of a sequence."""
    return tuple(shape[2:]) if kind == VIDEO else tuple(shape[1:]) if kind == IMAGE else (shape[0],)


def gradient_reach(norms: np.ndarray, threshold: float = THRESHOLD) -> GradientReach:
    norms = np.asarray(norms, dtype=np.float64).ravel()
    if norms.size == 0:
        return GradientReach(norms, 0.0, None, threshold)
    reference = float(norms[-1]) if norms[-1] > 0 else float(norms.max())
    if reference <= 0:
        return GradientReach(norms, 0.0, None, threshold)
    below = np.nonzero(norms[::-1] < threshold * reference)[0]
    return GradientReach(norms, reference, int(below[0]) if below.size else None, threshold)


def recurrent_layers(experiment: Experiment) -> list[int]:
    """Indices of the recurrent layers of the model (whose gradient is probed)."""
    return [i for i, layer in enumerate(experiment.model.layers)
            if in_group(layer.type, RECURRENT)]
