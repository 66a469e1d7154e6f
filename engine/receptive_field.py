"""Which input positions (pixels or time steps) one output position sees:
the one receptive-field arithmetic of the app, used by the shape inference
(each row's field), the feature-map view (the box under the mouse) and the
receptive-field explainer (claims C8, C9).

A window layer (convolution or pooling with kernel k, stride s, padding p,
dilation d) computes output position i from input positions
``i·s − p … i·s − p + (k−1)·d``; walking that back through every layer
gives the interval one output position depends on. Layers that keep
positions (the registry's ``keeps_positions``: activations, normalisation,
dropout, embedding, one frame of a clip) pass it through; any other layer (recurrence,
flattening, a Linear, ToSequence) mixes positions in ways an interval
cannot describe, so the walk ends there. On a video clip the image layers
run on every frame, so a field is per frame, in pixels of one frame; it
says nothing about time.

No torch at import time: the GUI imports this before the engine has
loaded; the registry is read when a layer is asked about.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Window:
    """One layer's sliding window along one axis."""

    kernel: int
    stride: int = 1
    padding: int = 0
    dilation: int = 1
    size: tuple[int, ...] = ()  # the layer's input positions, (H, W) or (T,), where known; () = unbounded


IDENTITY = Window(1)


def has_window(layer_type: str) -> bool:
    """Whether the layer slides a window over positions (convolution, pooling)."""
    from engine.layers import layer_kind

    kind = layer_kind(layer_type)
    return kind is not None and kind.window is not None


def window_of(layer_type: str, params: Mapping[str, Any]) -> Window | None:
    """The window of a layer spec; IDENTITY for a layer that keeps positions,
    None for one after which positions no longer map to input positions."""
    from engine.layers import layer_kind

    kind = layer_kind(layer_type)
    if kind is None:
        return None
    if kind.window is not None:
        full = {**kind.defaults(), **params}
        kernel, stride, dilation = kind.window(full)
        return Window(int(kernel), int(stride), int(full.get("padding") or 0), int(dilation))
    return IDENTITY if kind.keeps({**kind.defaults(), **params}) else None


def layer_windows(layers: Sequence, upto: int) -> list[Window] | None:
    """Windows of layers 0..upto (specs with ``type`` and ``params``), or None
    if one of them breaks the position mapping."""
    windows = []
    for layer in list(layers)[:upto + 1]:
        window = window_of(layer.type, dict(layer.params))
        if window is None:
            return None
        windows.append(window)
    return windows


def input_interval(position: int, windows: Sequence[Window]) -> tuple[int, int]:
    """First and last input index (inclusive, not clipped: padding can reach
    outside the input) that output ``position`` of the last window depends on."""
    first = last = position
    for w in reversed(windows):
        first = first * w.stride - w.padding
        last = last * w.stride - w.padding + (w.kernel - 1) * w.dilation
    return first, last


def receptive_box(row: int, col: int, windows: Sequence[Window]) -> tuple[int, int, int, int]:
    """(first row, last row, first col, last col) of the input region that
    feature-map pixel (row, col) sees; square kernels act alike on both axes."""
    r0, r1 = input_interval(row, windows)
    c0, c1 = input_interval(col, windows)
    return r0, r1, c0, c1


def clip_interval(first: int, last: int, size: int) -> tuple[int, int]:
    """The part of an interval inside an input of ``size`` positions."""
    return max(first, 0), min(last, size - 1)


def field_size(windows: Sequence[Window]) -> int:
    """Width of the receptive field along one axis (unclipped, padding included)."""
    first, last = input_interval(0, windows)
    return last - first + 1
