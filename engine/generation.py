"""One-to-many: a character model writes text from a seed (claim C13).

Each sampled character is fed back as the next input. A stack of per-step
layers around recurrent ones (Embedding → LSTM → Linear, the text presets)
is stepped with its hidden states carried along, so each character costs one
step whatever has been written; any other stack (a 1-D convolution reads a
window) re-reads the last ``window`` characters each time.

``check_request`` is torch-free, so the window can refuse a bad request in
one line before anything runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from engine.errors import PlaygroundError

MAX_LENGTH = 5000  # characters per request: minutes of sampling at most, and a readable page
MAX_TEMPERATURE = 10.0
TOP_K = 5  # alternatives kept per character (the panel's hover)


class GenerationError(PlaygroundError):
    """A request the model cannot serve: one line saying what to change."""


@dataclass(frozen=True)
class Generated:
    """One written character."""

    index: int  # 0 for the first character after the seed
    char: str
    probability: float  # the model's probability of this character (temperature 1)
    alternatives: tuple[tuple[str, float], ...]  # the TOP_K likeliest characters, with probabilities
    # The last recurrent layer's state (top layer) it was predicted from: after
    # reading the seed and every character before this one, (H,).
    hidden: np.ndarray | None


def _shown(ch: str) -> str:
    return {" ": "space", "\n": "newline", "\t": "tab"}.get(ch, ch)


def check_request(seed_text: str, length: int, temperature: float, vocab: str | None) -> list[int]:
    """The seed's token ids, or a GenerationError naming the first problem."""
    if not vocab:
        raise GenerationError("Generate needs a character model: train one on a text data set "
                              "(the Character-level text preset, or your own text file)")
    if not seed_text:
        raise GenerationError("the seed is empty: type at least one character for the model to start from")
    unknown = sorted(set(seed_text) - set(vocab), key=seed_text.index)
    if unknown:
        listed = ", ".join(f"“{_shown(c)}”" for c in unknown[:8]) + (" …" if len(unknown) > 8 else "")
        raise GenerationError(f"the seed has characters this model never saw: {listed}; it knows "
                              f"{len(vocab)} characters from its text")
    if isinstance(length, bool) or not isinstance(length, int) or not 1 <= length <= MAX_LENGTH:
        raise GenerationError(f"length must be from 1 to {MAX_LENGTH} characters, got {length}")
    if not isinstance(temperature, (int, float)) or not 0 < temperature <= MAX_TEMPERATURE \
            or temperature != temperature:
        raise GenerationError(f"temperature must be above 0 and at most {MAX_TEMPERATURE:g}, got {temperature} "
                              "(1 samples the model's own probabilities; 0.7 is more predictable; "
                              "above 1 is more random)")
    index = {ch: i for i, ch in enumerate(vocab)}
    return [index[ch] for ch in seed_text]


def generate_steps(model, seed_text: str, vocab: str, length: int, *, temperature: float = 0.7,
                   seed: int = 0, window: int = 64) -> Iterator[Generated]:
    """Sample ``length`` characters after ``seed_text`` from ``model`` (an
    engine Stack in evaluation mode, on the CPU), one at a time."""
    import torch

    ids = check_request(seed_text, length, temperature, vocab)
    rng = torch.Generator().manual_seed(seed)
    stepper = _Stepper(model) if _steppable(model) else None
    with torch.no_grad():
        if stepper is not None:
            logits, hidden = stepper.read(torch.tensor(ids)[None])
        for i in range(length):
            if stepper is None:
                logits, hidden = _reread(model, torch.tensor(ids[-window:])[None])
            probs = torch.softmax(logits.double(), -1)
            drawn = int(torch.multinomial(torch.softmax(logits.double() / temperature, -1), 1, generator=rng))
            top_p, top_i = probs.topk(min(TOP_K, len(vocab)))
            ids.append(drawn)
            yield Generated(i, vocab[drawn], float(probs[drawn]),
                            tuple((vocab[int(j)], float(p)) for p, j in zip(top_p, top_i, strict=True)), hidden)
            if stepper is not None and i + 1 < length:
                logits, hidden = stepper.read(torch.tensor([[drawn]]))


def generate_text(model, seed_text: str, vocab: str, length: int, *, temperature: float = 0.7,
                  seed: int = 0, window: int = 64) -> str:
    return "".join(g.char for g in generate_steps(model, seed_text, vocab, length, temperature=temperature,
                                                  seed=seed, window=window))


def words_of(text: str) -> list[str]:
    return [w for w in (t.strip(".,;:!?'\"()[]-").lower() for t in text.split()) if w]


def real_word_share(sample: str, corpus: str | set[str]) -> float:
    """The share of the sample's words that occur in the corpus (its text,
    or its ``set(words_of(text))``); the last word is left out: the sample
    may end inside it. NaN without a word."""
    vocabulary = corpus if isinstance(corpus, set) else set(words_of(corpus))
    words = words_of(sample)[:-1] if sample and not sample[-1].isspace() else words_of(sample)
    return sum(w in vocabulary for w in words) / len(words) if words else float("nan")


_corpus_words: dict[tuple, set[str]] = {}


def corpus_words(path: str) -> set[str]:
    """The words of a text data set's corpus ("" = the built-in one), cached by file version."""
    from engine.datasets import text

    key = text.cache_token({"path": path})
    if key not in _corpus_words:
        c = text.corpus(path)
        _corpus_words.clear()  # one corpus at a time: a user's file may be large
        _corpus_words[key] = set(words_of("".join(np.asarray(list(c.vocab))[c.ids])))
    return _corpus_words[key]


def _steppable(model) -> bool:
    """Whether every layer is recurrent or works on each step alone."""
    from torch import nn

    from engine.modules import Recurrent

    # torch modules that map each step on its own (no window, no statistics over time)
    per_step = (nn.Embedding, nn.Linear, nn.Dropout, nn.ReLU, nn.LeakyReLU, nn.Tanh, nn.Sigmoid, nn.GELU)
    has_recurrent = False
    for layer in model.layers:
        if isinstance(layer, Recurrent):
            if layer.rnn.bidirectional or layer.output != "all":
                return False  # a backward direction, or one vector per text: needs the whole text
            has_recurrent = True
        elif not isinstance(layer, per_step):
            return False
    return has_recurrent


class _Stepper:
    """The stack run a piece at a time, each recurrent layer's state carried over."""

    def __init__(self, model) -> None:
        self.model = model
        self.states: dict[int, object] = {}

    def read(self, ids):
        from engine.modules import Recurrent

        x, hidden = ids, None
        for index, layer in enumerate(self.model.layers):
            if isinstance(layer, Recurrent):
                x, self.states[index] = layer.rnn(x, self.states.get(index))
                hidden = x[0, -1].numpy().copy()
            else:
                x = layer(x)
        return x[0, -1], hidden


def _reread(model, ids):
    from engine.modules import Recurrent

    x, hidden = ids, None
    for layer in model.layers:
        if isinstance(layer, Recurrent):
            out, _ = layer.rnn(x)
            hidden = out[0, -1].numpy().copy()
        x = layer(x)
    return x[0, -1], hidden
