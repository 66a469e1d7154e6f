"""The layer registry: every layer type declared once.

A declaration says which inputs a layer takes (image, sequence, vector,
tokens, video clip), what it outputs, its parameters with ranges and help text (the GUI
generates its property editor from them), and how to build the torch module.
Parameter names are PyTorch's so a file reads like PyTorch code; the inputs a
layer can infer from the previous one (in_channels, in_features, input_size,
num_embeddings) are never declared.

Image layers marked ``per_frame`` also take a video clip: they are built
for one frame and wrapped in ``PerFrame``, which runs them on every frame
with the same weights (Keras's TimeDistributed); ``Frames`` then turns the
clip into a sequence, a stack of channels or one frame.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from engine import hopfield
from engine.decoder_module import DECODER_CELLS, Decoder
from engine.hopfield_module import Hopfield
from engine.modules import FRAME_MODES, ChannelsFirst, Frames, GlobalPool, PerFrame, Recurrent, ToSequence
from engine.params import BOOL, CHOICE, FLOAT, INT, Param
from engine.tree_modules import CELLS, TreeRNN
from engine.tree_structure import VOCAB_SIZE

IMAGE, SEQUENCE, VECTOR, TOKENS, VIDEO = "image", "sequence", "vector", "tokens", "video"
SAME = "same"  # output kind equals input kind

CONVOLUTION, RECURRENT, FEEDBACK = "Convolution", "Recurrent", "Feedback"
RECURSIVE, DECODER = "Recursive", "Decoder"
GROUPS = (CONVOLUTION, "Pooling", RECURRENT, RECURSIVE, DECODER, "Dense", "Activation", "Normalisation", "Reshape",
          FEEDBACK)


@dataclass(frozen=True)
class BuildContext:
    """What a layer may infer from where it stands in the stack."""

    in_kind: str
    in_shape: tuple[int, ...]  # per sample, no batch dimension
    vocab_size: int | None = None
    # From the data set: the output's steps where they differ from the input's
    # (sequence to sequence, captions), and its classes or target values.
    out_steps: int | None = None
    n_outputs: int | None = None

    @property
    def features(self) -> int:
        """Channels of an image or of a clip's frames, features of a sequence or vector."""
        if self.in_kind == VIDEO:
            return self.in_shape[1]
        return self.in_shape[0] if self.in_kind == IMAGE else self.in_shape[-1]

    def frame(self) -> BuildContext:
        """One frame of a clip, as the image it is."""
        return BuildContext(IMAGE, tuple(self.in_shape[1:]), self.vocab_size)


@dataclass(frozen=True)
class LayerKind:
    type: str
    group: str
    help: str
    params: tuple[Param, ...]
    accepts: tuple[str, ...]
    output: str | Callable[[Mapping[str, Any], str], str]  # a kind, SAME, or a function
    build: Callable[[Mapping[str, Any], BuildContext], nn.Module]
    # (kernel, stride, dilation) along one axis, for the receptive field.
    window: Callable[[Mapping[str, Any]], tuple[int, int, int]] | None = None
    # Each output position depends on the same input position only (activations,
    # normalisation, dropout, embedding): the position mapping and the receptive
    # field pass through unchanged. A function of the parameters where that
    # depends on them (Frames: one frame keeps its pixels, a sequence does not).
    keeps_positions: bool | Callable[[Mapping[str, Any]], bool] = False
    # The parameter that says how big the layer is ("Conv2d 16", "GRU 64").
    size_param: str | None = None
    # A gated recurrent layer's gates, in the order the probes record them.
    gates: tuple[str, ...] = ()
    # Why TorchScript and ONNX cannot record this layer ("" when they can): its
    # computation depends on each sample's values, which a trace would freeze.
    untraceable: str = ""
    # A whole network in one layer (Hopfield): it must be the only layer.
    alone: bool = False
    # An image layer that also takes a video clip, run on every frame with the
    # same weights (PerFrame); the build gets one frame's context.
    per_frame: bool = False

    def output_kind(self, params: Mapping[str, Any], in_kind: str) -> str:
        if callable(self.output):
            return self.output(params, in_kind)
        return in_kind if self.output == SAME else self.output

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def keeps(self, params: Mapping[str, Any]) -> bool:
        """Whether each output position depends on the same input position only."""
        return self.keeps_positions(params) if callable(self.keeps_positions) else self.keeps_positions


