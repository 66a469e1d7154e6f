"""Which input pixels (or time steps) can affect one feature-map position.

Pure arithmetic on the layer specs, no Qt and no torch, so it is easy to
test: a window layer (convolution or pooling with kernel k, stride s,
padding p, dilation d) computes output position i from its input positions
``i·s − p … i·s − p + (k−1)·d``; walking that back through every layer up to
the input gives the box the feature-map position sees. Element-wise layers
(activations, normalisation, dropout) keep positions as they are. Any other
layer (recurrence, flattening, embedding) mixes positions in ways a box
cannot describe, so the answer is then None.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WINDOW_TYPES = ("Conv2d", "Conv1d", "MaxPool2d", "AvgPool2d", "MaxPool1d", "AvgPool1d")
ELEMENTWISE_TYPES = ("ReLU", "LeakyReLU", "Tanh", "Sigmoid", "GELU", "Dropout", "BatchNorm2d", "BatchNorm1d")


@dataclass(frozen=True)
class Window:
    """One layer's sliding window along one axis."""

    kernel: int
    stride: int = 1
    padding: int = 0
    dilation: int = 1


IDENTITY = Window(1)


def window_of(layer_type: str, params: dict) -> Window | None:
    """The window of a layer spec; IDENTITY for element-wise layers, None for
    layers after which positions no longer map to input positions."""
    if layer_type in WINDOW_TYPES:
        kernel = int(params.get("kernel_size", 1))
        pooling = "Pool" in layer_type
        stride = params.get("stride") or (kernel if pooling else 1)
        return Window(kernel, int(stride), int(params.get("padding", 0) or 0),
                      1 if pooling else int(params.get("dilation", 1) or 1))
    if layer_type in ELEMENTWISE_TYPES:
        return IDENTITY
    return None


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
    """Width of the receptive field along one axis (unclipped)."""
    first, last = input_interval(0, windows)
    return last - first + 1
