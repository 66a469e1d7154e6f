"""Measurements behind the claims that are not a training run's final metric:
the worked examples of C1 and C5, filter structure (C4), hidden-state class
separation (C7), time per batch against sequence length (C12), and what a
character model predicts and generates (C13, C14).

Each function is small, deterministic for its inputs and headless;
``bench/claims.py`` strings them together with the presets' runs.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from engine import datasets
from engine.datasets.base import DataInfo
from engine.modules import Recurrent, Stack
from engine.shapes import build_model
from engine.spec import Experiment, ModelSpec
from engine.weights_file import numpy_to_state, state_to_numpy

# The worked examples of CLAIMS.md.
C1_KERNEL = ((1, 0, 0), (1, 1, 0), (1, 1, 1))
C1_PATCH = ((1, 0, 1), (0, 1, 0), (1, 0, 1))
C5_WINDOW = ((1, 2), (3, 0))


# ---------------------------------------------------------------- C1, C5: the explainer's arithmetic


def sliding_dot(grid: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """What the explainer does: put the kernel on every position of the grid
    and sum the element-wise product (no flip: cross-correlation)."""
    kh, kw = kernel.shape
    out = np.empty((grid.shape[0] - kh + 1, grid.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = float((grid[i:i + kh, j:j + kw] * kernel).sum())
    return out


def sliding_max(grid: np.ndarray, size: int) -> np.ndarray:
    """Max pooling by hand: the largest value of each non-overlapping window."""
    h, w = grid.shape[0] // size, grid.shape[1] // size
    return np.array([[grid[i * size:(i + 1) * size, j * size:(j + 1) * size].max() for j in range(w)]
                     for i in range(h)])


def _torch_2d(a: np.ndarray) -> torch.Tensor:
    return torch.tensor(a, dtype=torch.float64)[None, None]


@dataclass(frozen=True)
class ConvCheck:
    worked_example: float  # the sliding dot product on C1_PATCH
    conv2d: float  # torch's conv2d on the same patch
    max_difference: float  # hand vs conv2d on a random grid
    # The textbook convolution flips the kernel; deep learning's does not. On
    # the worked example (a patch symmetric under the flip) both give 4; on
    # the random grid they differ by this much.
    flip_difference: float


def conv_check(seed: int = 0) -> ConvCheck:
    kernel, patch = np.array(C1_KERNEL, float), np.array(C1_PATCH, float)
    rng = np.random.default_rng(seed)
    grid, k = rng.normal(size=(7, 7)), rng.normal(size=(3, 3))
    by_hand = sliding_dot(grid, k)
    by_torch = F.conv2d(_torch_2d(grid), _torch_2d(k))[0, 0].numpy()
    flipped = sliding_dot(grid, k[::-1, ::-1])
    return ConvCheck(float(sliding_dot(patch, kernel)[0, 0]),
                     float(F.conv2d(_torch_2d(patch), _torch_2d(kernel))[0, 0, 0, 0]),
                     float(np.abs(by_hand - by_torch).max()), float(np.abs(flipped - by_torch).max()))


@dataclass(frozen=True)
class PoolCheck:
    worked_example: float  # the hand max of C5_WINDOW
    max_pool2d: float
    max_difference: float  # hand vs max_pool2d on a random grid


def pool_check(seed: int = 0) -> PoolCheck:
    window = np.array(C5_WINDOW, float)
    grid = np.random.default_rng(seed).normal(size=(6, 6))
    return PoolCheck(float(sliding_max(window, 2)[0, 0]), float(F.max_pool2d(_torch_2d(window), 2)[0, 0, 0, 0]),
                     float(np.abs(sliding_max(grid, 2) - F.max_pool2d(_torch_2d(grid), 2)[0, 0].numpy()).max()))


# ---------------------------------------------------------------- initial and trained models


def initial_weights(experiment: Experiment, info: DataInfo | None = None) -> dict[str, np.ndarray]:
    """The weights ``train()`` starts from (it seeds torch, then builds)."""
    info = info or datasets.describe(experiment.dataset)
    state = torch.random.get_rng_state()
    try:
        torch.manual_seed(experiment.training.seed)
        return state_to_numpy(build_model(experiment.model, info))
    finally:
        torch.random.set_rng_state(state)  # leave the caller's random stream alone


def model_with(experiment: Experiment, weights: Mapping[str, np.ndarray], info: DataInfo | None = None) -> Stack:
    """The experiment's model on the CPU holding ``weights``, in evaluation mode."""
    info = info or datasets.describe(experiment.dataset)
    # Built on the CPU, not meta + to_empty: to_empty imports sympy (~1 s, tens
    # of MB); fork_rng keeps the throwaway initialisation off the caller's stream.
    with torch.random.fork_rng(devices=[]):
        model = build_model(experiment.model, info)
    model.load_state_dict(numpy_to_state(dict(weights)))
    return model.eval()


# ---------------------------------------------------------------- C4: filter structure