def _p(name: str, kind: str, default: Any, help: str, **kw: Any) -> Param:
    return Param(name, kind, default, help, **kw)


def _conv_params(default_out: int) -> tuple[Param, ...]:
    return (
        _p("out_channels", INT, default_out, "Number of filters; each learns one pattern.",
           minimum=1, maximum=1024, key=True),
        _p("kernel_size", INT, 3, "Width of each filter in input positions.", minimum=1, maximum=31, key=True),
        _p("stride", INT, 1, "Step between filter positions; 2 halves the size.", minimum=1, maximum=16),
        _p("padding", INT, 0, "Zeros added on each border; (kernel_size-1)/2 keeps the size at stride 1.",
           minimum=0, maximum=32),
        _p("dilation", INT, 1, "Spacing between filter taps; widens the receptive field at no parameter cost.",
           minimum=1, maximum=64),
        _p("bias", BOOL, True, "Add a learned constant to each filter's output."),
    )


def _pool_params() -> tuple[Param, ...]:
    return (
        _p("kernel_size", INT, 2, "Size of each pooling window.", minimum=1, maximum=31, key=True),
        _p("stride", INT, None, "Step between windows; empty means the window size.",
           minimum=1, maximum=16, allow_none=True),
        _p("padding", INT, 0, "Padding on each border (at most half the window).", minimum=0, maximum=15),
    )


def _rnn_params(with_nonlinearity: bool) -> tuple[Param, ...]:
    params = [
        _p("hidden_size", INT, 64, "Size of the hidden state carried from step to step.",
           minimum=1, maximum=2048, key=True),
        _p("num_layers", INT, 1, "Recurrent layers stacked on top of each other.", minimum=1, maximum=8),
        _p("bidirectional", BOOL, False, "Also read the sequence backwards and join both states."),
        _p("dropout", FLOAT, 0.0, "Dropout between stacked layers (needs num_layers > 1).",
           minimum=0.0, maximum=0.95),
        _p("output", CHOICE, "last", "last: one vector per sequence (classification); "
           "all: the state at every step (tagging, forecasting, or another recurrent layer).",
           choices=("last", "all"), key=True),
    ]
    if with_nonlinearity:
        params.insert(4, _p("nonlinearity", CHOICE, "tanh", "Activation of the hidden state.",
                            choices=("tanh", "relu")))
    return tuple(params)


def _conv_window(p: Mapping[str, Any]) -> tuple[int, int, int]:
    return p["kernel_size"], p["stride"], p["dilation"]


def _pool_window(p: Mapping[str, Any]) -> tuple[int, int, int]:
    return p["kernel_size"], p["stride"] or p["kernel_size"], 1


def _build_conv(dims: int) -> Callable[[Mapping[str, Any], BuildContext], nn.Module]:
    cls = nn.Conv2d if dims == 2 else nn.Conv1d

    def build(p: Mapping[str, Any], ctx: BuildContext) -> nn.Module:
        conv = cls(ctx.features, p["out_channels"], p["kernel_size"], stride=p["stride"],
                   padding=p["padding"], dilation=p["dilation"], bias=p["bias"])
        return conv if dims == 2 else ChannelsFirst(conv)

    return build


def _build_pool(cls: type[nn.Module], dims: int) -> Callable[[Mapping[str, Any], BuildContext], nn.Module]:
    def build(p: Mapping[str, Any], ctx: BuildContext) -> nn.Module:
        pool = cls(p["kernel_size"], stride=p["stride"], padding=p["padding"])
        return pool if dims == 2 else ChannelsFirst(pool)

    return build


PER_FRAME_HELP = " On a clip: applied to every frame with the same weights (TimeDistributed)."


