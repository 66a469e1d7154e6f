"""The model as readable PyTorch source: one standalone file that imports only
torch, with a class named after the experiment, its layers in ``__init__``
(every size the playground inferred written out as a number), a ``forward``
that does what the engine's Stack does, and a smoke check under
``if __name__ == "__main__":``.

The engine wraps some torch layers (engine/modules.py): 1-D convolutions,
pooling and batch norm run channels-first inside ``ChannelsFirst``;
recurrent layers return the last hidden state or every step's state through
``Recurrent``; image layers on a video clip run on every frame inside
``PerFrame``. The source writes those wrappers out as the transposes and
tuple unpacking a person would write, so its state-dict keys are the
attribute names (``gru_1.weight_ih_l0``), which ``PreparedModel.state_dict``
uses for the exported weights.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from engine import datasets
from engine.export import decoder_source, hopfield_source, tree_source
from engine.export.base import ExportError
from engine.export.model import PreparedModel, write_export
from engine.layers import IMAGE, SEQUENCE, TOKENS, VIDEO, BuildContext
from engine.shapes import describe_shape

CHANNELS_FIRST = "x = self.{a}(x.transpose(1, 2)).transpose(1, 2)  # {t} wants channels first: (N, F, T)"
# The frames folded into the batch and back: one image layer, the same weights on every frame.
PER_FRAME = "x = self.{a}(x.flatten(0, 1)).unflatten(0, x.shape[:2])  # {t} on every frame: (N·T, C, H, W)"


def _options(**values: Any) -> str:
    """``, stride=2, bias=False`` for the options that differ from torch's defaults (None: leave out)."""
    return "".join(f", {k}={v!r}" for k, v in values.items() if v is not None)


def _conv(dims: int) -> Callable[[str, Mapping[str, Any], BuildContext], tuple[str, list[str]]]:
    def make(a: str, p: Mapping[str, Any], ctx: BuildContext) -> tuple[str, list[str]]:
        opts = _options(stride=p["stride"] if p["stride"] != 1 else None,
                        padding=p["padding"] or None, dilation=p["dilation"] if p["dilation"] != 1 else None,
                        bias=False if not p["bias"] else None)
        init = f"nn.Conv{dims}d({ctx.features}, {p['out_channels']}, kernel_size={p['kernel_size']}{opts})"
        return init, [f"x = self.{a}(x)" if dims == 2 else CHANNELS_FIRST.format(a=a, t=f"Conv{dims}d")]

    return make


def _pool(kind: str, dims: int) -> Callable[[str, Mapping[str, Any], BuildContext], tuple[str, list[str]]]:
    def make(a: str, p: Mapping[str, Any], ctx: BuildContext) -> tuple[str, list[str]]:
        opts = _options(stride=p["stride"], padding=p["padding"] or None)
        init = f"nn.{kind}Pool{dims}d({p['kernel_size']}{opts})"
        return init, [f"x = self.{a}(x)" if dims == 2 else CHANNELS_FIRST.format(a=a, t=f"{kind}Pool{dims}d")]

    return make


def _global_pool(mode: str) -> Callable[[str, Mapping[str, Any], BuildContext], tuple[None, list[str]]]:
    def make(a: str, p: Mapping[str, Any], ctx: BuildContext) -> tuple[None, list[str]]:
        dims, over = {IMAGE: ("(2, 3)", "every pixel"), VIDEO: ("(3, 4)", "every pixel of each frame")}.get(
            ctx.in_kind, ("1", "every step"))
        op = "amax" if mode == "max" else "mean"
        each = " and frame" if ctx.in_kind == VIDEO else ""
        return None, [f"x = x.{op}(dim={dims})  # global {mode} pooling over {over}: one value per channel{each}"]

    return make


def _recurrent(cls: str) -> Callable[[str, Mapping[str, Any], BuildContext], tuple[str, list[str]]]:
    def make(a: str, p: Mapping[str, Any], ctx: BuildContext) -> tuple[str, list[str]]:
        layers = p["num_layers"]
        opts = _options(num_layers=layers if layers != 1 else None, batch_first=True,
                        bidirectional=True if p["bidirectional"] else None,
                        dropout=p["dropout"] if layers > 1 and p["dropout"] else None,
                        nonlinearity=p["nonlinearity"] if p.get("nonlinearity", "tanh") != "tanh" else None)
        init = f"nn.{cls}({ctx.features}, {p['hidden_size']}{opts})"
        if p["output"] == "all":
            return init, [f"x, _ = self.{a}(x)  # the top layer's state at every step"]
        state = "(h, _)" if cls == "LSTM" else "h"
        last = ("x = torch.cat((h[-2], h[-1]), dim=1)  # the last layer's final state, both directions"
                if p["bidirectional"] else "x = h[-1]  # the last layer's final hidden state")
        return init, [f"_, {state} = self.{a}(x)", last]

    return make


