"""Engine overhead: samples/s of the headless trainer (``train()``, as
``--headless`` runs it) against a plain PyTorch loop on the same model, data,
batch size and thread count, measured side by side in one process.

    python bench/engine_overhead.py [--repeats 3] [--epochs 8] [--device cpu] [--threads N] [--json F]

Per preset and repeat, three runs advance in lockstep, one epoch each in
turn: the plain loop (bench/plain_loop.py), ``train()`` as the command line
runs it (no probes), and ``train()`` with every probe on at the GUI's
default rate (snapshots at most every 0.5 s within a 5 % budget,
predictions after each epoch). Each epoch gives a pair of ratios against
the plain epoch beside it — *step* (time inside training steps) and *wall*
(the whole epoch, evaluation and snapshots included) — and the figures are
the median, min and max over all pairs: on a shared, noisy machine a slow
spell hits both sides of a pair alike. The first epoch of every run warms
up and is not counted. Target (issue #8): engine / plain ≥ 0.97.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from bench.plain_loop import LoopSpeed, PlainLoop  # noqa: E402
from engine import datasets  # noqa: E402
from engine.events import EpochDone  # noqa: E402
from engine.presets import load_preset  # noqa: E402
from engine.probes import ProbeSettings  # noqa: E402
from engine.training import train  # noqa: E402

PRESETS = ("digits_cnn", "shapes_cnn", "motif_gru")
TARGET = 0.97


def engine_epochs(exp, bundle, epochs: int, probes: ProbeSettings | None, device: str) -> Iterator[LoopSpeed]:
    """The engine's speed, one epoch at a time (the generator pauses in between)."""
    n = len(bundle.x_train)
    for event in train(exp, bundle=bundle, epochs=epochs, probes=probes, device=device):
        if isinstance(event, EpochDone):
            yield LoopSpeed(event.samples_per_second, n / event.seconds)


def summarise(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "pairs": len(values)}


def measure(key: str, repeats: int, epochs: int, device: str) -> dict:
    exp = load_preset(key)
    bundle = datasets.load(exp.dataset, exp.training.seed)
    ratios: dict[str, list[float]] = {f"{name}_{kind}": [] for name in ("engine", "probes")
                                      for kind in ("step", "wall")}
    plain_speeds: list[float] = []
    for _ in range(repeats):
        plain = PlainLoop(exp, bundle, device)
        runs = {"engine": engine_epochs(exp, bundle, epochs + 1, None, device),
                "probes": engine_epochs(exp, bundle, epochs + 1, ProbeSettings(), device)}
        plain.epoch()
        for run in runs.values():
            next(run)  # the warm-up epochs
        for _ in range(epochs):
            p = plain.epoch()
            plain_speeds.append(p.step)
            for name, run in runs.items():
                e = next(run)
                ratios[f"{name}_step"].append(e.step / p.step)
                ratios[f"{name}_wall"].append(e.wall / p.wall)
        for run in runs.values():
            run.close()
    return {"preset": key, "plain_samples_per_second": summarise(plain_speeds),
            **{name: summarise(values) for name, values in ratios.items()}}


def fmt(s: dict[str, float]) -> str:
    return f"{s['median']:.2f} ({s['min']:.2f}–{s['max']:.2f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=8, help="counted epochs per run (one more warms up)")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or mps")
    parser.add_argument("--threads", type=int, help="torch intra-op threads (default: torch's own)")
    parser.add_argument("--presets", default=",".join(PRESETS), help="comma-separated preset keys")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    threads = torch.get_num_threads()
    print(f"torch {torch.__version__} on {args.device}, {threads} intra-op thread(s), {args.repeats} repeats × "
          f"{args.epochs} paired epochs; ratios are medians (min–max) over the pairs", flush=True)
    print("| preset | plain samples/s | engine / plain (step) | engine / plain (wall) | "
          "engine+probes / plain (step) | engine+probes / plain (wall) |")
    print("|---|---:|---:|---:|---:|---:|")
    rows = []
    for key in args.presets.split(","):
        row = measure(key, args.repeats, args.epochs, args.device)
        rows.append(row)
        print(f"| {key} | {row['plain_samples_per_second']['median']:,.0f} | {fmt(row['engine_step'])} | "
              f"{fmt(row['engine_wall'])} | {fmt(row['probes_step'])} | {fmt(row['probes_wall'])} |", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps({"device": args.device, "threads": threads, "repeats": args.repeats,
                                               "epochs": args.epochs, "target": TARGET, "presets": rows},
                                              indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