def _image_layer(type_: str, group: str, help: str, params: tuple[Param, ...],
                 build: Callable[[Mapping[str, Any], BuildContext], nn.Module], **kw: Any) -> LayerKind:
    """An image layer that also takes a clip: built for one frame, run on each (PerFrame)."""
    def per_frame(p: Mapping[str, Any], ctx: BuildContext) -> nn.Module:
        return PerFrame(build(p, ctx.frame())) if ctx.in_kind == VIDEO else build(p, ctx)

    return LayerKind(type_, group, help + PER_FRAME_HELP, params, (IMAGE, VIDEO), SAME, per_frame,
                     per_frame=True, **kw)


def _build_frames(p: Mapping[str, Any], ctx: BuildContext) -> nn.Module:
    t = ctx.in_shape[0]
    if p["mode"] == "one" and not -t <= p["frame"] < t:
        raise ValueError(f"frame {p['frame']} is outside the clip's {t} frames: use 0 … {t - 1}, "
                         f"or -1 … -{t} to count from the last")
    return Frames(p["mode"], p["frame"])


def _frames_output(p: Mapping[str, Any], in_kind: str) -> str:
    return SEQUENCE if p["mode"] == "sequence" else IMAGE


def _global_output(p: Mapping[str, Any], in_kind: str) -> str:
    return SEQUENCE if in_kind == VIDEO else VECTOR


def _build_rnn(cls: type[nn.RNNBase]) -> Callable[[Mapping[str, Any], BuildContext], nn.Module]:
    def build(p: Mapping[str, Any], ctx: BuildContext) -> nn.Module:
        extra = {"nonlinearity": p["nonlinearity"]} if "nonlinearity" in p else {}
        rnn = cls(ctx.features, p["hidden_size"], num_layers=p["num_layers"], batch_first=True,
                  bidirectional=p["bidirectional"],
                  dropout=p["dropout"] if p["num_layers"] > 1 else 0.0, **extra)
        if p.get("forget_bias"):
            _set_forget_bias(rnn, p["forget_bias"])
        return Recurrent(rnn, p["output"])

    return build


def _set_forget_bias(lstm: nn.RNNBase, value: float) -> None:
    """Start the forget gate open (torch orders LSTM gates i, f, g, o): the
    cell then keeps its content by default, and gradients reach far back from
    the first step on (Gers et al. 2000; Jozefowicz et al. 2015)."""
    h = lstm.hidden_size
    with torch.no_grad():
        for name, bias in lstm.named_parameters():
            if name.startswith("bias_ih"):
                bias[h:2 * h] = value


def _build_hopfield(p: Mapping[str, Any], ctx: BuildContext) -> nn.Module:
    units = 1
    for d in ctx.in_shape:
        units *= d
    return Hopfield(units, p["rule"], p["update"], p["max_steps"])


_HOPFIELD_PARAMS = (
    _p("rule", CHOICE, "hebbian", "How the weights are made: hebbian stores W = (1/N) Σ p pᵀ in one pass; "
       "projection (pseudo-inverse) also stores alike patterns such as digits; gradient learns W by "
       "backpropagation through a few settling steps.", choices=hopfield.RULES, key=True),
    _p("update", CHOICE, "asynchronous", "asynchronous: one unit at a time (the energy never rises, so it "
       "always stops); synchronous: all units at once (may cycle between two states).",
       choices=hopfield.UPDATES),
    _p("max_steps", INT, 20, "Iterations (sweeps over all units) before giving up on a fixed point.",
       minimum=1, maximum=500),
)


def _build_tree_rnn(p: Mapping[str, Any], ctx: BuildContext) -> nn.Module:
    if ctx.vocab_size != VOCAB_SIZE:  # another data set's tokens are no expressions
        raise ValueError(f"TreeRNN reads expression trees (their {VOCAB_SIZE} tokens: digits, + - * and "
                         "brackets); pick the Expression trees data set")
    return TreeRNN(VOCAB_SIZE, p["embedding_dim"], p["hidden_size"], p["cell"])