def _to_sequence(a: str, p: Mapping[str, Any], ctx: BuildContext) -> tuple[None, list[str]]:
    line = {
        "rows": "x = x.permute(0, 2, 1, 3).flatten(2)  # image rows become time steps: (N, H, C·W)",
        "columns": "x = x.permute(0, 3, 1, 2).flatten(2)  # image columns become time steps: (N, W, C·H)",
        "positions": "x = x.flatten(2).transpose(1, 2)  # pixel positions become time steps: (N, H·W, C)",
    }[p["order"]]
    return None, [line]


def _frames(a: str, p: Mapping[str, Any], ctx: BuildContext) -> tuple[None, list[str]]:
    line = {
        "sequence": "x = x.flatten(2)  # each frame's values one time step: (N, T, C·H·W)",
        "stack": "x = x.flatten(1, 2)  # the frames stacked as channels: (N, T·C, H, W)",
        "one": f"x = x[:, {p['frame']}]  # frame {p['frame']} alone: (N, C, H, W)",
    }[p["mode"]]
    return None, [line]


def _module(make_init: Callable[[Mapping[str, Any], BuildContext], str]):
    def make(a: str, p: Mapping[str, Any], ctx: BuildContext) -> tuple[str, list[str]]:
        return make_init(p, ctx), [f"x = self.{a}(x)"]

    return make


def _tree_rnn(a: str, p: Mapping[str, Any], ctx: BuildContext) -> tuple[str, list[str]]:
    init = f"TreeRNN({ctx.vocab_size}, {p['embedding_dim']}, {p['hidden_size']}, cell={p['cell']!r})"
    return init, [f"x = self.{a}(x)  # one cell at every node of each sample's tree, bottom-up: the root's state"]


def _hopfield(a: str, p: Mapping[str, Any], ctx: BuildContext) -> tuple[str, list[str]]:
    units = 1
    for d in ctx.in_shape:
        units *= d
    init = f"Hopfield({units}, update={p['update']!r}, max_steps={p['max_steps']})"
    return init, [f"x = self.{a}(x)  # fed back through the same weights until the state stops changing"]


def _batchnorm1d(a: str, p: Mapping[str, Any], ctx: BuildContext) -> tuple[str, list[str]]:
    init = f"nn.BatchNorm1d({ctx.features})"
    if ctx.in_kind == SEQUENCE:
        return init, [CHANNELS_FIRST.format(a=a, t="BatchNorm1d")]
    return init, [f"x = self.{a}(x)"]


# layer type → (attribute, params, build context) → (constructor or None, forward lines)
WRITERS: dict[str, Callable[[str, Mapping[str, Any], BuildContext], tuple[str | None, list[str]]]] = {
    "Conv2d": _conv(2), "Conv1d": _conv(1),
    "MaxPool2d": _pool("Max", 2), "AvgPool2d": _pool("Avg", 2),
    "MaxPool1d": _pool("Max", 1), "AvgPool1d": _pool("Avg", 1),
    "GlobalAvgPool": _global_pool("average"), "GlobalMaxPool": _global_pool("max"),
    "RNN": _recurrent("RNN"), "LSTM": _recurrent("LSTM"), "GRU": _recurrent("GRU"),
    "Linear": _module(lambda p, ctx: f"nn.Linear({ctx.features}, {p['out_features']}"
                                     f"{_options(bias=False if not p['bias'] else None)})"),
    "Flatten": _module(lambda p, ctx: "nn.Flatten()"),
    "ToSequence": _to_sequence,
    "Frames": _frames,
    "TreeRNN": _tree_rnn,
    "Hopfield": _hopfield,
    "Decoder": decoder_source.writer,
    "Embedding": _module(lambda p, ctx: f"nn.Embedding({ctx.vocab_size}, {p['embedding_dim']})"),
    "ReLU": _module(lambda p, ctx: "nn.ReLU()"),
    "LeakyReLU": _module(lambda p, ctx: f"nn.LeakyReLU({p['negative_slope']!r})"),
    "Tanh": _module(lambda p, ctx: "nn.Tanh()"),
    "Sigmoid": _module(lambda p, ctx: "nn.Sigmoid()"),
    "GELU": _module(lambda p, ctx: "nn.GELU()"),
    "Dropout": _module(lambda p, ctx: f"nn.Dropout({p['p']!r})"),
    "BatchNorm2d": _module(lambda p, ctx: f"nn.BatchNorm2d({ctx.features})"),
    "BatchNorm1d": _batchnorm1d,
}