def neighbour_correlation(filters: np.ndarray) -> float:
    """Mean correlation between horizontally and vertically adjacent weights
    of each filter ``(out, in, kh, kw)``: about 0 for random noise, positive
    for smooth strokes and edges (the weights change gradually across the
    filter). The first layer's filters are compared before and after
    training as a number for what the filter grid shows."""
    f = filters - filters.mean(axis=(2, 3), keepdims=True)
    pairs = [(f[..., :, :-1], f[..., :, 1:]), (f[..., :-1, :], f[..., 1:, :])]
    num = sum(float((a * b).sum()) for a, b in pairs)
    den = sum(float(np.sqrt((a * a).sum() * (b * b).sum())) for a, b in pairs)
    return num / den if den > 0 else 0.0


def relative_change(before: np.ndarray, after: np.ndarray) -> float:
    return float(np.linalg.norm(after - before) / max(np.linalg.norm(before), 1e-12))


# ---------------------------------------------------------------- C3: equivariance of the convolution


def shift_equivariance_error(experiment: Experiment, weights: Mapping[str, np.ndarray], x: torch.Tensor,
                             k: int) -> float:
    """How far conv(shift(x)) is from shift(conv(x)) for the first layer (a
    padded, stride-1 convolution), away from the borders the shift fills:
    relative error, 0 for an exactly equivariant map."""
    model = model_with(experiment, weights)
    conv = model.layers[0]
    with torch.no_grad():
        a = conv(torch.roll(x, k, dims=-1))
        b = torch.roll(conv(x), k, dims=-1)
    margin = k + conv.kernel_size[1]  # columns touched by the wrap-around or the zero padding
    a, b = a[..., margin:-margin], b[..., margin:-margin]
    return float((a - b).norm() / max(float(b.norm()), 1e-12))


# ---------------------------------------------------------------- C7: hidden-state separation


def final_hidden_states(model: Stack, x: torch.Tensor) -> torch.Tensor:
    """h_T of the first recurrent layer for every sequence in ``x``."""
    with torch.no_grad():
        for layer in model.layers:
            if isinstance(layer, Recurrent):
                _, state = layer.rnn(x)
                h = state[0] if isinstance(state, tuple) else state
                return h[-1]
            x = layer(x)
    raise ValueError("the model has no recurrent layer")


def centroid_accuracy(h: torch.Tensor, y: torch.Tensor) -> float:
    """Accuracy of 'the nearest class mean' on hidden states: how well the
    classes separate in the state space (fitted on the even samples, scored
    on the odd ones)."""
    h, y = h.double(), y.long()
    fit, test = slice(0, None, 2), slice(1, None, 2)
    classes = torch.unique(y[fit])
    centres = torch.stack([h[fit][y[fit] == c].mean(0) for c in classes])
    nearest = classes[torch.cdist(h[test], centres).argmin(1)]
    return float((nearest == y[test]).double().mean())


# ---------------------------------------------------------------- C12: cost against length


def time_per_batch(models: Mapping[str, ModelSpec], experiment: Experiment, lengths: Sequence[int], *,
                   batch: int = 64, repeats: int = 5, threads: int | None = 1,
                   device: str = "cpu") -> dict[str, dict[int, float]]:
    """Median seconds of one training step (forward, backward) on a batch of
    random inputs at each sequence length, per model (built from its spec on
    the experiment's data set at that length). The models' steps alternate,
    so load from other work on a shared machine hits them alike. On a GPU
    each step is synchronised before the clock is read (kernels run
    asynchronously)."""
    dev = torch.device(device)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    old = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        out: dict[str, dict[int, float]] = {name: {} for name in models}
        for length in lengths:
            info = datasets.describe(experiment.dataset.with_options(length=length))
            torch.manual_seed(0)
            built = {name: build_model(spec, info).to(dev) for name, spec in models.items()}
            x = torch.randn(batch, *info.input_shape, device=dev)
            times: dict[str, list[float]] = {name: [] for name in models}
            for i in range(repeats + 1):
                for name, model in built.items():
                    tick = time.perf_counter()
                    model.zero_grad(set_to_none=True)
                    model(x).square().mean().backward()
                    sync()
                    if i:  # the first step warms up allocations
                        times[name].append(time.perf_counter() - tick)
            for name in models:
                out[name][length] = float(np.median(times[name]))
        return out
    finally:
        torch.set_num_threads(old)


def slope(times: Mapping[int, float]) -> float:
    """Least-squares seconds per extra step of length."""
    x, y = np.array(list(times), float), np.array(list(times.values()), float)
    return float(np.polyfit(x, y, 1)[0])


# ---------------------------------------------------------------- C13, C14: a character model


def encode(text: str, vocab: str) -> torch.Tensor:
    missing = sorted(set(text) - set(vocab))
    if missing:
        raise ValueError(f"characters not in the vocabulary: {''.join(missing)!r}")
    return torch.tensor([vocab.index(ch) for ch in text], dtype=torch.long)


