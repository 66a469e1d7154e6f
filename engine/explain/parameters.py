"""Where the parameters are (claim C2): every layer's parameter count taken
apart into named terms with the formula in words, beside what a dense layer
over the same input and output would need.

The numbers come from the layer settings as the shape inference resolved
them (engine/shapes.py's plan: inferred inputs filled in), so they describe
the model the user built. ``layer_terms`` is a pure function of a layer's
type, settings and input; the tests compare its sum with the parameter count
of the torch layer built from the same settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from math import prod
from typing import Any

from engine.datasets.base import DataInfo
from engine.layers import CONVOLUTION, IMAGE, RECURRENT, SEQUENCE, TOKENS, BuildContext, in_group, layer_kind
from engine.shapes import ModelSummary, describe_shape, infer
from engine.spec import ModelSpec

# torch's gate order in weight_ih / weight_hh, and the names a learner reads.
GATES = {
    "RNN": ("the tanh cell",),
    "LSTM": ("input gate", "forget gate", "cell candidate", "output gate"),
    "GRU": ("reset gate", "update gate", "new-state candidate"),
}


@dataclass(frozen=True)
class Term:
    name: str  # "weights", "biases", "input weights (layer 1, forward)"
    words: str  # the formula in words: "16 filters × 1 input channel × 3×3 kernel"
    count: int

    def text(self) -> str:
        name = self.name.replace("biases", "bias") if self.count == 1 else self.name
        return f"{self.words} = {self.count:,} {name}" if self.words else f"{self.count:,} {name}"


@dataclass(frozen=True)
class LayerParameters:
    index: int
    type: str
    in_kind: str
    in_shape: tuple[int, ...]
    kind: str  # output kind
    shape: tuple[int, ...]  # output shape per sample
    terms: tuple[Term, ...]
    dense: int | None  # a Linear from the flattened input to the flattened output; None: no counterpart
    dense_words: str
    per_gate: str = ""  # recurrent layers: what one gate holds

    @property
    def total(self) -> int:
        return sum(t.count for t in self.terms)

    @property
    def ratio(self) -> float | None:
        """How many times more parameters the dense counterpart needs."""
        return self.dense / self.total if self.dense is not None and self.total else None

    @property
    def output_text(self) -> str:
        return describe_shape(self.kind, self.shape)

    def formula(self) -> str:
        """'16 filters × 1 input channel × 3×3 kernel = 144 weights + 16 biases = 160'."""
        if not self.terms:
            return "no parameters"
        parts = " + ".join(t.text() for t in self.terms)
        return parts if len(self.terms) == 1 else f"{parts} = {self.total:,}"


@dataclass(frozen=True)
class ModelParameters:
    layers: tuple[LayerParameters, ...]

    @property
    def total(self) -> int:
        return sum(layer.total for layer in self.layers)

    @property
    def with_params(self) -> tuple[LayerParameters, ...]:
        return tuple(layer for layer in self.layers if layer.terms)

    def group_totals(self) -> dict[str, tuple[int, int]]:
        """{"conv": (ours, dense), "recurrent": …, "dense": …} over layers with a dense counterpart."""
        groups: dict[str, tuple[int, int]] = {}
        for layer in self.layers:
            if layer.dense is None or not layer.terms:
                continue
            kind = layer_kind(layer.type)
            group = {CONVOLUTION: "conv", RECURRENT: "recurrent"}.get(kind.group if kind else "") or \
                ("embedding" if layer.type == "Embedding" else "linear")
            ours, dense = groups.get(group, (0, 0))
            groups[group] = (ours + layer.total, dense + layer.dense)
        return groups

    def sentence(self) -> str:
        """The C2 summary in one sentence."""
        trees = [layer for layer in self.layers if layer.type == "TreeRNN"]
        if trees:
            return (f"The TreeRNN holds {trees[0].total:,} of the model's {self.total:,} parameters in one cell used "
                    "at every node of every tree, whatever its size: weight sharing over a structure, as a CNN "
                    "shares over a grid and an RNN over a chain (C17).")
        feedback = [layer for layer in self.layers if layer.type == "Hopfield"]
        if feedback:
            n = prod(feedback[0].in_shape)
            return (f"A Hopfield net of {n:,} units holds {self.total:,} weights in one symmetric matrix, every "
                    "unit connected to every other. Its recurrence is feedback: one state fed back through the "
                    "same weights until it stops changing, not a walk along a sequence (C16).")
        groups = self.group_totals()
        names = {"conv": "conv layers", "recurrent": "recurrent layers", "embedding": "embedding",
                 "linear": "Linear layers"}
        shared = [g for g in ("conv", "recurrent") if g in groups]
        if shared:
            parts = []
            for group in shared:
                ours, dense = groups[group]
                parts.append(f"the {names[group]} hold {ours:,} parameters; dense layers doing the same "
                             f"mapping would need {human(dense)} ({ratio_text(dense / ours if ours else 0)})")
            text = "; ".join(parts)
            return f"{text[0].upper()}{text[1:]}. The whole model has {self.total:,}."
        if groups:
            return (f"This model has only dense layers ({self.total:,} parameters): every output sees every "
                    "input, so nothing is shared. A convolution would share one small kernel across positions.")
        return "This model has no parameters yet: add a Conv, recurrent or Linear layer."


def human(n: int) -> str:
    """4,800 · 2.1 million · 3.4 billion."""
    for size, word in ((10**9, "billion"), (10**6, "million")):
        if n >= size:
            return f"{n / size:.2g} {word}" if n < 10 * size else f"{n / size:.0f} {word}"
    return f"{n:,}"


def ratio_text(ratio: float) -> str:
    if ratio < 1:
        return f"only {ratio:.1f}× as many: over so few positions, sharing weights saves nothing"
    if ratio >= 10:
        return f"{ratio:,.0f}× as many"
    return f"{ratio:.1f}× as many"


def explain_model(model: ModelSpec, info: DataInfo) -> ModelParameters:
    return explain_summary(infer(model, info))


def explain_summary(summary: ModelSummary) -> ModelParameters:
    """Every layer the shape inference got through (all of them for a valid stack)."""
    layers = []
    for row, (_kind, params, ctx) in zip(summary.rows, summary._plan, strict=False):
        terms, per_gate = layer_terms(row.type, params, ctx)
        if sum(t.count for t in terms) != row.params:  # a layer kind this module does not know
            terms, per_gate = (Term("parameters", "as torch counts them", row.params),) if row.params else (), ""
        dense, dense_words = dense_counterpart(row.type, ctx, row.kind, row.shape, bool(terms))
        layers.append(LayerParameters(row.index, row.type, ctx.in_kind, ctx.in_shape, row.kind, row.shape,
                                      terms, dense, dense_words, per_gate))
    return ModelParameters(tuple(layers))


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def layer_terms(type_: str, params: Mapping[str, Any], ctx: BuildContext) -> tuple[tuple[Term, ...], str]:
    """The named terms of a layer's parameter count, and for recurrent layers
    what one gate holds. Layers without parameters give no terms."""
    if in_group(type_, CONVOLUTION):
        return _conv_terms(type_, params, ctx), ""
    if type_ == "Linear":
        n_in, n_out = ctx.features, params["out_features"]
        terms = [Term("weights", f"{_plural(n_in, 'input')} × {_plural(n_out, 'output')}", n_in * n_out)]
        if params.get("bias", True):
            terms.append(Term("biases", "", n_out))
        return tuple(terms), ""
    if in_group(type_, RECURRENT):
        return _recurrent_terms(type_, params, ctx)
    if type_ in ("BatchNorm1d", "BatchNorm2d"):
        c = ctx.features
        what = "channel" if ctx.in_kind in (IMAGE, SEQUENCE) else "feature"
        return (Term("scales", f"one per {what}", c), Term("shifts", f"one per {what}", c)), ""
    if type_ == "Hopfield":
        return _hopfield_terms(ctx)
    if type_ == "TreeRNN":
        return _tree_terms(params, ctx)
    if type_ == "Embedding":
        v, d = ctx.vocab_size or 1, params["embedding_dim"]
        return (Term("weights", f"{_plural(v, 'token')} in the vocabulary × {d:,} numbers each", v * d),), ""
    return (), ""


def _hopfield_terms(ctx: BuildContext) -> tuple[tuple[Term, ...], str]:
    n = prod(ctx.in_shape)
    free = n * (n - 1) // 2
    why = (f"W is {n:,}×{n:,}, one weight between every pair of units, symmetric (wᵢⱼ = wⱼᵢ) with a zero "
           f"diagonal (no unit feeds itself): {free:,} free weights. That shape is why the state must settle: "
           "setting one unit to the sign of its field hᵢ = Σⱼ wᵢⱼ sⱼ changes the energy E = −½ sᵀWs by "
           "−|hᵢ|·|Δsᵢ| ≤ 0, so under asynchronous updates E never rises and, having finitely many states, "
           "the net stops at a fixed point. Updating all units at once (synchronous) gives no such guarantee: "
           "it can cycle between two states.")
    return (Term("weights", f"{n:,} units × {n:,} units", n * n),), why


def _tree_terms(params: Mapping[str, Any], ctx: BuildContext) -> tuple[tuple[Term, ...], str]:
    v, e, h = ctx.vocab_size or 1, params["embedding_dim"], params["hidden_size"]
    lstm = params["cell"] == "lstm"
    parts, child_parts = (4, 5) if lstm else (1, 1)  # Tree-LSTM: i, f, o, u from the token; + a second f
    what = "4 parts (input, forget, output gates, candidate) × " if lstm else ""
    child_what = "5 parts (a forget gate per child) × " if lstm else ""
    terms = (Term("token embeddings", f"{_plural(v, 'token')} × {e:,} numbers each", v * e),
             Term("weights from the token", f"{what}{h:,} hidden × {e:,}", parts * h * e),
             Term("biases", "", parts * h),
             Term("weights from the children", f"{child_what}{h:,} hidden × 2 children × {h:,}",
                  child_parts * h * 2 * h))
    why = ("One cell, the same weights at every node of every tree: a leaf reads its digit, an operator's node "
           "its operator and the states of its two children, bottom-up to the root. So the count does not depend "
           "on how big or deep the tree is. A CNN shares one kernel over a grid of positions, an RNN one cell "
           "over a chain of steps, a recursive net one cell over a tree: an RNN is the recursive net over a "
           "chain, and a convolution the same local map applied at every node of a grid (C17).")
    return terms, why


def _conv_terms(type_: str, params: Mapping[str, Any], ctx: BuildContext) -> tuple[Term, ...]:
    out, c_in, k = params["out_channels"], ctx.features, params["kernel_size"]
    groups = int(params.get("groups", 1) or 1)
    taps = k * k if type_ == "Conv2d" else k
    kernel = f"{k}×{k} kernel" if type_ == "Conv2d" else f"kernel of {k}"
    per_filter = c_in // groups
    channels = _plural(per_filter, "input channel")
    if groups > 1:
        channels += f" (of {c_in:,}, in {groups} groups)"
    terms = [Term("weights", f"{_plural(out, 'filter')} × {channels} × {kernel}", out * per_filter * taps)]
    if params.get("bias", True):
        terms.append(Term("biases", "", out))
    return tuple(terms)


def _recurrent_terms(type_: str, params: Mapping[str, Any], ctx: BuildContext) -> tuple[tuple[Term, ...], str]:
    gates = GATES[type_]
    g, h, layers = len(gates), params["hidden_size"], params["num_layers"]
    directions = ("forward", "backward") if params.get("bidirectional") else ("",)
    bias = params.get("bias", True)
    gate_words = f"{g} gates × " if g > 1 else ""
    terms = []
    for layer in range(layers):
        n_in = ctx.features if layer == 0 else h * len(directions)
        source = _plural(n_in, "input feature") if layer == 0 else f"{n_in:,} outputs of layer {layer}"
        for direction in directions:
            where = ", ".join(w for w in (f"layer {layer + 1}" if layers > 1 else "", direction) if w)
            tag = f" ({where})" if where else ""
            terms.append(Term(f"input weights{tag}", f"{gate_words}{h:,} hidden × {source}",
                              g * h * n_in))
            terms.append(Term(f"recurrent weights{tag}", f"{gate_words}{h:,} hidden × {h:,} hidden",
                              g * h * h))
            if bias:
                terms.append(Term(f"input biases{tag}", f"{gate_words}{h:,}" if g > 1 else "", g * h))
                terms.append(Term(f"recurrent biases{tag}", f"{gate_words}{h:,}" if g > 1 else "", g * h))
    n_in = ctx.features
    one = h * n_in + h * h + (2 * h if bias else 0)
    per_gate = (f"Each of the {g} parts ({', '.join(gates)}) holds {h:,}×{n_in:,} input weights + "
                f"{h:,}×{h:,} recurrent weights{' + 2×' + format(h, ',') + ' biases' if bias else ''} = "
                f"{one:,} in the first layer{' per direction' if len(directions) > 1 else ''}. "
                "The same weights serve every time step, so the count does not depend on the length.")
    return tuple(terms), per_gate


def dense_counterpart(type_: str, ctx: BuildContext, out_kind: str, out_shape: tuple[int, ...],
                      has_params: bool) -> tuple[int | None, str]:
    """A Linear from the layer's whole input, flattened, to its whole output,
    flattened: what the layer would cost if it shared nothing across
    positions or time steps. None where there is no such counterpart (layers
    without parameters, normalisation, which scales each channel on its own)."""
    if not has_params or type_.startswith("BatchNorm"):
        return None, "no dense counterpart" if has_params else ""
    if type_ == "TreeRNN":  # its input is a tree of any size: no fixed-size dense layer does the same
        return None, "has no dense counterpart: its input is a tree of any size"
    if type_ == "Hopfield":  # already all-to-all: every unit is connected to every other
        return None, "is itself fully connected: every unit feeds every other"
    n_in = prod(ctx.in_shape)
    in_words = describe_shape(ctx.in_kind, ctx.in_shape)
    if ctx.in_kind == TOKENS:  # a token id stands for a one-hot vector over the vocabulary
        n_in *= ctx.vocab_size or 1
        in_words = f"{ctx.in_shape[0]:,} tokens as one-hot vectors of {ctx.vocab_size or 1:,}"
    n_out = prod(out_shape)
    count = n_in * n_out + n_out
    return count, (f"Linear from {in_words} ({n_in:,} inputs) to {describe_shape(out_kind, out_shape)} "
                   f"({n_out:,} outputs): {n_in:,} × {n_out:,} + {n_out:,} biases = {count:,}")
