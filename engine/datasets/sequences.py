"""Generated sequence data sets: sine forecasting, the adding problem, copy
memory, a long-range dependency and a local motif.

All inputs are float32 ``(N, T, F)``; symbol sequences are one-hot.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from engine.datasets import transforms as tf
from engine.datasets.base import (
    CLASSIFICATION,
    IGNORE_INDEX,
    REGRESSION,
    SEQUENCE,
    DataBundle,
    DataInfo,
    DatasetKind,
)
from engine.errors import DataError, SpecError
from engine.params import CHOICE, FLOAT, INT, Param

# ---------------------------------------------------------------- sine

# Amplitudes ~ U(0.2, 1), 1-3 components averaged: the variance of the clean
# signal is E[A^2]/2 * E[1/k]; that is the MSE of always predicting the mean 0.
_A_LO, _A_HI = 0.2, 1.0
_SINE_VARIANCE = (_A_LO**2 + _A_LO * _A_HI + _A_HI**2) / 3 / 2 * (1 + 1 / 2 + 1 / 3) / 3


def _describe_sine(o: Mapping[str, Any]) -> DataInfo:
    return DataInfo(SEQUENCE, (o["length"], 1), REGRESSION, o["target"] == "every_step", 1,
                    baseline=_SINE_VARIANCE)


def _generate_sine(o: Mapping[str, Any], seed: int) -> DataBundle:
    rng = tf.data_rng(seed)
    n, t_len = o["n_samples"], o["length"]
    k = rng.integers(1, 4, n)
    amp = rng.uniform(_A_LO, _A_HI, (n, 3)) * (np.arange(3) < k[:, None])
    freq = rng.uniform(0.02, 0.15, (n, 3))  # cycles per step: 7 to 50 steps per period
    phase = rng.uniform(0.0, 2 * np.pi, (n, 3))
    t = np.arange(t_len + 1)
    waves = amp[:, :, None] * np.sin(2 * np.pi * freq[:, :, None] * t + phase[:, :, None])
    clean = waves.sum(1) / k[:, None]
    x = clean[:, :t_len] + o["noise"] * rng.standard_normal((n, t_len))
    # Targets are the noise-free signal: the network must see through the noise.
    y = clean[:, 1:, None] if o["target"] == "every_step" else clean[:, t_len:]
    x = x[:, :, None].astype(np.float32)
    return tf.finish_sequences(_describe_sine(o), x, y.astype(np.float32), o, seed)


SINE = DatasetKind(
    name="sine", title="Sine waves (forecasting)",
    help=("Each sequence is a noisy mix of one to three sine waves with random frequency, phase "
          "and amplitude. The network forecasts the clean signal: either the value just after "
          "the window (many-to-one) or, at every step, the value at the next step "
          "(many-to-many). The baseline is the error of always predicting the average, 0."),
    params=(
        tf.n_samples_param(2000), tf.length_param(50),
        Param("target", CHOICE, "next", "Predict the value after the window, or the next value "
              "at every step.", choices=("next", "every_step")),
        Param("noise", FLOAT, 0.05, "Standard deviation of the noise added to the inputs.",
              minimum=0.0, maximum=2.0),
        tf.SHUFFLE_STEPS, tf.VAL_FRACTION,
    ),
    describe=_describe_sine, generate=_generate_sine,
)

# ---------------------------------------------------------------- adding


def _describe_adding(o: Mapping[str, Any]) -> DataInfo:
    # The target is the sum of two U(0,1) values: variance 2/12 around its mean 1.
    return DataInfo(SEQUENCE, (o["length"], 2), REGRESSION, False, 1, baseline=1 / 6)


def _generate_adding(o: Mapping[str, Any], seed: int) -> DataBundle:
    rng = tf.data_rng(seed)
    n, t_len = o["n_samples"], o["length"]
    x = np.zeros((n, t_len, 2), dtype=np.float32)
    x[:, :, 0] = rng.random((n, t_len))
    rows = np.arange(n)
    first = rng.integers(0, t_len // 2, n)
    second = rng.integers(t_len // 2, t_len, n)
    x[rows, first, 1] = 1.0
    x[rows, second, 1] = 1.0
    y = (x[rows, first, 0] + x[rows, second, 0])[:, None]
    return tf.finish_sequences(_describe_adding(o), x, y, o, seed)


ADDING = DatasetKind(
    name="adding", title="Adding problem",
    help=("The classic test of long memory (Hochreiter & Schmidhuber, 1997). Each step has a "
          "random number and a marker; exactly two steps are marked, one in each half. The "
          "answer is the sum of the two marked numbers, so the network must keep the first "
          "one in memory until the end. Always answering 1.0 scores an error of about 0.167; "
          "a plain RNN on long sequences rarely beats that, an LSTM or GRU does. The sum does "
          "not depend on the order, so shuffling the steps leaves the task as hard as before."),
    params=(tf.n_samples_param(4000), tf.length_param(50), tf.SHUFFLE_STEPS, tf.VAL_FRACTION),
    describe=_describe_adding, generate=_generate_adding,
)

# ---------------------------------------------------------------- copy memory


def _describe_copy(o: Mapping[str, Any]) -> DataInfo:
    k, m = o["n_symbols"], o["n_memorize"]
    return DataInfo(SEQUENCE, (m + o["length"] + m, k + 2), CLASSIFICATION, True, k,
                    class_names=tf.symbol_names(k), baseline=1 / k)


def _generate_copy(o: Mapping[str, Any], seed: int) -> DataBundle:
    rng = tf.data_rng(seed)
    n, delay, k, m = o["n_samples"], o["length"], o["n_symbols"], o["n_memorize"]
    total = m + delay + m
    blank, delimiter = k, k + 1
    ids = np.full((n, total), blank, dtype=np.int64)
    symbols = rng.integers(0, k, (n, m))
    ids[:, :m] = symbols
    ids[:, m + delay - 1] = delimiter  # the last blank becomes "now recall"
    y = np.full((n, total), IGNORE_INDEX, dtype=np.int64)
    y[:, -m:] = symbols  # only the recall steps are scored
    return tf.finish_sequences(_describe_copy(o), tf.one_hot(ids, k + 2), y, o, seed)


COPY_MEMORY = DatasetKind(
    name="copy_memory", title="Copy memory",
    help=("The network sees a few random symbols, then a long stretch of blanks (the delay), "
          "then a delimiter that means 'now repeat them'; it must output the remembered symbols "
          "in order. Only the recall steps are scored. Guessing scores 1/n_symbols. With a delay "
          "of 50 or more a plain RNN stays near that guess: the gradient that should teach it "
          "fades over the delay. An LSTM or GRU can carry it, once its gates learn to hold "
          "the state (a forget-gate bias that starts high helps a lot)."),
    params=(
        tf.n_samples_param(4000),
        tf.length_param(50, "Delay T: blank steps between the symbols and the recall."),
        tf.symbols_param(4, 10, "Alphabet size K: how many different symbols there are."),
        Param("n_memorize", INT, 3, "How many symbols to remember and repeat.", minimum=1, maximum=10),
        tf.SHUFFLE_STEPS, tf.VAL_FRACTION,
    ),
    describe=_describe_copy, generate=_generate_copy,
)

# ---------------------------------------------------------------- long range


def _describe_long_range(o: Mapping[str, Any]) -> DataInfo:
    c = o["n_classes"]
    return DataInfo(SEQUENCE, (o["length"], o["n_symbols"]), CLASSIFICATION, False, c,
                    class_names=tf.symbol_names(c), baseline=1 / c)


def _check_long_range(o: Mapping[str, Any], path: str) -> None:
    c, gap = o["n_classes"], o["distance"]
    if c >= o["n_symbols"]:
        raise SpecError(f"{path}.n_classes", f"must be smaller than n_symbols ({o['n_symbols']}): "
                        "at least one symbol must be a filler")
    need = (c + 1) * gap + 1
    if o["length"] < need:
        raise SpecError(f"{path}.length", f"must be at least (n_classes + 1) × distance + 1 = {need}, "
                        "so every key fits with its gaps")


def _generate_long_range(o: Mapping[str, Any], seed: int) -> DataBundle:
    rng = tf.data_rng(seed)
    n, t_len, v, c, gap = o["n_samples"], o["length"], o["n_symbols"], o["n_classes"], o["distance"]
    ids = rng.integers(c, v, (n, t_len))  # fillers: the symbols that are not keys
    labels = tf.balanced_labels(rng, n, c)
    # Every key appears once; the class is the first. The others follow in random order.
    order = np.argsort(rng.random((n, c)), axis=1)
    keys = np.concatenate([labels[:, None], order[order != labels[:, None]].reshape(n, c - 1)], axis=1)
    # Keys sit at least `gap` steps from each other and from both ends. Then no
    # window shorter than gap + 1 holds two keys, or a key and the zero padding
    # at an end, so every window a small CNN sees looks the same in every class.
    slack = t_len - 1 - (c + 1) * gap
    extra = np.sort(rng.integers(0, slack + 1, (n, c)), axis=1)
    positions = gap + gap * np.arange(c) + extra
    ids[np.arange(n)[:, None], positions] = keys
    return tf.finish_sequences(_describe_long_range(o), tf.one_hot(ids, v), labels, o, seed)


LONG_RANGE = DatasetKind(
    name="long_range", title="Long-range dependency",
    help=("Sequences of one-hot symbols. The first n_classes symbols (A, B, ...) are keys, the "
          "rest fillers. Every sequence contains each key exactly once, at least 'distance' "
          "steps apart, and the class is the key that came first. Seeing which keys occur "
          "proves nothing (they all do): the model must remember the first key across the "
          "whole sequence. A GRU or LSTM keeps it in its state. A 1-D CNN with global pooling "
          "only compares what fits in its receptive field; shorter than the distance, it sees "
          "one key at a time and stays at chance. A deeper or dilated CNN whose field spans "
          "the distance solves it too. (A dense layer over the whole sequence can also use "
          "the positions: pool before the classifier to see the contrast.)"),
    params=(
        tf.n_samples_param(4000), tf.length_param(64),
        tf.symbols_param(8, 26, "Alphabet size: keys plus filler symbols."),
        Param("n_classes", INT, 4, "Number of key symbols, hence of classes.", minimum=2, maximum=10),
        Param("distance", INT, 12, "Minimum number of steps between two keys, and between a key "
              "and either end.", minimum=1, maximum=999),
        tf.SHUFFLE_STEPS, tf.VAL_FRACTION,
    ),
    describe=_describe_long_range, generate=_generate_long_range,
)

# ---------------------------------------------------------------- motif


@functools.lru_cache(maxsize=32)
def motifs(v: int, c: int, m: int) -> np.ndarray:
    """The class motifs ``(c, m)``: fixed by (v, c, m), not by the seed, so the
    class names can show them. When possible they are orderings of the same m
    symbols, so symbol counts carry no class information, only local order."""
    rng = np.random.default_rng([v, c, m])
    found: list[tuple[int, ...]] = []
    if v >= m and math.factorial(m) >= c:
        symbols = rng.choice(v, m, replace=False)
        draw = lambda: tuple(int(s) for s in symbols[rng.permutation(m)])  # noqa: E731
    else:
        draw = lambda: tuple(int(s) for s in rng.integers(0, v, m))  # noqa: E731
    while len(found) < c:
        candidate = draw()
        if candidate not in found:
            found.append(candidate)
    table = np.array(found, dtype=np.int64)
    table.setflags(write=False)  # shared through the cache
    return table


def _motif_names(o: Mapping[str, Any]) -> tuple[str, ...]:
    names = tf.symbol_names(o["n_symbols"])
    return tuple("".join(names[s] for s in row) for row in motifs(o["n_symbols"], o["n_classes"],
                                                                     o["motif_length"]))


def _describe_motif(o: Mapping[str, Any]) -> DataInfo:
    c = o["n_classes"]
    return DataInfo(SEQUENCE, (o["length"], o["n_symbols"]), CLASSIFICATION, False, c,
                    class_names=_motif_names(o), baseline=1 / c)


def _check_motif(o: Mapping[str, Any], path: str) -> None:
    v, c, m, t_len = o["n_symbols"], o["n_classes"], o["motif_length"], o["length"]
    if m > t_len:
        raise SpecError(f"{path}.motif_length", f"must be at most length ({t_len})")
    if v**m < c:
        raise SpecError(f"{path}.n_classes", f"must be at most {v**m}: there are only that many "
                        f"motifs of length {m} over {v} symbols")
    # Other classes' motifs also turn up by chance; such sequences are redrawn,
    # which only works while chance occurrences are rare.
    if (c - 1) * (t_len - m + 1) / v**m > 3:
        raise SpecError(f"{path}.length", "too long for so few symbols: other classes' motifs "
                        "would appear by chance; use more symbols, longer motifs or shorter sequences")


def _generate_motif(o: Mapping[str, Any], seed: int) -> DataBundle:
    rng = tf.data_rng(seed)
    n, t_len, v, c, m = o["n_samples"], o["length"], o["n_symbols"], o["n_classes"], o["motif_length"]
    table = motifs(v, c, m)
    weights = v ** np.arange(m)  # a window's symbols as one integer code
    codes = table @ weights
    labels = tf.balanced_labels(rng, n, c)
    ids = np.empty((n, t_len), dtype=np.int64)
    todo = np.arange(n)
    for _ in range(1000):
        k = len(todo)
        ids[todo] = rng.integers(0, v, (k, t_len))
        start = rng.integers(0, t_len - m + 1, k)
        ids[todo[:, None], start[:, None] + np.arange(m)] = table[labels[todo]]
        # Redraw sequences where another class's motif appeared by chance.
        window_codes = sliding_window_view(ids[todo], m, axis=1) @ weights
        present = (window_codes[:, :, None] == codes).any(axis=1)
        present[np.arange(k), labels[todo]] = False
        todo = todo[present.any(axis=1)]
        if len(todo) == 0:
            return tf.finish_sequences(_describe_motif(o), tf.one_hot(ids, v), labels, o, seed)
    raise DataError("motif: could not draw sequences free of other classes' motifs; "
                    "use more symbols, longer motifs or shorter sequences")


MOTIF = DatasetKind(
    name="motif", title="Local motif",
    help=("Random one-hot symbol sequences, each containing one short motif (a few "
          "consecutive symbols) somewhere; each class has its own motif, shown as the class "
          "name. The motifs are orderings of the same symbols, so only the local order tells "
          "them apart. A small 1-D CNN with global max pooling is a motif detector by design "
          "and learns this fast; a GRU gets there more slowly."),
    params=(
        tf.n_samples_param(4000), tf.length_param(60),
        tf.symbols_param(8, 26, "Alphabet size: how many different symbols there are."),
        Param("n_classes", INT, 4, "Number of classes, one motif each.", minimum=2, maximum=10),
        Param("motif_length", INT, 3, "Symbols in each motif.", minimum=2, maximum=8),
        tf.SHUFFLE_STEPS, tf.VAL_FRACTION,
    ),
    describe=_describe_motif, generate=_generate_motif,
)

KINDS = (SINE, ADDING, COPY_MEMORY, LONG_RANGE, MOTIF)
CHECKS = {"long_range": _check_long_range, "motif": _check_motif}
