"""Sequence-to-sequence and caption targets as text, and their exact match.

No torch here: the window imports this module at start to render a target
or a prediction ("cba■", "three hundred twelve") and to score whole outputs,
and the window's process never imports torch.

A per-step target (engine/datasets/seq2seq.py, scenes.py) is a row of output
token ids, then the end token, then IGNORE_INDEX (-100) for the steps that
are not scored. A prediction is a row of ids at every step (the argmax of the
model's outputs); it is read up to its first end token.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

IGNORE_INDEX = -100  # as engine.datasets.base (which imports torch)
# The end token's text, the last class of every such data set: a stop square
# that common fonts have (DejaVu, the usual Linux sans, lacks ⏹ U+23F9).
END = "■"

_ONES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
         "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
NUMBER_WORDS: tuple[str, ...] = (*_ONES, *_TENS[2:], "hundred", "thousand")
MAX_NUMBER = 9999


def number_words(n: int) -> list[str]:
    """0 … 9999 in English words, without "and": 312 → three hundred twelve,
    2040 → two thousand forty."""
    if not 0 <= n <= MAX_NUMBER:
        raise ValueError(f"{n} is outside 0 … {MAX_NUMBER}")
    if n == 0:
        return ["zero"]
    words: list[str] = []
    thousands, rest = divmod(n, 1000)
    hundreds, rest = divmod(rest, 100)
    if thousands:
        words += [_ONES[thousands], "thousand"]
    if hundreds:
        words += [_ONES[hundreds], "hundred"]
    if rest >= 20:
        words.append(_TENS[rest // 10])
        if rest % 10:
            words.append(_ONES[rest % 10])
    elif rest:
        words.append(_ONES[rest])
    return words


def max_words(digits: int) -> int:
    """The most words a number of this many digits takes (7777: six)."""
    return {1: 1, 2: 2, 3: 4, 4: 6}[digits]


def exact_match(predicted: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Per sample: every scored step right (the end token included).
    ``predicted`` and ``targets`` are ``(N, T)`` ids; -100 in ``targets``
    marks steps that are not scored, whatever is predicted there."""
    predicted, targets = np.asarray(predicted), np.asarray(targets)
    if predicted.shape != targets.shape or predicted.ndim != 2:
        raise ValueError(f"predictions {predicted.shape} and targets {targets.shape} must both be (N, T)")
    scored = targets != IGNORE_INDEX
    return np.all((predicted == targets) | ~scored, axis=1)


def render(ids: Sequence[int] | np.ndarray, names: Sequence[str], end: int | None = None,
           separator: str | None = None) -> str:
    """A target or prediction row as text, cut at (and showing) its first end
    token; -100 steps are skipped. ``end`` is the end token's id (default: the
    last of ``names``); words are joined by spaces, characters by nothing."""
    end = len(names) - 1 if end is None else end
    if separator is None:
        separator = " " if any(len(n) > 1 for i, n in enumerate(names) if i != end) else ""
    out: list[str] = []
    for i in (int(v) for v in np.asarray(ids).ravel()):
        if i == IGNORE_INDEX:
            continue
        if i == end:
            return separator.join(out) + (" " if separator and out else "") + names[end]
        out.append(names[i] if 0 <= i < len(names) else "?")
    return separator.join(out)


def render_input(ids: Sequence[int] | np.ndarray, token_texts: Sequence[str]) -> str:
    """An input row of token ids as text, padding (id 0, text "") left out."""
    texts = [token_texts[int(i)] for i in np.asarray(ids).ravel() if 0 < int(i) < len(token_texts)]
    sep = " " if any(len(t) > 1 for t in texts) else ""
    return sep.join(texts)


def input_lengths(x: np.ndarray) -> np.ndarray:
    """Tokens before the padding, per row of ``(N, L)`` ids (padding is 0, only at the end)."""
    return (np.asarray(x) != 0).sum(axis=1)
