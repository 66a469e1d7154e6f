"""The lab's one shared input: a sample every column is fed at once, and the
edits a person makes to it (shift, permute, shuffle, occlude, shorten).

A lab's columns may read the same data in different forms: the digits CNN
takes a 1×8×8 image, the row-by-row GRU the same digit as 8 steps of 8
pixels; "permuted pixels" and "shuffled steps" columns see it through their
data set's fixed permutation (engine.datasets.transforms, seeded by the
run's seed). So the shared input is kept in a *plain* form — the first
column's data set with those options off, an image as (C, H, W) — and each
column gets it through ``adapt``, exactly as its own data set would have
given it. A column whose data is another data set (or another kind of
input) gets no input and a sentence saying why.

No Qt and no torch: numpy in, numpy out, so it is tested headless.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from engine.datasets import transforms as tf
from engine.spec import DatasetSpec, Experiment

# Data-set options that change only the form a sample takes, not which
# sample it is: the plain form has them off, ``adapt`` turns them back on.
FORM_OPTIONS = ("as_sequence", "permute_pixels", "shuffle_steps")
# Options a column may differ in and still take the shared input (a recurrent
# or globally pooled model takes another length; others refuse with a message).
LOOSE_OPTIONS = ("length", "n_samples", "val_fraction")
EDIT_SEED = 7  # the permutation the "permute" and "shuffle" edits apply (not any run's)


def plain_spec(spec: DatasetSpec) -> DatasetSpec:
    """``spec`` with the form options off: where the shared samples come from."""
    options = dict(spec.options)
    for name in FORM_OPTIONS:
        if name in options:
            options[name] = False
    return replace(spec, options=options)


def fits(source: DatasetSpec, column: DatasetSpec) -> str | None:
    """None when a sample of ``source`` (plain) can be given to a column that
    trains on ``column``, else the reason, as a sentence."""
    if source.name != column.name:
        return f"the shared input is a “{source.name}” sample; this column trains on “{column.name}”"
    for key in sorted(set(source.options) | set(column.options)):
        if key in FORM_OPTIONS or key in LOOSE_OPTIONS:
            continue
        if source.options.get(key) != column.options.get(key):
            return (f"this column's data set differs in {key} ({column.options.get(key)!r} against "
                    f"{source.options.get(key)!r}): the shared input is not one of its samples")
    return None


def adapt(x: np.ndarray, experiment: Experiment) -> np.ndarray:
    """The plain sample ``x`` as ``experiment``'s data set would give it."""
    options = experiment.dataset.options
    seed = experiment.training.seed
    x = np.asarray(x, np.float32) if np.issubdtype(np.asarray(x).dtype, np.floating) else np.asarray(x)
    if x.ndim == 3:  # an image (C, H, W)
        if options.get("permute_pixels"):
            x = tf.permute_pixels(x[None], seed)[0]
        if options.get("as_sequence"):
            x = x[0]  # (H, W): time = row, the row's pixels its features
        return x
    if options.get("shuffle_steps"):
        length = len(x)
        x = x[tf.fixed_permutation(length, seed)] if length == options.get("length", length) else x
    return x


def adapt_target(y: np.ndarray, experiment: Experiment) -> np.ndarray:
    """Per-step targets follow their steps when a column shuffles them."""
    y = np.asarray(y)
    options = experiment.dataset.options
    if y.ndim >= 1 and options.get("shuffle_steps") and len(y) == options.get("length", len(y)):
        return y[tf.fixed_permutation(len(y), experiment.training.seed)]
    return y


