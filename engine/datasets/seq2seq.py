"""Sequence to sequence: an input string in, another string out.

Three tasks: ``reverse`` a string of letters, ``sort`` a string of digits,
``translate`` a number written in digits into English words ("312" → three
hundred twelve: the output is longer than the input, by a varying amount).
The input is token ids ``(L,)`` padded with 0 at the end; the target is, per
step, the output's token ids, then the end token, then IGNORE_INDEX. L is one
common length, at least every input and every output with its end token, so
a per-step model (a 1-D CNN) can be built on the same data for comparison.

``held_out_length`` keeps one input length out of training: the validation
set has it, so it asks whether the model reverses strings of a length it has
never seen (inside the trained range).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from engine.datasets import transforms as tf
from engine.datasets.base import CLASSIFICATION, IGNORE_INDEX, TOKENS, DataBundle, DataInfo, DatasetKind
from engine.errors import SpecError
from engine.params import CHOICE, INT, Param
from engine.sequence_text import END, MAX_NUMBER, NUMBER_WORDS, max_words, number_words

TASKS = ("reverse", "sort", "translate")
LETTERS = tuple("abcdefgh")
DIGITS = tuple("0123456789")
MAX_LENGTH = 30


def _symbols(task: str) -> tuple[str, ...]:
    return LETTERS if task == "reverse" else DIGITS


def output_names(task: str) -> tuple[str, ...]:
    """The output classes: the task's tokens, then the end token."""
    return (*(NUMBER_WORDS if task == "translate" else _symbols(task)), END)


def common_length(o: Mapping[str, Any]) -> int:
    if o["task"] == "translate":
        return max(o["max_length"], max_words(o["max_length"]) + 1)
    return o["max_length"] + 1


def _describe(o: Mapping[str, Any]) -> DataInfo:
    names = output_names(o["task"])
    length = common_length(o)
    # Guessing the most frequent output token at every scored step is about
    # 1 / the number of symbols (the end token comes once per sample).
    baseline = 1 / (len(names) - 1)
    return DataInfo(TOKENS, (length,), CLASSIFICATION, True, len(names), vocab_size=len(_symbols(o["task"])) + 1,
                    class_names=names, baseline=baseline, token_texts=("", *_symbols(o["task"])),
                    out_steps=length)


def _check(o: Mapping[str, Any], path: str) -> None:
    if o["min_length"] > o["max_length"]:
        raise SpecError(f"{path}.min_length", f"must be at most max_length ({o['max_length']}), "
                        f"got {o['min_length']}")
    if o["task"] == "translate" and o["max_length"] > 4:
        raise SpecError(f"{path}.max_length", f"translate reads numbers up to {MAX_NUMBER}: at most 4 digits, "
                        f"got {o['max_length']}")
    held = o["held_out_length"]
    if held and not o["min_length"] <= held <= o["max_length"]:
        raise SpecError(f"{path}.held_out_length", f"must be inside min_length … max_length "
                        f"({o['min_length']} … {o['max_length']}) or 0, got {held}")
    if held and o["min_length"] == o["max_length"]:
        raise SpecError(f"{path}.held_out_length", "needs a range of lengths to hold one out of; "
                        "set it to 0 or widen min_length … max_length")


def _lengths(rng: np.random.Generator, n: int, o: Mapping[str, Any], held_out: bool) -> np.ndarray:
    """Input lengths drawn evenly from the range; the held-out one only where allowed."""
    choices = np.arange(o["min_length"], o["max_length"] + 1)
    if o["held_out_length"] and not held_out:
        choices = choices[choices != o["held_out_length"]]
    return rng.choice(choices, size=n)


def _pair(rng: np.random.Generator, task: str, length: int) -> tuple[list[int], list[int]]:
    """(input token ids, output class ids) of one sample."""
    if task == "translate":
        low = 0 if length == 1 else 10 ** (length - 1)
        n = int(rng.integers(low, 10 ** length))
        digits = [int(c) for c in str(n)]
        return [d + 1 for d in digits], [NUMBER_WORDS.index(w) for w in number_words(n)]
    symbols = rng.integers(0, len(_symbols(task)), size=length)
    out = symbols[::-1] if task == "reverse" else np.sort(symbols)
    return [int(s) + 1 for s in symbols], [int(s) for s in out]


def _generate(o: Mapping[str, Any], seed: int) -> DataBundle:
    rng = tf.data_rng(seed)
    info = _describe(o)
    length, end = info.input_shape[0], info.n_outputs - 1
    n = o["n_samples"]
    n_val = tf.val_count(n, o["val_fraction"])
    # Validation first: it draws from every length, training never from the held-out one.
    lengths = np.concatenate([_lengths(rng, n_val, o, True), _lengths(rng, n - n_val, o, False)])
    x = np.zeros((n, length), np.int64)
    y = np.full((n, length), IGNORE_INDEX, np.int64)
    for i, k in enumerate(lengths):
        ids, out = _pair(rng, o["task"], int(k))
        x[i, :len(ids)] = ids
        y[i, :len(out)] = out
        y[i, len(out)] = end
    # Shuffle within each part (the split is by construction, not random).
    val, train = rng.permutation(n_val), n_val + rng.permutation(n - n_val)
    return tf.make_bundle(info, x[train], y[train], x[val], y[val])


SEQ2SEQ = DatasetKind(
    name="seq2seq", title="Sequence to sequence",
    help=("A string in, another string out, of a different length: reverse a string of letters (abc → cba), "
          "sort a string of digits (3141 → 1134), or translate a number into English words (312 → three "
          "hundred twelve). Each target is the output's tokens, then an end token (■), one per step. An "
          "encoder (GRU, output='last') reads the input into one vector and a Decoder writes the output from "
          "it, one token at a time, each fed back as the next step's input (claim C13: many-to-many of "
          "different lengths). 'held_out_length' keeps one length out of training to test whether the model "
          "generalises to it."),
    params=(
        Param("task", CHOICE, "reverse", "reverse letters, sort digits, or translate a number into words.",
              choices=TASKS, key=True),
        Param("min_length", INT, 2, "Shortest input (letters, digits).", minimum=1, maximum=MAX_LENGTH),
        Param("max_length", INT, 7, "Longest input; every sample is padded to this (and its output's) length.",
              minimum=1, maximum=MAX_LENGTH, key=True),
        Param("held_out_length", INT, 5, "An input length never trained on, only in validation (0: none).",
              minimum=0, maximum=MAX_LENGTH),
        tf.n_samples_param(8000),
        tf.VAL_FRACTION,
    ),
    describe=_describe, generate=_generate,
)

KINDS = (SEQ2SEQ,)
CHECKS = {"seq2seq": _check}