def _build_decoder(p: Mapping[str, Any], ctx: BuildContext) -> nn.Module:
    if ctx.out_steps is None or ctx.n_outputs is None:  # shapes.infer says so first, in words
        raise ValueError("Decoder writes an output sequence of its own length: pick a data set with one")
    return Decoder(ctx.features, ctx.n_outputs, ctx.out_steps, p["cell"], p["hidden_size"], p["embedding_dim"],
                   p["teacher_forcing"])


_DECODER_PARAMS = (
    _p("cell", CHOICE, "gru", "The recurrent cell that carries the state from word to word.",
       choices=DECODER_CELLS, key=True),
    _p("hidden_size", INT, 64, "Size of the state carried from step to step; the context sets its start.",
       minimum=1, maximum=2048, key=True),
    _p("embedding_dim", INT, 16, "Length of the learned vector of each fed-back output token.",
       minimum=1, maximum=1024),
    _p("teacher_forcing", BOOL, True, "In training, feed back the right previous token instead of the "
       "Decoder's own guess (faster learning); evaluation always feeds back its own."),
)


def _rnn_output(p: Mapping[str, Any], in_kind: str) -> str:
    return SEQUENCE if p["output"] == "all" else VECTOR


def _build_batchnorm1d(p: Mapping[str, Any], ctx: BuildContext) -> nn.Module:
    norm = nn.BatchNorm1d(ctx.features)
    return ChannelsFirst(norm) if ctx.in_kind == SEQUENCE else norm


_ANY = (IMAGE, SEQUENCE, VECTOR, VIDEO)
_NO_PARAMS: tuple[Param, ...] = ()


def _simple(type_: str, group: str, help: str, make: Callable[[], nn.Module],
            params: tuple[Param, ...] = _NO_PARAMS,
            make_with: Callable[[Mapping[str, Any]], nn.Module] | None = None) -> LayerKind:
    build = (lambda p, ctx: make_with(p)) if make_with else (lambda p, ctx: make())
    return LayerKind(type_, group, help, params, _ANY, SAME, build, keeps_positions=True)


REGISTRY: dict[str, LayerKind] = {}


def _register(*kinds: LayerKind) -> None:
    for kind in kinds:
        REGISTRY[kind.type] = kind


