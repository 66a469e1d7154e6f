"""Tests of a trained model (Train ▸ Test the Trained Model, and the claims
bench): change its validation inputs in one way and report the metric
before and after. ("Probes", in engine/probes.py, are what a run records
while it trains; these run after it.)

Each test turns a claim into a number a person can judge:

- ``shift`` (C3): the images moved k pixels sideways, zero fill;
- ``permute_pixels`` (C10): the data set's fixed pixel permutation applied
  to a model trained on ordered pixels;
- ``shuffle_steps`` (C10): the same for the time steps of sequences, and
  for the frames of video clips;
- ``new_size`` (C6): images half as large again — generated shapes drawn at
  the new size, other images scaled up — or sequences generated at another
  length. (A border of zeros would not do: it cannot change what a globally
  pooled net answers, so it would test nothing.) A model whose trained weights cannot take that size
  (Flatten + Linear) gives a readable refusal instead of a number.

Everything runs on the CPU with the weights given (a numpy state dict, as
``Finished.weights`` or ``engine.weights_file.load_weights`` give it); the
model is built on the CPU inside ``fork_rng`` and filled from them, so the
global torch RNG is left alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

import numpy as np
import torch

from engine import datasets
from engine.datasets import transforms as tf
from engine.datasets.base import CLASSIFICATION, IMAGE, SEQUENCE, TOKENS, VIDEO, DataBundle, DataInfo
from engine.errors import PlaygroundError
from engine.modules import Stack
from engine.shapes import build_model, infer
from engine.spec import Experiment
from engine.training import Objective, evaluate
from engine.tree_structure import ExpressionError
from engine.weights_file import check_weights, describe_parameter, expected_state, numpy_to_state, shape_text


@dataclass(frozen=True)
class ModelTest:
    key: str
    title: str
    claim: str
    help: str  # one sentence for a tooltip


MODEL_TESTS: dict[str, ModelTest] = {a.key: a for a in (
    ModelTest("shift", "Shift test", "C3",
                "Move every validation image a few pixels sideways (zero fill) and measure again."),
    ModelTest("permute_pixels", "Pixel permutation", "C10",
                "Scramble the pixels of every validation image with one fixed permutation."),
    ModelTest("shuffle_steps", "Time-step shuffle", "C10",
                "Reorder the time steps of every validation sequence (the frames of every clip) with one "
                "fixed permutation."),
    ModelTest("new_size", "Different input size", "C6",
                "Feed the trained model larger inputs: images drawn (shapes) or scaled (others) half as large "
                "again, or sequences twice as long."),
)}


@dataclass(frozen=True)
class ModelTestResult:
    action: str  # MODEL_TESTS key
    name: str  # what was done, e.g. "Shift test, 2 px right"
    claim: str
    metric: str  # "accuracy" | "mse"
    before: float
    after: float | None  # None when the model refused the changed input
    note: str  # one line in plain words: what happened and what it means
    refusal: str | None = None  # the readable reason, when ``after`` is None


def applicable_tests(experiment: Experiment) -> tuple[ModelTest, ...]:
    """The actions that make sense for this experiment's data, in display order."""
    try:
        info = datasets.describe(experiment.dataset)
    except PlaygroundError:
        return ()
    options = experiment.dataset.options
    keys = []
    if info.input_kind == IMAGE:
        keys.append("shift")
    if options.get("permute_pixels") is False:  # image data, trained on ordered pixels
        keys.append("permute_pixels")
    if info.input_kind in (SEQUENCE, TOKENS, VIDEO) and not options.get("shuffle_steps", False):
        keys.append("shuffle_steps")
    if info.input_kind == IMAGE or "length" in options:
        keys.append("new_size")
    return tuple(MODEL_TESTS[k] for k in keys)


