"""Train every built-in preset headless and print a Markdown table: final
validation metric against the task's baseline, wall time, throughput.

    python bench/presets.py [--epochs N] [--json out.json] [PRESET ...]

The README's preset results come from a run of this script.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.events import Finished, RunStarted  # noqa: E402
from engine.presets import list_presets  # noqa: E402
from engine.training import train  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("presets", nargs="*", help="preset keys (default: all)")
    parser.add_argument("--epochs", type=int, help="override every preset's epochs")
    parser.add_argument("--json", help="also write the results as JSON")
    args = parser.parse_args()
    rows = []
    print("| preset | params | metric | baseline | final | wall s | samples/s |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for p in list_presets():
        if args.presets and p.key not in args.presets:
            continue
        from engine.experiment_file import load_experiment

        exp = load_experiment(p.path)
        start = time.perf_counter()
        started = finished = None
        for event in train(exp, epochs=args.epochs):
            if isinstance(event, RunStarted):
                started = event
            elif isinstance(event, Finished):
                finished = event
        wall = time.perf_counter() - start
        final = finished.summary["final"]
        value = final.get("val_accuracy", final.get("val_mse"))
        base = "" if started.baseline is None else f"{started.baseline:.3f}"
        print(f"| {p.key} | {started.params:,} | val {started.metric} | {base} | {value:.3f} | {wall:.1f} | "
              f"{finished.summary['samples_per_second']:,.0f} |", flush=True)
        rows.append({"preset": p.key, "params": started.params, "metric": started.metric,
                     "baseline": started.baseline, "final": value, "wall_seconds": round(wall, 2),
                     "samples_per_second": finished.summary["samples_per_second"]})
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