# --- edits -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Edits:
    """What the user did to the picked sample; all off is the sample itself."""

    shift_x: int = 0  # images: columns right; sequences: steps later
    shift_y: int = 0  # images: rows down
    permute: bool = False  # images: pixels; sequences: steps (a fixed permutation)
    occlude: bool = False  # blank a square (images) or a span of steps (sequences)
    occlude_at: float = 0.5  # where the blank sits, 0–1 across the image (vertically centred) or along the sequence
    occlude_size: float = 0.25  # its side (or span) as a share of the image (or sequence)
    length: int | None = None  # sequences: keep this many steps (None: all)

    @property
    def any(self) -> bool:
        return self != Edits()

    def describe(self, image: bool) -> str:
        """A short line: "shifted 2 right, 1 down · occluded" or "as sampled"."""
        parts = []
        if self.shift_x or self.shift_y:
            if image:
                moves = [f"{abs(self.shift_x)} {'right' if self.shift_x > 0 else 'left'}"] if self.shift_x else []
                moves += [f"{abs(self.shift_y)} {'down' if self.shift_y > 0 else 'up'}"] if self.shift_y else []
                parts.append("shifted " + ", ".join(moves))
            else:
                n = abs(self.shift_x)
                parts.append(f"shifted {n} step{'s' if n != 1 else ''} {'later' if self.shift_x > 0 else 'earlier'}")
        if self.permute:
            parts.append("pixels permuted" if image else "steps shuffled")
        if self.occlude:
            parts.append("part blanked")
        if self.length is not None and not image:
            parts.append(f"{self.length} steps")
        return " · ".join(parts) or "as sampled"


def apply_edits(x: np.ndarray, edits: Edits) -> np.ndarray:
    """The edited copy of a plain sample (an image (C, H, W) or a sequence
    (T, F) or token ids (T,)); ``x`` itself is left alone."""
    x = np.array(x, copy=True)
    image = x.ndim == 3
    if image:
        x = _shift(x, edits.shift_y, axis=1)
        x = _shift(x, edits.shift_x, axis=2)
        if edits.permute:
            x = tf.permute_pixels(x[None], EDIT_SEED)[0]
        if edits.occlude:
            h, w = x.shape[1:]
            side_h, side_w = max(1, round(h * edits.occlude_size)), max(1, round(w * edits.occlude_size))
            top = min(h - side_h, round((h - side_h) * 0.5))
            left = min(w - side_w, round((w - side_w) * edits.occlude_at))
            x[:, top:top + side_h, left:left + side_w] = 0
        return x
    x = _shift(x, edits.shift_x, axis=0)
    if edits.permute:
        x = x[tf.fixed_permutation(len(x), EDIT_SEED)]
    if edits.occlude:
        span = max(1, round(len(x) * edits.occlude_size))
        start = min(len(x) - span, round((len(x) - span) * edits.occlude_at))
        x[start:start + span] = 0
    if edits.length is not None:
        length = max(1, int(edits.length))
        if length <= len(x):
            x = x[:length]
        else:  # longer: padded with zeros, "nothing" in a one-hot or a signal
            pad = np.zeros((length - len(x), *x.shape[1:]), x.dtype)
            x = np.concatenate([x, pad])
    return x


def _shift(x: np.ndarray, by: int, axis: int) -> np.ndarray:
    """Move the content ``by`` places along ``axis``, filling with zeros (not
    a roll: what leaves one side does not come back on the other)."""
    if by == 0:
        return x
    out = np.zeros_like(x)
    n = x.shape[axis]
    if abs(by) >= n:
        return out
    src = [slice(None)] * x.ndim
    dst = [slice(None)] * x.ndim
    if by > 0:
        src[axis], dst[axis] = slice(0, n - by), slice(by, n)
    else:
        src[axis], dst[axis] = slice(-by, n), slice(0, n + by)
    out[tuple(dst)] = x[tuple(src)]
    return out


def edit_target(y: np.ndarray, edits: Edits) -> np.ndarray:
    """Per-step targets moved with their steps (a shift or shuffle of a
    sequence keeps each answer with its input); a label stays as it is."""
    y = np.array(y, copy=True)
    if y.ndim == 0:
        return y
    fill = -100 if np.issubdtype(y.dtype, np.integer) else 0
    if edits.shift_x:
        moved = np.full_like(y, fill)
        n, by = len(y), edits.shift_x
        if abs(by) < n:
            if by > 0:
                moved[by:] = y[:n - by]
            else:
                moved[:n + by] = y[-by:]
        y = moved
    if edits.permute:
        y = y[tf.fixed_permutation(len(y), EDIT_SEED)]
    if edits.length is not None:
        length = max(1, int(edits.length))
        y = y[:length] if length <= len(y) else np.concatenate([y, np.full((length - len(y), *y.shape[1:]), fill,
                                                                            y.dtype)])
    return y
