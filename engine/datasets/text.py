"""Character-level text: predict the next character at every step.

The built-in corpus (engine/resources/corpus.txt) is English prose
written for this app, with "bank" in both its river and its money sense so
a trained model can show context changing its predictions (claim C14).
A user may point ``path`` at any UTF-8 text file instead.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from engine.datasets import data_paths
from engine.datasets import transforms as tf
from engine.datasets.base import CLASSIFICATION, TOKENS, DataBundle, DataInfo, DatasetKind
from engine.errors import DataError
from engine.params import STR, Param

BUILTIN_CORPUS = Path(files("engine.resources").joinpath("corpus.txt"))
MAX_VOCAB = 128  # more distinct characters than this (e.g. CJK text) would bloat the output layer
REPLACEMENT = "\ufffd"  # stands for every character beyond the MAX_VOCAB - 1 most frequent
MAX_CHARS = 10_000_000  # longer files are cut: windows are sampled, never all used
MAX_BYTES = 4 * MAX_CHARS  # enough for MAX_CHARS characters of any UTF-8 text
MAX_WINDOWS = 20_000

_SPECIAL_NAMES = {" ": "space", "\n": "newline", "\t": "tab", REPLACEMENT: "other"}


@dataclass(frozen=True)
class Corpus:
    ids: np.ndarray  # int64 token ids of the whole text
    vocab: str  # index = token id
    majority: float  # share of the most frequent character: the trivial predictor's accuracy


_cache: OrderedDict[tuple[str, int, int], Corpus] = OrderedDict()
_cache_lock = threading.Lock()


def _stamp(path: str) -> tuple[str, int, int]:
    """Cache key of a file: (path, mtime, size), so an edited file is re-read."""
    file = BUILTIN_CORPUS if path == "" else data_paths.locate(path, "text file")
    try:
        st = file.stat()
    except OSError as exc:
        raise DataError(f'text file "{path}": cannot be read ({exc.strerror or exc})') from None
    return str(file), st.st_mtime_ns, st.st_size


def cache_token(options: Mapping[str, Any]) -> tuple[str, int, int]:
    """What, besides the options, decides the generated data: the file's version."""
    return _stamp(options["path"])


def corpus(path: str) -> Corpus:
    """The text at ``path`` ("" = built-in) as token ids, cached by file version."""
    key = _stamp(path)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    result = _read(key[0], path)
    with _cache_lock:
        _cache[key] = result
        while len(_cache) > 4:
            _cache.popitem(last=False)
    return result


def _read(file: str, shown: str) -> Corpus:
    where = f'text file "{shown or file}"'
    try:
        with open(file, "rb") as handle:
            data = handle.read(MAX_BYTES)
    except OSError as exc:
        raise DataError(f"{where}: cannot be read ({exc.strerror or exc})") from None
    text = _decode(data, where, cut=len(data) == MAX_BYTES)
    if "\x00" in text:
        raise DataError(f"{where}: looks like a binary file, not text")
    if not text:
        raise DataError(f"{where}: is empty")
    counts = Counter(text)
    kept = [ch for ch, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    if len(kept) > MAX_VOCAB:
        kept = kept[: MAX_VOCAB - 1] + [REPLACEMENT]
    vocab = "".join(sorted(set(kept)))
    # Map characters to ids in bulk: code points, then a search in the sorted vocabulary.
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    vocab_points = np.array([ord(ch) for ch in vocab], dtype=np.uint32)
    ids = np.minimum(np.searchsorted(vocab_points, points), len(vocab) - 1)
    missing = vocab_points[ids] != points
    if missing.any():
        ids[missing] = vocab.index(REPLACEMENT)
    ids = ids.astype(np.int64)
    ids.setflags(write=False)  # shared through the cache
    majority = float(np.bincount(ids, minlength=len(vocab)).max() / len(ids))
    return Corpus(ids, vocab, majority)


def _decode(data: bytes, where: str, cut: bool) -> str:
    """UTF-8 bytes to text with universal newlines; a bad byte is named by its
    offset in the file (text-mode reading would only know it per chunk)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A read cut at MAX_BYTES may end inside a character: drop that tail.
        if not (cut and exc.start >= len(data) - 3 and exc.reason == "unexpected end of data"):
            raise DataError(f"{where}: not UTF-8 at byte {exc.start}; save it as UTF-8") from None
        text = data[: exc.start].decode("utf-8")
    text = text.removeprefix("\ufeff")  # a byte-order mark is not part of the text
    return text.replace("\r\n", "\n").replace("\r", "\n")[:MAX_CHARS]


def class_name(ch: str) -> str:
    """A visible name for a character (spaces and newlines are otherwise invisible)."""
    if ch in _SPECIAL_NAMES:
        return _SPECIAL_NAMES[ch]
    return ch if ch.isprintable() else f"U+{ord(ch):04X}"


def _describe_text(o: Mapping[str, Any]) -> DataInfo:
    c = corpus(o["path"])
    _check_length(o, len(c.ids))
    v = len(c.vocab)
    return DataInfo(TOKENS, (o["length"],), CLASSIFICATION, True, v, vocab_size=v,
                    class_names=tuple(class_name(ch) for ch in c.vocab), baseline=c.majority)


def _check_length(o: Mapping[str, Any], n_chars: int) -> None:
    # One training and one validation window, each t_len + 1 characters, sharing one.
    t_len = o["length"]
    if n_chars < 2 * t_len + 1:
        shown = o["path"] or str(BUILTIN_CORPUS)
        raise DataError(f'text file "{shown}": too short for a validation split ({n_chars} characters); '
                        f"length {t_len} needs at least {2 * t_len + 1}: use a longer text or a shorter length")


def _generate_text(o: Mapping[str, Any], seed: int) -> DataBundle:
    c = corpus(o["path"])
    t_len, n_chars = o["length"], len(c.ids)
    _check_length(o, n_chars)
    rng = tf.data_rng(seed)
    # Train on the start of the text and validate on its end, so validation
    # measures generalisation to unseen text, not recall of overlapping windows.
    # The two parts share one character: each needs t_len + 1 for a window.
    cut = min(max(round(n_chars * (1 - o["val_fraction"])), t_len), n_chars - t_len - 1)
    n_total = min(max(n_chars // t_len * 2, 4), MAX_WINDOWS)
    n_val = tf.val_count(n_total, o["val_fraction"])
    windows = sliding_window_view(c.ids, t_len + 1)  # a view: no copy of the text
    train = windows[rng.integers(0, cut - t_len + 1, n_total - n_val)]
    val = windows[cut + rng.integers(0, n_chars - cut - t_len, n_val)]
    return tf.make_bundle(_describe_text(o), train[:, :-1], train[:, 1:], val[:, :-1], val[:, 1:],
                          vocab=c.vocab)


TEXT = DatasetKind(
    name="text", title="Text (next character)",
    help=("Character-level language modelling: at every step the network reads one character "
          "and predicts the next. The built-in text is English prose about a river town, with "
          "'bank' meaning both a river bank and a place for a bank deposit, so a trained model "
          "can show how earlier context changes its guess. The training windows come from the "
          "start of the text and the validation windows from its end. Set 'path' to use your "
          "own UTF-8 text file (its first 10 million characters)."),
    params=(
        tf.length_param(64, "Characters per training window."),
        Param("path", STR, "", "A UTF-8 text file to learn from; empty for the built-in text.",
              maximum=1000),
        tf.VAL_FRACTION,
    ),
    describe=_describe_text, generate=_generate_text,
)

KINDS = (TEXT,)
