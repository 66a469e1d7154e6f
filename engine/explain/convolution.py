"""Convolution and pooling taken apart, one output position at a time.

Pure numpy, for the convolution explainer: every output position's window on
the (padded) input, the element-wise products with the kernel and their sum,
or for pooling the window's maximum (which cell won) or its average. The
numbers equal ``torch.nn.functional.conv2d`` / ``max_pool2d`` / ``avg_pool2d``
with their defaults (tests/engine/test_explain_convolution.py checks it):

- convolution is *cross-correlation*, as in every deep-learning library: the
  kernel is laid over the window as it is, never flipped;
- max pooling pads with −∞ (a padded cell never wins), average pooling pads
  with zeros and divides by the whole window (``count_include_pad=True``);
  both allow at most half the window as padding, like torch.

Grids are 2-D ``(H, W)`` float arrays: one channel, which is what a learner
can follow by eye.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.errors import PlaygroundError

CONVOLUTION, MAX_POOL, AVG_POOL = "convolution", "max", "average"
MODES = (CONVOLUTION, MAX_POOL, AVG_POOL)

# Claim C1's worked example and claim C5's pooling example (../shared/CLAIMS.md).
C1_KERNEL = np.array([[1, 0, 0], [1, 1, 0], [1, 1, 1]], np.float64)
C1_PATCH = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], np.float64)
C5_GRID = np.array([[1, 2], [3, 0]], np.float64)


class ExplainError(PlaygroundError):
    """Settings for which no output exists (a window larger than the padded input…)."""


@dataclass(frozen=True)
class WindowStep:
    """One output position: where its window lies and what it computes."""

    out_row: int
    out_col: int
    top: int  # the window's first row and column, in padded-input coordinates
    left: int
    window: np.ndarray  # (k, k) the padded input under the window (−∞ for max pooling's padding)
    products: np.ndarray | None  # convolution: window × kernel, element by element
    chosen: tuple[int, int] | None  # max pooling: the winning cell within the window
    value: float  # what lands in the output cell


def output_size(size: int, kernel: int, stride: int, padding: int) -> int:
    """Positions along one axis: ⌊(size + 2·padding − kernel) / stride⌋ + 1."""
    return (size + 2 * padding - kernel) // stride + 1


def check(shape: tuple[int, int], kernel: int, stride: int, padding: int, mode: str) -> None:
    """Raise ExplainError, in one line, when these settings give no output."""
    if mode not in MODES:
        raise ExplainError(f"mode: unknown {mode!r} (known: {', '.join(MODES)})")
    if kernel < 1 or stride < 1 or padding < 0:
        raise ExplainError("kernel and stride must be at least 1, padding at least 0")
    if mode != CONVOLUTION and 2 * padding > kernel:
        raise ExplainError(f"padding {padding}: pooling allows at most half the window "
                           f"({kernel // 2} for a {kernel}×{kernel} window)")
    height, width = shape
    if min(height, width) + 2 * padding < kernel:
        raise ExplainError(f"the {kernel}×{kernel} window is larger than the padded input "
                           f"({height + 2 * padding}×{width + 2 * padding}); add padding or shrink the window")


def padded(grid: np.ndarray, padding: int, fill: float = 0.0) -> np.ndarray:
    return np.pad(np.asarray(grid, np.float64), padding, constant_values=fill)


def out_shape(shape: tuple[int, int], kernel: int, stride: int, padding: int) -> tuple[int, int]:
    return output_size(shape[0], kernel, stride, padding), output_size(shape[1], kernel, stride, padding)


def convolution_steps(grid: np.ndarray, kernel: np.ndarray, stride: int = 1, padding: int = 0,
                      bias: float = 0.0) -> list[WindowStep]:
    """Every output position of a cross-correlation, in reading order."""
    kernel = np.asarray(kernel, np.float64)
    if kernel.ndim != 2 or kernel.shape[0] != kernel.shape[1]:
        raise ExplainError(f"kernel: must be square, not {kernel.shape}")
    size = kernel.shape[0]
    check(np.shape(grid), size, stride, padding, CONVOLUTION)
    source = padded(grid, padding)
    steps = []
    for r, c, top, left in _positions(np.shape(grid), size, stride, padding):
        window = source[top:top + size, left:left + size]
        products = window * kernel
        steps.append(WindowStep(r, c, top, left, window, products, None, float(products.sum() + bias)))
    return steps


def pooling_steps(grid: np.ndarray, size: int, stride: int | None = None, padding: int = 0,
                  mode: str = MAX_POOL) -> list[WindowStep]:
    """Every output position of max or average pooling (stride defaults to the window, as in torch)."""
    stride = size if stride is None else stride
    check(np.shape(grid), size, stride, padding, mode)
    source = padded(grid, padding, -np.inf if mode == MAX_POOL else 0.0)
    steps = []
    for r, c, top, left in _positions(np.shape(grid), size, stride, padding):
        window = source[top:top + size, left:left + size]
        if mode == MAX_POOL:
            # First maximum in reading order: the cell torch's max_pool2d returns as its index.
            chosen = np.unravel_index(int(np.argmax(window)), window.shape)
            steps.append(WindowStep(r, c, top, left, window, None, (int(chosen[0]), int(chosen[1])),
                                    float(window[chosen])))
        else:
            steps.append(WindowStep(r, c, top, left, window, None, None, float(window.mean())))
    return steps


def steps_for(mode: str, grid: np.ndarray, kernel: np.ndarray | int, stride: int, padding: int,
              bias: float = 0.0) -> list[WindowStep]:
    """Convolution with ``kernel`` (an array), or pooling with a ``kernel``×``kernel`` window."""
    if mode == CONVOLUTION:
        return convolution_steps(grid, np.asarray(kernel), stride, padding, bias)
    return pooling_steps(grid, int(kernel), stride, padding, mode)


def assemble(steps: list[WindowStep], shape: tuple[int, int], upto: int | None = None) -> np.ndarray:
    """The output grid; with ``upto``, only the first ``upto`` positions (the rest NaN: not yet computed)."""
    out = np.full(shape, np.nan)
    for step in steps[:len(steps) if upto is None else upto]:
        out[step.out_row, step.out_col] = step.value
    return out


def _positions(shape: tuple[int, int], size: int, stride: int, padding: int):
    rows, cols = out_shape(shape, size, stride, padding)
    for r in range(rows):
        for c in range(cols):
            yield r, c, r * stride, c * stride


# --- words ------------------------------------------------------------------------

def number(value: float) -> str:
    """Short and exact where it can be: 1, 0.5, −0.31 (negatives in brackets inside sums)."""
    if not np.isfinite(value):
        return "−∞" if value < 0 else "∞"
    if float(value).is_integer() and abs(value) < 1e6:
        text = str(int(value))
    else:
        text = f"{value:.2f}".rstrip("0").rstrip(".") if abs(value) >= 0.01 else f"{value:.2g}"
    return text.replace("-", "−")


def _term(value: float) -> str:
    text = number(value)
    return f"({text})" if text.startswith("−") else text


def equation(step: WindowStep, mode: str, kernel: np.ndarray | None = None, bias: float = 0.0) -> str:
    """The arithmetic of one position, e.g. ``1·1 + 0·0 + … = 4`` or ``max(1, 2, 3, 0) = 3``."""
    values = step.window.ravel()
    if mode == CONVOLUTION:
        weights = np.asarray(kernel, np.float64).ravel()
        terms = " + ".join(f"{_term(x)}·{_term(w)}" for x, w in zip(values, weights, strict=True))
        if bias:
            terms += f" + bias {_term(bias)}"
        return f"{terms} = {number(step.value)}"
    listed = ", ".join(number(v) for v in values)
    if mode == MAX_POOL:
        return f"max({listed}) = {number(step.value)}"
    return f"({' + '.join(_term(v) for v in values)}) / {len(values)} = {number(step.value)}"