def run_model_tests(experiment: Experiment, weights: Mapping[str, np.ndarray], keys: Iterable[str] | None = None,
                bundle: DataBundle | None = None) -> list[ModelTestResult]:
    """Run the given actions (default: every applicable one); one result per
    variant (the shift test gives one per distance). Raises PlaygroundError
    when the weights do not fit the experiment or an action does not apply."""
    applicable = {a.key for a in applicable_tests(experiment)}
    chosen = list(keys) if keys is not None else [k for k in MODEL_TESTS if k in applicable]
    for key in chosen:
        if key not in applicable:
            title = MODEL_TESTS[key].title if key in MODEL_TESTS else repr(key)
            raise PlaygroundError(f"test {title}: {_why_not(key, experiment)}")
    trained = TrainedModel(experiment, weights, bundle)
    results: list[ModelTestResult] = []
    for key in chosen:
        results.extend(_RUNNERS[key](trained))
    return results


# Why a test does not apply to video clips: each changes single images or a sequence length.
_NOT_FOR_CLIPS = {
    "shift": "does not apply to video clips: it moves single images, and moving every frame alike says "
             "nothing about the motion between them (the Time-step shuffle reorders the frames)",
    "permute_pixels": "does not apply to video clips: they have no pixel permutation option",
    "new_size": "does not apply to video clips: the clips data set is not generated again at another size "
                "here (change its size or frames option and train again)",
}


def _why_not(key: str, experiment: Experiment) -> str:
    try:
        video = datasets.describe(experiment.dataset).input_kind == VIDEO
    except PlaygroundError:
        video = False
    if video and key in _NOT_FOR_CLIPS:
        return _NOT_FOR_CLIPS[key]
    return "does not apply to this experiment's data"


class TrainedModel:
    """The experiment's model on the CPU with the given weights, its data, and
    its metric on the unchanged validation set (the "before" of every action)."""

    def __init__(self, experiment: Experiment, weights: Mapping[str, np.ndarray],
                 bundle: DataBundle | None = None) -> None:
        self.experiment = experiment
        self.bundle = bundle or datasets.load(experiment.dataset, experiment.training.seed)
        self.info = self.bundle.info
        check_weights(weights, experiment, "the trained weights", self.info)
        self.weights = dict(weights)
        self.objective = Objective(self.info.task == CLASSIFICATION)
        self.metric = "accuracy" if self.objective.classification else "mse"
        self.model = self.build(self.info)
        self.before = self.score(self.bundle.x_val, self.bundle.y_val)

    def build(self, info: DataInfo) -> Stack:
        """The model for inputs described by ``info``, holding the trained weights
        (the caller has checked that they fit)."""
        with torch.random.fork_rng(devices=[]):  # not meta + to_empty: that imports sympy
            model = build_model(self.experiment.model, info)
        model.load_state_dict(numpy_to_state(self.weights))
        return model.eval()

    def score(self, x: torch.Tensor, y: torch.Tensor, model: Stack | None = None) -> float:
        return evaluate(model or self.model, x, y, self.objective)[1]

    def result(self, action: str, name: str, after: float | None, note: str,
               refusal: str | None = None) -> ModelTestResult:
        return ModelTestResult(action, name, MODEL_TESTS[action].claim, self.metric, self.before, after, note, refusal)

    def change(self, after: float) -> str:
        """``accuracy 0.97 → 0.41, fell close to chance (0.25)`` and similar."""
        before, base = self.before, self.info.baseline
        text = f"{self.metric} {before:.3g} → {after:.3g}"
        if self.objective.classification:
            if base is None or before - base < 0.05:  # the model never learned much: no verdict
                return f"{text} (the model is near chance even before)"
            kept = (after - base) / (before - base)
            verdict = ("kept most of it" if kept >= 0.8 else
                       f"fell close to chance ({base:.2g})" if kept <= 0.3 else "lost part of it")
            return f"{text}, {verdict}"
        if before <= 0:
            return text
        ratio = after / before
        verdict = ("about the same error" if ratio <= 1.25 else
                   f"the error grew {ratio:.1f}-fold" + (f", worse than always guessing ({base:.2g})"
                                                         if base is not None and after >= base else ""))
        return f"{text}, {verdict}"

    def held_up(self, after: float) -> bool:
        """Whether the metric survived the change (the note's second half depends on it)."""
        base = self.info.baseline
        if self.objective.classification:
            if base is None or self.before - base < 0.05:
                return True
            return (after - base) / (self.before - base) >= 0.8
        return after <= 1.25 * self.before