def generate_source(prepared: PreparedModel, weights_name: str = "weights.pt") -> str:
    """The standalone module's text; ``weights_name`` is the state-dict file its docstring loads."""
    exp, info, summary = prepared.experiment, prepared.info, prepared.summary
    name = prepared.class_name
    init: list[str] = []
    forward: list[str] = []
    for (lk, params, ctx), row, attr in zip(summary._plan, summary.rows, prepared.attributes, strict=True):
        writer = WRITERS.get(lk.type)
        if writer is None:
            raise ExportError(f"model.layers[{row.index}] ({lk.type}): the source export does not know this "
                              "layer type yet")
        if lk.per_frame and ctx.in_kind == VIDEO:  # written for one frame, run on each
            constructor, lines = writer(attr, params, ctx.frame())
            lines = [PER_FRAME.format(a=attr, t=lk.type)]
        else:
            constructor, lines = writer(attr, params, ctx)
        out = describe_shape(row.kind, row.shape)
        if constructor is not None:
            weights = f", {row.params:,} parameters" if row.params else ""
            init.append(f"self.{attr} = {constructor}  # → {out}{weights}")
        if params.get("forget_bias"):
            init.extend(_forget_bias_lines(attr, params["hidden_size"], params["forget_bias"]))
        forward.extend(lines)
    kind = datasets.get_dataset(exp.dataset.name)
    shape = tuple(info.input_shape)
    dtype = "torch.long" if info.input_kind == TOKENS else "torch.float32"
    outputs = (f"{info.n_outputs} class scores (logits)" if info.task == "classification"
               else f"{info.n_outputs} predicted value(s)") + (" at every step" if info.per_step else "")
    classes = f"\nClasses, in output order: {', '.join(info.class_names)}.\n" if info.class_names else ""
    description = f"\n{_wrap(exp.description)}\n" if exp.description.strip() else ""
    smoke_input = (f"torch.randint(0, {info.vocab_size}, (2, *INPUT_SHAPE))" if info.input_kind == TOKENS
                   else "torch.randn(2, *INPUT_SHAPE)")
    # A TreeRNN brings its parser and layer along (engine/export/tree_source.py).
    trees = any(layer.type == "TreeRNN" for layer in exp.model.layers)
    imports = "\n".join([*tree_source.IMPORTS, ""]) + "\n" if trees else ""
    support = f"\n\n{tree_source.support_source()}" if trees else ""
    needed = "Only torch is needed."
    # A Hopfield net brings its settling layer (engine/export/hopfield_source.py), which needs numpy.
    if any(layer.type == "Hopfield" for layer in exp.model.layers):
        needed = "Only torch and numpy are needed."
        imports = "\n".join(hopfield_source.IMPORTS) + "\n"
        support = f"\n\n{hopfield_source.support_source()}"
    if any(layer.type == "Decoder" for layer in exp.model.layers):
        support = f"{support}\n\n{decoder_source.support_source()}"
    if trees:
        smoke_input = tree_source.smoke_input(exp.dataset.options)
    text = f'''"""{_doc(exp.name)} — a model exported from CNN-RNN Playground.
{_doc(description)}
Data set: {_doc(kind.title)} ({_doc(exp.dataset.name)}), {info.task}{" per step" if info.per_step else ""}.
Input: {describe_shape(info.input_kind, shape)} per sample ({dtype}); a batch is
(N, {", ".join(str(n) for n in shape)}). Output: {outputs}.
{_doc(classes)}
{needed} The weights exported as a state dict (File ▸ Export ▸ Model
Weights, or --export weights) load with:

    model = {name}()
    model.load_state_dict(torch.load({_doc(weights_name)!r}, weights_only=True))
    model.eval()
"""

{imports}import torch
from torch import nn

INPUT_SHAPE = {shape!r}  # one sample; a batch adds a first dimension
INPUT_DTYPE = {dtype}
{support}

class {name}(nn.Module):
    """{_doc(exp.name)}: {prepared.n_params:,} parameters."""

    def __init__(self) -> None:
        super().__init__()
{_indent(init or ["pass"], 8)}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
{_indent([*forward, "return x"], 8)}


if __name__ == "__main__":
    # Smoke check: build the model, run a random batch, print what comes out.
    model = {name}().eval()
    x = {smoke_input}
    with torch.no_grad():
        y = model(x)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"{name}: input {{tuple(x.shape)}} -> output {{tuple(y.shape)}}, {{n_params:,}} parameters")
'''
    return text


def write_source(path: Path, prepared: PreparedModel) -> None:
    text = generate_source(prepared, path.with_suffix(".pt").name)
    write_export(path, text)


def _forget_bias_lines(attr: str, hidden: int, value: float) -> list[str]:
    """As the playground does: start the LSTM's forget gate open (torch orders gates i, f, g, o)."""
    return [
        f"with torch.no_grad():  # forget_bias={value!r}: the cell keeps its content by default",
        f"    for name, bias in self.{attr}.named_parameters():",
        "        if name.startswith(\"bias_ih\"):",
        f"            bias[{hidden}:{2 * hidden}] = {value!r}",
    ]


def _indent(lines: list[str], n: int) -> str:
    return "\n".join(" " * n + line for line in lines)


def _doc(text: str) -> str:
    """Text that is safe inside a triple-quoted docstring."""
    return text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


def _wrap(text: str, width: int = 88) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(" ".join(text.split()), width))
