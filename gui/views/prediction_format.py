"""Plain helpers the prediction views share: how a run's data are shaped
(which display mode), class and symbol names, scores and per-step text.
No widgets here, so the views stay about drawing."""

from __future__ import annotations

import html

import numpy as np

from gui.common import palette as pal

IGNORE_INDEX = -100  # engine.datasets.base.IGNORE_INDEX: steps that are not scored
RIGHT_HTML, WRONG_HTML, UNSCORED_HTML = pal.RIGHT, pal.WRONG, pal.MUTED
DISPLAY_CHARACTERS = {"\n": "↵", "\t": "→"}


def input_kind(run) -> str:
    info = getattr(run, "info", None)
    if info is not None:
        return info.input_kind
    x = run.sample_inputs
    return "image" if x.ndim == 4 else "tokens" if np.issubdtype(x.dtype, np.integer) else "sequence"


def per_step(run) -> bool:
    info = getattr(run, "info", None)
    if info is not None:
        return bool(info.per_step)
    targets = run.sample_targets
    return targets.ndim >= (2 if run.task == "classification" else 3)


def writes_outputs(run) -> bool:
    """Whether the model writes an output sequence of its own length (a Decoder's
    data: sequence to sequence, captions), judged whole, not step against step."""
    info = getattr(run, "info", None)
    return info is not None and getattr(info, "out_steps", None) is not None and run.task == "classification"


def display_mode(run) -> str:
    """"strip" (one class per sample), "steps" (a class per step), "outputs"
    (an output sequence per sample: strings, captions), "scatter" (one value
    per sample) or "curves" (a value per step)."""
    if writes_outputs(run):
        return "outputs"
    if run.task == "classification":
        return "steps" if per_step(run) else "strip"
    return "curves" if per_step(run) else "scatter"


def class_names(run, n_classes: int, characters: bool = False) -> list[str]:
    """Names for class indices: the text's characters (``characters``, for text
    written out step by step), the data set's names ("space"), or numbers."""
    vocab = getattr(run, "vocab", None)
    if characters and vocab and input_kind(run) == "tokens" and per_step(run):
        return [DISPLAY_CHARACTERS.get(ch, ch) for ch in vocab]
    info = getattr(run, "info", None)
    names = list(info.class_names) if info is not None and info.class_names else []
    return [names[i] if i < len(names) else str(i) for i in range(n_classes)]


def token_text(run, tokens: np.ndarray) -> str:
    vocab = getattr(run, "vocab", None) or ""
    if not vocab:  # tokens that are not characters (expression trees) name themselves in the data's info
        words = getattr(getattr(run, "info", None), "token_texts", ())
        if words:
            return "".join(words[t] if 0 <= t < len(words) else "?" for t in np.asarray(tokens, np.int64))
    return "".join(DISPLAY_CHARACTERS.get(vocab[t], vocab[t]) if 0 <= t < len(vocab) else "?"
                   for t in np.asarray(tokens, np.int64))


def scored(targets: np.ndarray) -> np.ndarray:
    return np.asarray(targets) != IGNORE_INDEX


def most_confused(targets: np.ndarray, predicted: np.ndarray) -> tuple[int, int, int] | None:
    """(true class, predicted class, how often) of the commonest mistake over
    the scored labels or steps, or None when nothing is wrong."""
    true, guess = np.asarray(targets).reshape(-1), np.asarray(predicted).reshape(-1)
    wrong = (true != guess) & scored(true)
    if not wrong.any():
        return None
    pairs, counts = np.unique(np.stack([true[wrong], guess[wrong]], axis=1), axis=0, return_counts=True)
    best = int(np.argmax(counts))
    return int(pairs[best, 0]), int(pairs[best, 1]), int(counts[best])


def sample_mistakes(predicted: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """(M,) bool: the sample's label, or any of its scored steps, is wrong."""
    wrong = (predicted != targets) & scored(targets)
    return wrong.reshape(len(wrong), -1).any(axis=1)


def accuracy(predicted: np.ndarray, targets: np.ndarray) -> float:
    mask = scored(targets)
    return float((predicted[mask] == targets[mask]).mean()) if mask.any() else float("nan")


def mse(predicted: np.ndarray, targets: np.ndarray) -> float:
    return float(np.mean((np.asarray(predicted, np.float64) - targets) ** 2)) if targets.size else float("nan")


def output_texts(run, predicted: np.ndarray, targets: np.ndarray) -> tuple[list[str], list[str], np.ndarray]:
    """Per sample: the written output and the target as text (cut at the end
    token), and whether the output is exactly right."""
    from engine.sequence_text import exact_match, render

    names = list(run.info.class_names)
    exact = exact_match(predicted, targets)
    return [render(p, names) for p in predicted], [render(t, names) for t in targets], exact


def step_rows_html(index: int, target: np.ndarray, predicted: np.ndarray, names: list[str],
                   scored_only: bool) -> str:
    """One sample's target and predicted symbols per step, aligned in a
    monospace block; wrong steps in red, unscored steps grey."""
    mask = scored(target)
    steps = np.nonzero(mask)[0] if scored_only else np.arange(len(target))
    width = max((len(n) for n in names), default=1)
    sep = "" if width == 1 else " "

    def cell(name: str, colour: str) -> str:
        text = html.escape(name.ljust(width)).replace(" ", "&nbsp;")
        return f"<span style='color:{colour}'>{text}</span>"

    true_cells, predicted_cells = [], []
    for t in steps:
        if not mask[t]:
            true_cells.append(cell("·", UNSCORED_HTML))
            predicted_cells.append(cell(names[predicted[t]], UNSCORED_HTML))
            continue
        wrong = predicted[t] != target[t]
        true_cells.append(cell(names[target[t]], RIGHT_HTML))
        colour = WRONG_HTML if wrong else RIGHT_HTML
        text = cell(names[predicted[t]], colour)
        predicted_cells.append(f"<b>{text}</b>" if wrong else text)
    right = int(((predicted == target) & mask).sum())
    header = f"<b>#{index}</b> &nbsp;{right} of {int(mask.sum())} scored steps right"
    return (f"{header}<br>true&nbsp;&nbsp;{sep.join(true_cells)}<br>"
            f"pred&nbsp;&nbsp;{sep.join(predicted_cells)}")
