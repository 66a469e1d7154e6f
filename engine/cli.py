"""The headless command line (contract in README, "Command line").

Exit codes: 0 ok, 1 unexpected failure, 2 invalid input, 3 training diverged.
Invalid input prints one line on stderr naming the problem — never a
traceback.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path
from typing import TextIO

EXIT_OK, EXIT_UNEXPECTED, EXIT_INVALID, EXIT_DIVERGED = 0, 1, 2, 3


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="cnn-rnn-playground",
        description="Build, train and watch small CNNs and RNNs. Without options, opens the app.")
    p.add_argument("file", nargs="?", help="experiment file (.json) to open, summarise or train")
    p.add_argument("--list-presets", action="store_true", help="list the built-in presets and exit")
    p.add_argument("--summary", action="store_true",
                   help="print the layer table of FILE (shapes, parameters, receptive field) and exit")
    p.add_argument("--headless", action="store_true", help="train FILE without a window")
    p.add_argument("--epochs", type=int, help="override the number of epochs (--headless)")
    p.add_argument("--seed", type=int, help="override the seed (--headless)")
    p.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), help="override the device (--headless)")
    p.add_argument("--metrics-out", metavar="F.csv", help="write per-epoch metrics as CSV (--headless)")
    p.add_argument("--summary-json", metavar="F.json", help="write the final summary as JSON (--headless)")
    return p


def wants_cli(argv: list[str]) -> bool:
    return any(a in ("--list-presets", "--summary", "--headless", "-h", "--help") for a in argv)


def main(argv: list[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    parser = build_parser()
    args = parser.parse_args(argv)
    from engine.errors import PlaygroundError

    try:
        if args.list_presets:
            return list_presets(out)
        if not args.file:
            print("error: --summary and --headless need an experiment FILE", file=err)
            return EXIT_INVALID
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
        print(f"unexpected error: {type(exc).__name__}: {exc}", file=err)
        return EXIT_UNEXPECTED


def list_presets(out: TextIO) -> int:
    from engine.presets import list_presets as presets

    items = presets()
    width = max((len(p.key) for p in items), default=0)
    for p in items:
        print(f"{p.key:<{width}}  presets/{p.path.name:<{width + 5}}  {p.name}: {p.summary}", file=out)
    return EXIT_OK


def summary(path: str, out: TextIO) -> int:
    from engine import datasets
    from engine.experiment_file import load_experiment
    from engine.shapes import describe_shape, infer

    exp = load_experiment(path)
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
    if s.error is not None:
        raise s.error
    return EXIT_OK


def headless(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from engine.events import Diverged, EpochDone, Finished, RunStarted
    from engine.experiment_file import load_experiment
    from engine.training import train

    exp = load_experiment(args.file)
    if args.seed is not None:
        if not 0 <= args.seed < 2**31:
            print("error: --seed must be from 0 to 2147483647", file=err)
            return EXIT_INVALID
        exp = exp.with_training(seed=args.seed)
    if args.epochs is not None and not 1 <= args.epochs <= 10_000:
        print("error: --epochs must be from 1 to 10000", file=err)
        return EXIT_INVALID
    # Check the output paths before spending minutes training.
    for target in (args.metrics_out, args.summary_json):
        if target and not Path(target).resolve().parent.is_dir():
            print(f"error: {target}: folder does not exist", file=err)
            return EXIT_INVALID

    wall = time.perf_counter()
    rows: list[EpochDone] = []
    result: Finished | None = None
    diverged: Diverged | None = None
    metric = "accuracy"
    for event in train(exp, device=args.device, epochs=args.epochs):
        if isinstance(event, RunStarted):
            metric = event.metric
            print(f"training {exp.name} on {event.device}: {event.params:,} parameters, "
                  f"{event.n_train} training / {event.n_val} validation samples, {event.epochs} epochs",
                  file=out, flush=True)
        elif isinstance(event, EpochDone):
            rows.append(event)
            print(f"epoch {event.epoch:>3}/{args.epochs or exp.training.epochs}  "
                  f"train_loss {event.train_loss:.4f}  val_loss {event.val_loss:.4f}  "
                  f"val_{metric} {event.val_metric:.4f}  {event.seconds:.2f}s  "
                  f"{event.samples_per_second:,.0f} samples/s", file=out, flush=True)
        elif isinstance(event, Diverged):
            diverged = event
        elif isinstance(event, Finished):
            result = event
    assert result is not None
    summary_doc = {**result.summary, "wall_seconds": round(time.perf_counter() - wall, 3)}
    if args.metrics_out:
        _write_metrics(args.metrics_out, rows, metric)
    if args.summary_json:
        from engine.experiment_file import write_atomic

        write_atomic(args.summary_json, json.dumps(summary_doc, indent=2) + "\n")
    if diverged is not None:
        print(f"error: {diverged.message}", file=err)
        return EXIT_DIVERGED
    final = summary_doc["final"]
    shown = ", ".join(f"{k} {v:.4f}" for k, v in final.items() if v is not None)
    print(f"done in {summary_doc['wall_seconds']:.1f}s: {shown}", file=out)
    return EXIT_OK


def _write_metrics(path: str, rows: list, metric: str) -> None:
    import io

    from engine.experiment_file import write_atomic

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["epoch", "step", "train_loss", f"train_{metric}", "val_loss", f"val_{metric}",
                     "seconds", "samples_per_second"])
    for e in rows:
        writer.writerow([e.epoch, e.step, f"{e.train_loss:.6g}", f"{e.train_metric:.6g}",
                         f"{e.val_loss:.6g}", f"{e.val_metric:.6g}", f"{e.seconds:.4f}",
                         f"{e.samples_per_second:.1f}"])
    write_atomic(path, buf.getvalue())
