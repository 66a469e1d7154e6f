"""Engine overhead: samples/s of the headless trainer (``train()``, as
``--headless`` runs it) against a plain PyTorch loop on the same model, data,
batch size and thread count, measured side by side in one process (these
machines are noisy, so only ratios are reported).

    python bench/engine_overhead.py [--repeats 5] [--epochs 3] [--device cpu] [--threads N] [--json F]

Per preset, interleaved repeats of: the plain loop (bench/plain_loop.py),
``train()`` as the command line runs it (no probes), and ``train()`` with
every probe on at the GUI's default rate (snapshots at most every 0.5 s
within a 5 % budget, predictions after each epoch). Two ratios each: *step*
(time inside training steps) and *wall* (the whole epoch, evaluation and
snapshots included). The first epoch of every run warms up and is not counted.
Target (issue #8): engine / plain ≥ 0.97.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from bench.plain_loop import LoopSpeed, plain_loop  # noqa: E402
from engine import datasets  # noqa: E402
from engine.events import EpochDone  # noqa: E402
from engine.presets import load_preset  # noqa: E402
from engine.probes import ProbeSettings  # noqa: E402
from engine.training import train  # noqa: E402

PRESETS = ("digits_cnn", "shapes_cnn", "motif_gru")
TARGET = 0.97


def engine_loop(exp, bundle, epochs: int, probes: ProbeSettings | None, device: str) -> LoopSpeed:
    """The engine's speed over every epoch but the first (the plain loop's warm-up)."""
    rows = [e for e in train(exp, bundle=bundle, epochs=epochs + 1, probes=probes, device=device)
            if isinstance(e, EpochDone)][1:]
    n = len(bundle.x_train)
    return LoopSpeed(n * len(rows) / sum(n / r.samples_per_second for r in rows),
                     n * len(rows) / sum(r.seconds for r in rows))


def summarise(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def measure(key: str, repeats: int, epochs: int, device: str) -> dict:
    exp = load_preset(key)
    bundle = datasets.load(exp.dataset, exp.training.seed)
    runs: dict[str, list[LoopSpeed]] = {"plain": [], "engine": [], "probes": []}
    for _ in range(repeats):  # interleaved, so drift hits all three alike
        runs["plain"].append(plain_loop(exp, bundle, epochs, device))
        runs["engine"].append(engine_loop(exp, bundle, epochs, None, device))
        runs["probes"].append(engine_loop(exp, bundle, epochs, ProbeSettings(), device))
    out: dict = {"preset": key, "plain_samples_per_second": summarise([r.step for r in runs["plain"]])}
    for name in ("engine", "probes"):
        for kind in ("step", "wall"):
            out[f"{name}_{kind}"] = summarise([getattr(r, kind) / getattr(p, kind)
                                              for r, p in zip(runs[name], runs["plain"], strict=True)])
    return out


def fmt(s: dict[str, float]) -> str:
    return f"{s['median']:.2f} ({s['min']:.2f}–{s['max']:.2f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=3, help="counted epochs per run (one more warms up)")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or mps")
    parser.add_argument("--threads", type=int, help="torch intra-op threads (default: torch's own)")
    parser.add_argument("--presets", default=",".join(PRESETS), help="comma-separated preset keys")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    threads = torch.get_num_threads()
    print(f"torch {torch.__version__} on {args.device}, {threads} intra-op thread(s), {args.repeats} repeats × "
          f"{args.epochs} epochs; ratios are medians (min–max)", flush=True)
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
