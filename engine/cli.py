"""The headless command line (contract in README, "Command line").

Exit codes: 0 ok, 1 unexpected failure, 2 invalid input, 3 training diverged.
``--export KIND OUT FILE.json [--weights W.npz]`` writes the model as PyTorch
source, a state dict, TorchScript or ONNX (engine/export).
Invalid input prints one line on stderr naming the problem — never a
traceback.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # imported lazily at run time: --help must stay fast
    from engine.errors import ShapeError
    from engine.spec import Experiment

EXIT_OK, EXIT_UNEXPECTED, EXIT_INVALID, EXIT_DIVERGED = 0, 1, 2, 3


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="cnn-rnn-playground",
        description="Build, train and watch small CNNs and RNNs. Without options, opens the app.")
    p.add_argument("file", nargs="?", help="experiment or comparison file (.json) to open, summarise or train")
    p.add_argument("--list-presets", action="store_true", help="list the built-in presets and exit")
    p.add_argument("--summary", action="store_true",
                   help="print the layer table of FILE (shapes, parameters, receptive field) and exit; "
                   "for a comparison, each experiment's table and what it will compare")
    p.add_argument("--headless", action="store_true",
                   help="train FILE without a window; a comparison trains each experiment in turn and "
                   "prints the comparison table and verdict")
    p.add_argument("--epochs", type=int, help="override the number of epochs (--headless)")
    p.add_argument("--seed", type=int, help="override the seed (--headless)")
    p.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), help="override the device (--headless)")
    p.add_argument("--metrics-out", metavar="F.csv", help="write per-epoch metrics as CSV (--headless)")
    p.add_argument("--summary-json", metavar="F.json", help="write the final summary as JSON (--headless)")
    p.add_argument("--export", nargs=2, metavar=("KIND", "OUT"),
                   help="write FILE's model to OUT and exit; KIND is source (a standalone .py), weights "
                   "(a state dict .pt), torchscript (.pt) or onnx (.onnx, needs the [onnx] extra)")
    p.add_argument("--weights", metavar="W.npz",
                   help="trained weights to export (the weights file saved beside an experiment, "
                   "name.weights.npz); without it the export holds freshly initialised weights (--export)")
    return p


def wants_cli(argv: list[str]) -> bool:
    return any(a in ("--list-presets", "--summary", "--headless", "--export", "-h", "--help") for a in argv)


def main(argv: list[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    parser = build_parser()
    args = parser.parse_args(argv)
    from engine.errors import PlaygroundError

    try:
        if args.list_presets:
            return list_presets(out)
        if not args.file:
            print("error: --summary, --headless and --export need an experiment or comparison FILE", file=err)
            return EXIT_INVALID
        if args.export:
            return export(args, out, err)
        if args.summary:
            return summary(args.file, out)
        if args.headless:
            return headless(args, out, err)
        parser.print_usage(err)
        return EXIT_INVALID
    except PlaygroundError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("interrupted", file=err)
        return EXIT_UNEXPECTED
    except Exception as exc:  # the last line of defence: one line, still no traceback
        return failed(exc, err)


def failed(exc: Exception, err: TextIO) -> int:
    """A run that broke (out of memory, a GPU that stopped working, a bug): one
    line on stderr, exit code 1. Only the exception's first line is shown — a
    CUDA error carries a paragraph of debugging advice after it."""
    from engine.errors import OTHER, classify_failure, describe_error

    line = describe_error(exc)
    if classify_failure(exc) == OTHER:
        print(f"unexpected error: {line}", file=err)
    else:  # the advice names the device option the command line has
        print(f"error: {line.replace('train on the CPU', 'train on the CPU (--device cpu)')}", file=err)
    return EXIT_UNEXPECTED


def list_presets(out: TextIO) -> int:
    """Experiments first, then comparisons, one line each."""
    from engine.presets import list_comparisons
    from engine.presets import list_presets as presets

    items = [*presets(), *list_comparisons()]
    width = max((len(p.key) for p in items), default=0)
    for p in items:
        print(f"{p.key:<{width}}  presets/{p.path.name:<{width + 5}}  {p.name}: {p.summary}", file=out)
    return EXIT_OK


def summary(path: str, out: TextIO) -> int:
    from engine.comparison_file import is_comparison_file
    from engine.experiment_file import load_experiment

    if is_comparison_file(path):
        return summary_comparison(path, out)
    error = _print_layers(load_experiment(path), out)
    if error is not None:
        raise error
    return EXIT_OK


def summary_comparison(path: str, out: TextIO) -> int:
    """Each experiment's layer table, then what the comparison will set side
    by side: size and how far each model sees against the dependency."""
    from engine import datasets
    from engine.comparison_file import load_comparison
    from engine.comparison_table import dependency, differing_options, model_kind, reach
    from engine.errors import SpecError
    from engine.shapes import infer

    comp = load_comparison(path)
    n = len(comp.experiments)
    print(f"comparison {comp.name}: {n} experiments on {comp.dataset}"
          + (f" (claims {', '.join(comp.claims)})" if comp.claims else ""), file=out)
    first_error: tuple[int, Exception] | None = None
    for i, entry in enumerate(comp.experiments):
        print(f"\n[{i + 1}/{n} {entry.label}] ", end="", file=out)
        error = _print_layers(entry.experiment, out)
        if error is not None and first_error is None:
            first_error = (i, error)
    differing = differing_options([e.experiment.dataset for e in comp.experiments])
    print("", file=out)
    width = max(len(label) for label in comp.labels)
    for entry in comp.experiments:
        exp = entry.experiment
        params = infer(exp.model, datasets.describe(exp.dataset)).total_params
        seen = reach(exp)
        options = ", ".join(f"{k}={json.dumps(exp.dataset.options.get(k))}" for k in differing)
        print(f"{entry.label:<{width}}  {model_kind(exp.model):<8} {params:>10,} parameters  "
              f"sees {seen.describe() if seen else '–'}{'  ' + options if options else ''}", file=out)
    dep = dependency(comp.experiments[0].experiment.dataset)
    if dep is not None:
        print(f"dependency: {dep.span} steps ({dep.what})", file=out)
    if first_error is not None:
        i, error = first_error
        raise SpecError(f"experiments[{i}]", f"({comp.experiments[i].label}) {error}", path)
    return EXIT_OK


def _print_layers(exp: Experiment, out: TextIO) -> ShapeError | None:
    """The layer table of one experiment; returns the stack's error, if any."""
    from engine import datasets
    from engine.shapes import describe_shape, infer

    info = datasets.describe(exp.dataset)
    s = infer(exp.model, info)
    print(f"{exp.name} — data set {exp.dataset.name}: input {describe_shape(info.input_kind, info.input_shape)}, "
          f"{info.task}{' per step' if info.per_step else ''}, {info.n_outputs} output(s)", file=out)
    print(f"{'#':>3}  {'layer':<14} {'output shape':<24} {'params':>10}  {'receptive field':>15}", file=out)
    for r in s.rows:
        shape = "×".join(str(d) for d in r.shape) + f" ({r.kind})"
        rf = "" if r.receptive_field is None else str(r.receptive_field)
        print(f"{r.index:>3}  {r.type:<14} {shape:<24} {r.params:>10,}  {rf:>15}", file=out)
    print(f"total parameters: {s.total_params:,}", file=out)
    if s.receptive_field is not None:
        print(f"receptive field: {s.receptive_field} input positions along each axis", file=out)
    return s.error