# ---------------------------------------------------------------- the actions


def shift_images(x: torch.Tensor, k: int) -> torch.Tensor:
    """Move images ``(N, C, H, W)`` k pixels right (k > 0) or left (k < 0),
    filling the uncovered columns with zeros."""
    out = torch.zeros_like(x)
    if k > 0:
        out[..., k:] = x[..., :-k]
    elif k < 0:
        out[..., :k] = x[..., -k:]
    else:
        out.copy_(x)
    return out


def shift_distances(width: int) -> tuple[int, ...]:
    """A few distances, from a small nudge to half the image."""
    return tuple(sorted({max(1, width // 8), max(1, width // 4), max(1, width // 2)}))


def _shift(m: TrainedModel) -> list[ModelTestResult]:
    x, y = m.bundle.x_val, m.bundle.y_val
    # Validation shapes that already sit on the right move left, into the half
    # a left-trained model has seen least; everything else moves right.
    sign = -1 if m.experiment.dataset.options.get("position") in ("right", "train_left_val_right") else 1
    way = "left" if sign < 0 else "right"
    # Shapes kept to one half never reach the edge they move towards; other
    # images may be pushed partly out of the frame, which the note admits.
    contained = m.experiment.dataset.options.get("position") in ("left", "right", "train_left_val_right")
    cropped = "" if contained else ", or the pattern was pushed out of the frame"
    results = []
    for k in shift_distances(x.shape[-1]):
        after = m.score(shift_images(x, sign * k), y)
        why = ("the model finds the pattern wherever it is" if m.held_up(after) else
               f"what it learned is tied to positions{cropped} (global pooling after convolutions gives invariance)")
        results.append(m.result("shift", f"Shift test, {k} px {way}", after,
                                f"images moved {k} px {way}: {m.change(after)}; {why}"))
    return results


def _permute_pixels(m: TrainedModel) -> list[ModelTestResult]:
    x = m.bundle.x_val.numpy()
    seed = m.experiment.training.seed
    if x.ndim == 3:  # digits read as sequences of rows: permute the underlying image
        permuted = tf.permute_pixels(x[:, None], seed)[:, 0]
    else:
        permuted = tf.permute_pixels(x, seed)
    after = m.score(torch.from_numpy(np.ascontiguousarray(permuted)), m.bundle.y_val)
    note = (f"pixels scrambled by one fixed permutation: {m.change(after)}; a model trained on ordered pixels "
            "expects them in place (an MLP too); to compare fairly, train with permute_pixels on")
    return [m.result("permute_pixels", "Pixel permutation", after, note)]


def _shuffle_steps(m: TrainedModel) -> list[ModelTestResult]:
    x, y = m.bundle.x_val.numpy(), m.bundle.y_val.numpy()
    seed, length = m.experiment.training.seed, x.shape[1]
    if m.info.per_step:  # each step keeps its own target: only the order changes
        x, y = tf.shuffle_steps((x, y), length, seed)
    else:
        (x,) = tf.shuffle_steps((x,), length, seed)
    try:
        after = m.score(torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(np.ascontiguousarray(y)))
    except ExpressionError:  # a TreeRNN reads its structure from the order: shuffled, there is none
        refusal = ("the reordered tokens are no longer an expression, so the tree net cannot read them: "
                   "its structure comes from the order")
        return [m.result("shuffle_steps", "Time-step shuffle", None, f"refused: {refusal}", refusal)]
    why = "this model hardly uses the order" if m.held_up(after) else "the order of the steps matters to this model"
    note = f"time steps reordered by one fixed permutation: {m.change(after)}; {why}"
    return [m.result("shuffle_steps", "Time-step shuffle", after, note)]


def _new_size(m: TrainedModel) -> list[ModelTestResult]:
    if m.info.input_kind == IMAGE:
        _, h, w = m.info.input_shape
        nh, nw = h + max(1, h // 2), w + max(1, w // 2)  # half as large again
        name = f"Input size {h}×{w} → {nh}×{nw}"
        if m.experiment.dataset.name == "shapes" and nh == nw:  # drawn again at the new size
            what = f"{nh}×{nw} images (the shapes drawn at the larger size)"
            data, new_info = _regenerate(m, size=nh)
        else:
            what = f"{nh}×{nw} images (the {h}×{w} ones scaled up smoothly)"
            x = torch.nn.functional.interpolate(m.bundle.x_val, size=(nh, nw), mode="bilinear", align_corners=False)
            new_info = _with_shape(m.info, (m.info.input_shape[0], nh, nw))
            data = (x, m.bundle.y_val)
    else:
        length = m.experiment.dataset.options["length"]
        new = length * 2 if length * 2 <= 1000 else length // 2  # 1000 is the length option's maximum
        what = f"sequences of length {new} (trained on {length})"
        name = f"Sequence length {length} → {new}"
        data, new_info = _regenerate(m, length=new)
    refusal = data if isinstance(data, str) else _refusal(m, new_info, what.split(" (")[0])
    if refusal is not None:
        return [m.result("new_size", name, None, f"refused {what}: {refusal}", refusal)]
    model = m.build(new_info)
    after = m.score(*data, model=model)
    size = "size" if m.info.input_kind == IMAGE else "length"
    # Taking the size and keeping the accuracy at it are two things: say which held.
    outcome = (f"the model takes any {size}" if m.held_up(after) else
               f"the model takes the new {size} (nothing in it is tied to the {size}), but what it learned "
               f"does not carry over to it")
    return [m.result("new_size", name, after, f"{what}: {m.change(after)}; {outcome}")]


def _regenerate(m: TrainedModel, **option: int) -> tuple[tuple[torch.Tensor, torch.Tensor] | str, DataInfo]:
    """The validation split of the same data set generated with another
    length or size, or the reason it cannot be generated."""
    spec = m.experiment.dataset.with_options(**option)
    try:
        bundle = datasets.load(spec, m.experiment.training.seed)
    except PlaygroundError as exc:
        (key, value), = option.items()
        return f"the data set cannot be made at {key} {value} ({exc})", m.info
    return (bundle.x_val, bundle.y_val), bundle.info


def _with_shape(info: DataInfo, shape: tuple[int, ...]) -> DataInfo:
    return replace(info, input_shape=shape)


def _refusal(m: TrainedModel, info: DataInfo, inputs: str) -> str | None:
    """Why the trained model cannot take ``inputs`` (described by ``info``), or
    None if it can: the stack does not build for them (shape inference says
    where), or a layer would need weights of another shape."""
    summary = infer(m.experiment.model, info)
    if summary.error is not None:
        return str(summary.error)
    for name, (shape, _) in expected_state(m.experiment, info).items():
        trained = tuple(np.shape(m.weights[name]))
        if trained == shape:
            continue
        index = int(name.split(".")[1])
        layers = [layer.type for layer in m.experiment.model.layers[:index]]
        if "Flatten" in layers:
            why = ("after Flatten the number of features grows with the input, so a fixed-size Linear cannot "
                   "take it; end the convolutions with global pooling to take any size")
        elif "ToSequence" in layers:
            why = "the features per step come from the image width, which changed"
        else:
            why = "its weights were trained for the original input size"
        return (f"{describe_parameter(name, m.experiment)} was trained as {shape_text(trained)}, "
                f"{inputs} would need {shape_text(shape)}: {why}")
    return None


_RUNNERS = {"shift": _shift, "permute_pixels": _permute_pixels, "shuffle_steps": _shuffle_steps,
            "new_size": _new_size}
