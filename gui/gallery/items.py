"""What the gallery shows: one item per built-in preset and comparison.

Read from presets/ on every call (engine.presets lists them), so a preset or
comparison added there appears in the gallery without a code change. Presets
name their claims in their description ("claim C9"); comparisons also have a
``claims`` field. No Qt here: the items are plain data the cards display.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gui.gallery.claims_text import claim_ids_in

PRESET, COMPARISON = "preset", "comparison"


@dataclass(frozen=True)
class GalleryItem:
    key: str  # file stem, e.g. "digits_cnn"
    path: Path
    kind: str  # PRESET | COMPARISON
    title: str
    description: str
    claims: tuple[str, ...]
    dataset: object  # engine.spec.DatasetSpec the thumbnail draws samples of
    seed: int
    models: tuple[str, ...]  # model_kind() of each experiment: "CNN", "GRU", "MLP", "hybrid"…

    @property
    def badge(self) -> str:
        """The model kind(s) for the thumbnail: "CNN", or "CNN vs GRU" for a comparison."""
        return " vs ".join(dict.fromkeys(self.models)) if self.models else "?"

    @property
    def families(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(family(m) for m in self.models))

    def matches(self, claim: str | None, words: str) -> bool:
        """``claim`` ("C8", None for all) and every word of ``words`` (any case) match."""
        if claim and claim not in self.claims:
            return False
        haystack = " ".join((self.title, self.description, self.key, self.kind, self.badge,
                             " ".join(self.families),
                             getattr(self.dataset, "name", ""), " ".join(self.claims))).casefold()
        return all(word in haystack for word in words.casefold().split())


def model_kind(model: object) -> str:
    """CNN (convolutions), hybrid (convolutions and a recurrent layer), MLP
    (neither), or the recurrent layer's type (GRU, LSTM, RNN): "RNN vs LSTM"
    says more on a thumbnail than "RNN vs RNN". A feedback or recursive
    layer names itself (Hopfield, TreeRNN); a Decoder makes a seq2seq model
    (a recurrent encoder) or a captioner (a convolutional one)."""
    from engine.layers import CONVOLUTION, RECURRENT, layer_kind

    conv, recurrent, decoder = False, [], False
    for layer in model.layers:
        group = getattr(layer_kind(layer.type), "group", "")
        if group in ("Feedback", "Recursive"):
            return layer.type
        conv = conv or group == CONVOLUTION
        decoder = decoder or group == "Decoder"
        if group == RECURRENT:
            recurrent.append(layer.type)
    if decoder:
        return "captioner" if conv else "seq2seq"
    if conv and recurrent:
        return "hybrid"
    return "CNN" if conv else recurrent[0] if recurrent else "MLP"


def family(kind: str) -> str:
    """CNN, RNN, MLP, hybrid, feedback or recursive: what colours the badge and
    what a search for "RNN" finds."""
    return {"Hopfield": "feedback", "TreeRNN": "recursive", "captioner": "hybrid", "seq2seq": "RNN"}.get(
        kind, kind if kind in ("CNN", "MLP", "hybrid") else "RNN")


def reading_order(item: GalleryItem) -> tuple:
    """By the first claim shown (C2 before C8), the comparison (the whole
    demonstration) before the presets it is made of, then by title."""
    from gui.gallery.claims_text import claim_sort_key

    first = min((claim_sort_key(c) for c in item.claims), default=99)
    return first, item.kind != COMPARISON, item.title.casefold()


def gallery_items() -> list[GalleryItem]:
    """Every preset and comparison in presets/, in reading order."""
    from engine.comparison_file import load_comparison
    from engine.errors import PlaygroundError
    from engine.experiment_file import load_experiment
    from engine.presets import list_comparisons, list_presets

    items = []
    for info in list_presets():
        try:
            exp = load_experiment(info.path)
        except PlaygroundError:
            continue  # listed a moment ago; changed on disk since
        items.append(GalleryItem(info.key, info.path, PRESET, info.name, info.description,
                                 claim_ids_in(info.description), exp.dataset, exp.training.seed,
                                 (model_kind(exp.model),)))
    for info in list_comparisons():
        try:
            comp = load_comparison(info.path)
        except PlaygroundError:
            continue
        first = comp.experiments[0].experiment
        claims = claim_ids_in(" ".join(comp.claims) + " " + comp.description)
        items.append(GalleryItem(info.key, info.path, COMPARISON, comp.name, comp.description, claims,
                                 first.dataset, first.training.seed,
                                 tuple(model_kind(e.experiment.model) for e in comp.experiments)))
    return sorted(items, key=reading_order)