def headless(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from engine.comparison_file import is_comparison_file
    from engine.experiment_file import load_experiment, write_atomic
    from engine.headless import train_headless, write_metrics

    if is_comparison_file(args.file):
        return headless_comparison(args, out, err)
    exp = load_experiment(args.file)
    problem = _check_run_options(args)
    if problem:
        print(f"error: {problem}", file=err)
        return EXIT_INVALID
    if args.seed is not None:
        exp = exp.with_training(seed=args.seed)
    run = train_headless(exp, out, epochs=args.epochs, device=args.device)
    if args.metrics_out:
        write_metrics(args.metrics_out, run.epochs, run.metric)
    if args.summary_json:
        write_atomic(args.summary_json, json.dumps(run.summary, indent=2) + "\n")
    if run.diverged is not None:
        print(f"error: {run.diverged}", file=err)
        return EXIT_DIVERGED
    final = run.summary["final"]
    shown = ", ".join(f"{k} {v:.4f}" for k, v in final.items() if v is not None)
    print(f"done in {run.summary['wall_seconds']:.1f}s: {shown}", file=out)
    return EXIT_OK


def headless_comparison(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Train each experiment of a comparison in turn, then print the table and
    the verdict; ``--summary-json F.json`` also writes ``F.<n>-<label>.json``
    per experiment (n from 1) and ``--metrics-out M.csv`` ``M.<n>-<label>.csv``."""
    from engine import datasets
    from engine.comparison_file import load_comparison
    from engine.comparison_table import compare
    from engine.errors import SpecError
    from engine.experiment_file import write_atomic
    from engine.headless import train_headless, write_metrics
    from engine.shapes import infer

    comp = load_comparison(args.file)
    problem = _check_run_options(args)
    if problem:
        print(f"error: {problem}", file=err)
        return EXIT_INVALID
    for i, entry in enumerate(comp.experiments):  # every stack, before training the first
        error = infer(entry.experiment.model, datasets.describe(entry.experiment.dataset)).error
        if error is not None:
            raise SpecError(f"experiments[{i}]", f"({entry.label}) {error}", args.file)
    n = len(comp.experiments)
    print(f"comparison {comp.name}: {n} experiments on {comp.dataset}", file=out, flush=True)
    summaries, diverged = [], []
    for i, entry in enumerate(comp.experiments, 1):
        exp = entry.experiment if args.seed is None else entry.experiment.with_training(seed=args.seed)
        run = train_headless(exp, out, epochs=args.epochs, device=args.device, prefix=f"[{i}/{n} {entry.label}] ")
        if run.diverged is not None:
            print(f"[{i}/{n} {entry.label}] {run.diverged}", file=out, flush=True)
            diverged.append(entry.label)
        summaries.append({**run.summary, "label": entry.label, "diverged": run.diverged is not None,
                          "stopped": run.stopped})
        if args.metrics_out:
            write_metrics(sibling_name(args.metrics_out, i, entry.label), run.epochs, run.metric)
    result = compare(comp, summaries)
    for line in result.table_lines():
        print(line, file=out)
    if args.summary_json:
        names = [sibling_name(args.summary_json, i, e.label) for i, e in enumerate(comp.experiments, 1)]
        for name, summary_doc in zip(names, summaries, strict=True):
            write_atomic(name, json.dumps(summary_doc, indent=2) + "\n")
        table = {"comparison": comp.name, "claims": list(comp.claims), **result.to_dict(),
                 "summaries": [Path(name).name for name in names]}
        del table["name"]  # "comparison" says it
        write_atomic(args.summary_json, json.dumps(table, indent=2, ensure_ascii=False) + "\n")
    if diverged:
        print(f"error: training diverged for {', '.join(diverged)}", file=err)
        return EXIT_DIVERGED
    return EXIT_OK


def sibling_name(path: str, index: int, label: str) -> str:
    """``out/s.json`` → ``out/s.2-GRU.json``: the file for experiment 2 of a
    comparison, beside the one named on the command line. The label keeps
    letters, digits, ``-`` and ``_``; anything else becomes ``_``."""
    p = Path(path)
    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", label).strip("_") or "experiment"
    return str(p.with_name(f"{p.stem}.{index}-{safe}{p.suffix}"))


def export(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``--export KIND OUT FILE``: one line on stdout saying what was written
    and whether it holds trained weights."""
    from engine.comparison_file import is_comparison_file
    from engine.experiment_file import load_experiment
    from engine.export import KINDS, export_model

    kind, target = args.export
    if kind not in KINDS:
        print(f"error: --export: unknown kind {kind!r} (known: {', '.join(KINDS)})", file=err)
        return EXIT_INVALID
    if is_comparison_file(args.file):
        print(f"error: {args.file}: --export takes an experiment file, not a comparison", file=err)
        return EXIT_INVALID
    exp = load_experiment(args.file)
    weights = None
    if args.weights:
        from engine.weights_file import load_weights

        weights = load_weights(args.weights, exp)
    result = export_model(kind, exp, target, weights)
    title = KINDS[kind][0]
    if kind == "source":
        if args.weights:
            print("note: source holds the architecture only; export the weights with --export weights",
                  file=err)
        print(f"wrote {title} {result.path}: {result.note}", file=out)
        return EXIT_OK
    print(f"wrote {title} {result.path} {result.note}", file=out)
    if not result.trained:
        from engine.weights_file import weights_path_for

        beside = weights_path_for(args.file)
        hint = f" ({beside.name} is there)" if beside.exists() else ""
        print(f"note: no --weights given{hint}: the export holds untrained weights", file=err)
    return EXIT_OK


def _check_run_options(args: argparse.Namespace) -> str | None:
    """The run options' problems, found before spending minutes training."""
    if args.seed is not None and not 0 <= args.seed < 2**31:
        return "--seed must be from 0 to 2147483647"
    if args.epochs is not None and not 1 <= args.epochs <= 10_000:
        return "--epochs must be from 1 to 10000"
    for target in (args.metrics_out, args.summary_json):
        if target and not Path(target).resolve().parent.is_dir():
            return f"{target}: folder does not exist"
    return None