def next_char_probabilities(model: Stack, prefix: str, vocab: str) -> np.ndarray:
    """The model's distribution over the character after ``prefix``."""
    with torch.no_grad():
        out = model(encode(prefix, vocab)[None])
    return torch.softmax(out[0, -1].double(), -1).numpy()


def last_hidden(model: Stack, prefix: str, vocab: str) -> np.ndarray:
    return final_hidden_states(model, _embedded(model, encode(prefix, vocab)[None]))[0].numpy()


def _embedded(model: Stack, ids: torch.Tensor) -> torch.Tensor:
    """Token ids through the layers before the first recurrent one."""
    x = ids
    with torch.no_grad():
        for layer in model.layers:
            if isinstance(layer, Recurrent):
                return x
            x = layer(x)
    return x


def generate(model: Stack, seed_text: str, vocab: str, n: int, *, temperature: float = 0.7,
             seed: int = 0) -> str:
    """Sample ``n`` characters after ``seed_text`` (one-to-many: each sampled
    character is fed back as the next input; engine/generation.py)."""
    from engine.generation import generate_text

    return generate_text(model, seed_text, vocab, n, temperature=temperature, seed=seed)


def real_word_share(sample: str, corpus: str) -> float:
    from engine.generation import real_word_share as share

    return share(sample, corpus)


def total_variation(p: np.ndarray, q: np.ndarray) -> float:
    return float(0.5 * np.abs(p - q).sum())


# ---------------------------------------------------------------- C14: how much context a model uses

CONTEXT_LENGTHS = (1, 2, 4, 8, 16, 32, 64)
# Two next-character distributions this close (total variation) count as the
# same prediction: the model, given only the last k characters, predicts as
# it does with the whole text before them.
CONTEXT_TOLERANCE = 0.05


@dataclass(frozen=True)
class ContextCurve:
    """What a character model makes of shorter contexts, on held-out text:
    at the last position of each validation window, its prediction from the
    last k characters alone (read from a fresh state) against its prediction
    from the whole window."""

    lengths: tuple[int, ...]
    distance: tuple[float, ...]  # mean total variation from the whole window's prediction
    loss: tuple[float, ...]  # mean cross-entropy of the true next character
    full_loss: float
    window: int  # characters in the whole window
    samples: int

    @property
    def used(self) -> int | None:
        """The context the model uses: the shortest tail whose predictions are
        within CONTEXT_TOLERANCE of the whole window's (None: longer than
        every length tried)."""
        return next((k for k, d in zip(self.lengths, self.distance, strict=True) if d <= CONTEXT_TOLERANCE), None)


def context_curve(model: Stack, x: torch.Tensor, y: torch.Tensor, *, samples: int = 256,
                  lengths: Sequence[int] = CONTEXT_LENGTHS) -> ContextCurve:
    """``x``, ``y``: token windows ``(N, T)`` of held-out text and their next
    characters (a text data set's validation split)."""
    x, y = x[:samples], y[:samples, -1]
    window = int(x.shape[1])
    lengths = tuple(k for k in lengths if k < window)
    with torch.no_grad():
        full = torch.log_softmax(model(x)[:, -1].double(), -1)
        dist, loss = [], []
        for k in lengths:
            part = torch.log_softmax(model(x[:, window - k:])[:, -1].double(), -1)
            dist.append(float(0.5 * (part.exp() - full.exp()).abs().sum(-1).mean()))
            loss.append(float(-part.gather(1, y[:, None]).mean()))
        full_loss = float(-full.gather(1, y[:, None]).mean())
    return ContextCurve(lengths, tuple(dist), tuple(loss), full_loss, window, int(x.shape[0]))


@dataclass(frozen=True)
class PrefixComparison:
    """Two prefixes a user typed: how many last characters they share and how
    far apart the model's next-character distributions are."""

    a: str
    b: str
    shared_tail: int
    distance: float  # total variation between the two distributions
    p_a: np.ndarray
    p_b: np.ndarray

    def sentence(self, vocab: str, used: int | None) -> str:
        """What the comparison shows, in one or two sentences."""
        top = [vocab[int(np.argmax(p))] for p in (self.p_a, self.p_b)]
        tail = (f"The last {self.shared_tail} character{'s are' if self.shared_tail != 1 else ' is'} the same"
                if self.shared_tail else "The prefixes end differently")
        differ = f"the predictions differ by {self.distance:.2f} (total variation; top {top[0]!r} vs {top[1]!r})"
        if not self.shared_tail:
            return f"{tail}; {differ}."
        if used is not None and self.shared_tail >= used:
            return (f"{tail}, as long as or longer than the ~{used} characters this model uses: it can hardly tell "
                    f"them apart ({differ}).")
        if self.distance > CONTEXT_TOLERANCE:
            return f"{tail}; {differ}: the context before them changed the prediction."
        return f"{tail}; {differ}: the earlier context made little difference here."


def compare_prefixes(model: Stack, a: str, b: str, vocab: str) -> PrefixComparison:
    pa, pb = (next_char_probabilities(model, s, vocab) for s in (a, b))
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    return PrefixComparison(a, b, n, total_variation(pa, pb), pa, pb)
