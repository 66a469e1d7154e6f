"""Drawing the convolution explainer's state: the four grids with their
marks, the step's equation, and the words under it (what this mode does,
why the output has its size, where the numbers came from)."""

from __future__ import annotations

import numpy as np

from engine.explain import convolution as cv
from gui.common import palette as pal
from gui.explain.grid_widget import fitting_levels

CROSS_CORRELATION = ("No kernel flip: deep-learning “convolution” is really cross-correlation — the kernel is laid "
                     "on the window as it is, not turned half a turn first as in mathematics (torch's conv2d does "
                     "the same).")
POOLING = {cv.MAX_POOL: "Max pooling has no weights: each window keeps its largest value (marked); padding cells "
                        "never win (torch pads with −∞).",
           cv.AVG_POOL: "Average pooling has no weights: each window keeps its mean — the same as a convolution "
                        "whose every weight is 1/k² (padding zeros count in the mean, as in torch)."}
WINDOW, CHOSEN, INPUT_FRAME, SELECTED = pal.HIGHLIGHT, pal.GREEN, pal.FRAME, pal.PURPLE


def size_sentence(shape: tuple[int, int], k: int, stride: int, padding: int) -> str:
    """Why the output has its size (C5: padding 'same' keeps it, downsampling shrinks it)."""
    n = shape[0]
    out = cv.output_size(n, k, stride, padding)
    text = f"Output size: ⌊({n} + 2·{padding} − {k}) / {stride}⌋ + 1 = {out}"
    if shape[1] != n:
        text += f" rows, {cv.output_size(shape[1], k, stride, padding)} columns"
    if out == n:
        return text + ": this padding keeps the size ('same')."
    if out < n and stride > 1:
        return text + f": stride {stride} downsamples — that, not the sliding itself, is what shrinks the map."
    return text + f": without enough padding the {k}×{k} window cannot centre on the border cells."


def draw(ex) -> None:
    """Show ``ex`` (a ConvolutionExplainer) as it now stands."""
    mode, padding, stride = ex.mode.currentData(), ex.padding.value(), ex.stride.value()
    k = len(ex.kernel) if mode == cv.CONVOLUTION else ex.size.value()
    is_conv = mode == cv.CONVOLUTION
    fill = np.nan if mode == cv.MAX_POOL else 0.0  # max pooling's padding is −∞: drawn empty
    source = cv.padded(ex.grid, padding, fill)
    ex.input_view.set_title(f"Input {ex.grid.shape[0]}×{ex.grid.shape[1]}"
                            + (f", padding {padding}" if padding else ""))
    ex.input_view.set_values(source, fitting_levels(ex.grid))
    ex.input_view.set_offset(padding)
    ex.input_view.set_mark("input", (padding, padding, *ex.grid.shape) if padding else None, INPUT_FRAME,
                           2.0, dashed=True)
    if is_conv:
        ex.kernel_view.set_title(f"Kernel {k}×{k}", "weight")  # a longer title widened the panel past its bar
        ex.kernel_view.set_values(ex.kernel)
    else:
        ex.kernel_view.set_title(f"{k}×{k}: " + ("no weights" if mode == cv.MAX_POOL else "all 1/k²"),
                                 "(none)" if mode == cv.MAX_POOL else "weight")
        ex.kernel_view.set_values(np.full((k, k), np.nan if mode == cv.MAX_POOL else 1.0 / (k * k)))
    selected = ex.selected
    for grid, view in (("input", ex.input_view), ("kernel", ex.kernel_view)):
        at = selected is not None and selected[0] == grid and (grid == "input" or is_conv)
        offset = padding if grid == "input" else 0
        view.set_mark("selected", (selected[1] + offset, selected[2] + offset, 1, 1) if at else None,
                      SELECTED, 2.0, dashed=True)

    if not ex.steps:
        ex.equation.setText(f"<span style='color:{pal.ERROR}'>{ex.problem}</span>")
        for view in (ex.products_view, ex.output_view):
            view.set_values(np.full((1, 1), np.nan))
        ex.input_view.set_mark("window", None)
        ex.products_view.set_mark("chosen", None)
        ex.output_view.set_mark("cell", None)
        ex.where.setText("no output")
        ex.explanation.setText(ex.note)
        _buttons(ex)
        return
    step = ex.steps[ex.position]
    ex.input_view.set_mark("window", (step.top, step.left, k, k), WINDOW)
    if is_conv:
        ex.products_view.set_title("Window × kernel", "product")
        ex.products_view.set_values(step.products, fitting_levels(np.concatenate([s.products.ravel()
                                                                                   for s in ex.steps])))
    else:
        ex.products_view.set_title("Window: its max" if mode == cv.MAX_POOL else "Window: its mean", "input value")
        ex.products_view.set_values(np.where(np.isfinite(step.window), step.window, np.nan), fitting_levels(ex.grid))
    ex.products_view.set_mark("chosen", (*step.chosen, 1, 1) if step.chosen else None, CHOSEN)
    shape = cv.out_shape(ex.grid.shape, k, stride, padding)
    ex.output_view.set_title(f"Output {shape[0]}×{shape[1]}")
    ex.output_view.set_values(cv.assemble(ex.steps, shape, ex.position + 1),
                              fitting_levels(np.array([s.value for s in ex.steps])))
    ex.output_view.set_mark("cell", (step.out_row, step.out_col, 1, 1), WINDOW)
    ex.output_view.set_mark("frame", (0, 0, *shape), INPUT_FRAME, 1.0)  # the cells still to come

    ex.equation.setText(f"Output row {step.out_row + 1}, column {step.out_col + 1}:  "
                        + cv.equation(step, mode, ex.kernel, ex.bias))
    words = [CROSS_CORRELATION if is_conv else POOLING[mode], size_sentence(ex.grid.shape, k, stride, padding)]
    if ex.note:
        words.append(ex.note)
    ex.explanation.setText("\n".join(words))
    ex.where.setText(f"Position {ex.position + 1} of {len(ex.steps)}")
    _buttons(ex)


def _buttons(ex) -> None:
    ex.back.setEnabled(ex.position > 0)
    ex.forward.setEnabled(ex.position < len(ex.steps) - 1)