_register(
    _image_layer("Conv2d", "Convolution",
                 "Slides small filters over an image; each filter's weights are shared by every position.",
                 _conv_params(16), _build_conv(2), window=_conv_window, size_param="out_channels"),
    LayerKind("Conv1d", "Convolution",
              "Slides small filters along a sequence; sees only kernel_size steps at a time.",
              _conv_params(32), (SEQUENCE,), SEQUENCE, _build_conv(1), _conv_window,
              size_param="out_channels"),
    _image_layer("MaxPool2d", "Pooling", "Keeps the largest value in each window; shrinks the image.",
                 _pool_params(), _build_pool(nn.MaxPool2d, 2), window=_pool_window),
    _image_layer("AvgPool2d", "Pooling", "Averages each window; shrinks the image.",
                 _pool_params(), _build_pool(nn.AvgPool2d, 2), window=_pool_window),
    LayerKind("MaxPool1d", "Pooling", "Keeps the largest value in each window of steps; shortens the sequence.",
              _pool_params(), (SEQUENCE,), SEQUENCE, _build_pool(nn.MaxPool1d, 1), _pool_window),
    LayerKind("AvgPool1d", "Pooling", "Averages each window of steps; shortens the sequence.",
              _pool_params(), (SEQUENCE,), SEQUENCE, _build_pool(nn.AvgPool1d, 1), _pool_window),
    LayerKind("GlobalAvgPool", "Pooling",
              "Averages over all positions (nn.AdaptiveAvgPool + Flatten): one value per channel, "
              "whatever the input size. On a clip: each frame on its own, giving a sequence of frames × "
              "channels (where in the frame a pattern was is lost).",
              _NO_PARAMS, (IMAGE, SEQUENCE, VIDEO), _global_output,
              lambda p, ctx: GlobalPool("avg", ctx.in_kind == IMAGE, ctx.in_kind == VIDEO)),
    LayerKind("GlobalMaxPool", "Pooling",
              "Takes the maximum over all positions: 'was this pattern anywhere?', whatever the input size. "
              "On a clip: each frame on its own, giving a sequence of frames × channels.",
              _NO_PARAMS, (IMAGE, SEQUENCE, VIDEO), _global_output,
              lambda p, ctx: GlobalPool("max", ctx.in_kind == IMAGE, ctx.in_kind == VIDEO)),
    LayerKind("RNN", "Recurrent",
              "Vanilla recurrent layer: h_t = tanh(W x_t + U h_(t-1) + b), the same weights at every step.",
              _rnn_params(True), (SEQUENCE,), _rnn_output, _build_rnn(nn.RNN), size_param="hidden_size"),
    LayerKind("LSTM", "Recurrent",
              "Long short-term memory: gates decide what the cell state keeps, so gradients survive long gaps.",
              _rnn_params(False) + (
                  _p("forget_bias", FLOAT, 0.0, "Initial bias of the forget gate; 1-3 makes the cell "
                     "remember by default, which long delays need (0 = PyTorch's default).",
                     minimum=-10.0, maximum=10.0),), (SEQUENCE,), _rnn_output, _build_rnn(nn.LSTM),
              size_param="hidden_size", gates=("input", "forget", "cell", "output")),
    LayerKind("GRU", "Recurrent",
              "Gated recurrent unit: update and reset gates, fewer parameters than an LSTM.",
              _rnn_params(False), (SEQUENCE,), _rnn_output, _build_rnn(nn.GRU),
              size_param="hidden_size", gates=("reset", "update", "new")),
    LayerKind("TreeRNN", RECURSIVE,
              "Recursive network: reads each expression's tree from its tokens and applies one cell, with "
              "the same weights, at every node, bottom-up; outputs the root's state (claim C17).",
              (_p("hidden_size", INT, 64, "Size of the state each node passes up to its parent.",
                  minimum=1, maximum=1024, key=True),
               _p("cell", CHOICE, "lstm", "rnn: h = tanh(W [h_left; h_right; e] + b); lstm: the binary "
                  "Tree-LSTM (Tai et al. 2015), with a forget gate per child.", choices=CELLS, key=True),
               _p("embedding_dim", INT, 16, "Length of each token's learned vector (digits and operators).",
                  minimum=1, maximum=1024)),
              (TOKENS,), VECTOR, _build_tree_rnn, size_param="hidden_size",
              untraceable="its computation follows each sample's tree"),
    LayerKind("Decoder", DECODER,
              "Writes a sequence from one vector (an encoder's final state, a CNN's features): the vector "
              "sets the starting state, and each step's output token is fed back as the next step's input "
              "(sequence to sequence, captions; claim C13). It scores the data set's tokens itself: the last layer.",
              _DECODER_PARAMS, (VECTOR,), SEQUENCE, _build_decoder, size_param="hidden_size"),
    LayerKind("Linear", "Dense",
              "Fully connected: every output sees every input feature (per step on a sequence).",
              (_p("out_features", INT, None, "Outputs; empty on the last Linear means 'as many as the "
                  "data set needs' (classes or targets).", minimum=1, maximum=8192, allow_none=True, key=True),
               _p("bias", BOOL, True, "Add a learned constant to each output.")),
              (VECTOR, SEQUENCE), SAME,
              lambda p, ctx: nn.Linear(ctx.features, p["out_features"], bias=p["bias"]), size_param="out_features"),
    LayerKind("Flatten", "Reshape", "Lays every value of an image, sequence or clip out in one vector.",
              _NO_PARAMS, (IMAGE, SEQUENCE, VIDEO), VECTOR, lambda p, ctx: nn.Flatten()),
    LayerKind("Frames", "Reshape",
              "Turns a video clip into what the next layers read: sequence — each frame's values "
              "one time step, so a recurrent layer can follow a per-frame CNN; stack — the frames "
              "as channels of one image, so a 2-D CNN sees them all at once; one — a single frame.",
              (_p("mode", CHOICE, "sequence", "sequence: (frames, C·H·W) for a recurrent layer; stack: "
                  "(frames·C, H, W) for a 2-D CNN; one: one frame (C, H, W).", choices=FRAME_MODES, key=True),
               _p("frame", INT, -1, "mode one: which frame, from 0; negative counts from the end "
                  "(-1 is the last).", minimum=-64, maximum=63)),
              (VIDEO,), _frames_output, _build_frames,
              keeps_positions=lambda p: p.get("mode", "sequence") != "sequence"),
    LayerKind("ToSequence", "Reshape",
              "Reads an image or feature map as a sequence: its rows, columns or pixel positions become "
              "time steps, so a recurrent layer can follow a convolutional one.",
              (_p("order", CHOICE, "rows", "What becomes a time step.",
                  choices=("rows", "columns", "positions"), key=True),),
              (IMAGE,), SEQUENCE, lambda p, ctx: ToSequence(p["order"])),
    LayerKind("Embedding", "Dense",
              "Turns each token id into a learned vector; the vocabulary size comes from the data set.",
              (_p("embedding_dim", INT, 32, "Length of each token's vector.", minimum=1, maximum=1024, key=True),),
              (TOKENS,), SEQUENCE, lambda p, ctx: nn.Embedding(ctx.vocab_size or 1, p["embedding_dim"]),
              keeps_positions=True, size_param="embedding_dim"),
    _simple("ReLU", "Activation", "max(0, x): the default activation of CNNs.", nn.ReLU),
    _simple("LeakyReLU", "Activation", "Like ReLU but lets a small slope through below zero.", nn.ReLU,
            (_p("negative_slope", FLOAT, 0.01, "Slope for negative inputs.", minimum=0.0, maximum=1.0, key=True),),
            lambda p: nn.LeakyReLU(p["negative_slope"])),
    _simple("Tanh", "Activation", "Squashes to (-1, 1); the classic RNN activation.", nn.Tanh),
    _simple("Sigmoid", "Activation", "Squashes to (0, 1).", nn.Sigmoid),
    _simple("GELU", "Activation", "Smooth ReLU used by transformers.", nn.GELU),
    _simple("Dropout", "Normalisation", "Zeroes a random fraction of values while training; off in evaluation.",
            nn.Dropout,
            (_p("p", FLOAT, 0.5, "Fraction of values zeroed.", minimum=0.0, maximum=0.95, key=True),),
            lambda p: nn.Dropout(p["p"])),
    _image_layer("BatchNorm2d", "Normalisation", "Normalises each channel over the batch; speeds up CNN training.",
                 _NO_PARAMS, lambda p, ctx: nn.BatchNorm2d(ctx.features), keeps_positions=True),
    LayerKind("BatchNorm1d", "Normalisation", "Normalises each feature over the batch (and the time steps).",
              _NO_PARAMS, (VECTOR, SEQUENCE), SAME, _build_batchnorm1d, keeps_positions=True),
    LayerKind("Hopfield", FEEDBACK,
              "A feedback network: every pixel is a unit, and the state is fed back, s = sign(W·s), until "
              "it stops changing. Stores patterns and recalls them from corrupted probes (claim C16).",
              _HOPFIELD_PARAMS, (IMAGE, VECTOR), SEQUENCE, _build_hopfield, size_param="rule", alone=True,
              untraceable="it settles until its state stops changing, a different number of sweeps for "
              "each input, which a trace would freeze at one"),
)


def layer_kind(type_: str) -> LayerKind | None:
    return REGISTRY.get(type_)


def types_in(group: str) -> tuple[str, ...]:
    """The layer types of one palette group (CONVOLUTION, RECURRENT, …), in registry order."""
    return tuple(t for t, kind in REGISTRY.items() if kind.group == group)


def in_group(type_: str, group: str) -> bool:
    kind = REGISTRY.get(type_)
    return kind is not None and kind.group == group
