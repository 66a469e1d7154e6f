"""Train every built-in preset headless at several seeds and print a Markdown
table: the final validation metric's mean and range against the task's
baseline, time per run, throughput.

    python bench/presets.py [--seeds 5] [--threads 1] [--jobs J] [--epochs N] [--json out.json]
                            [--readme README.md] [PRESET ...]

Runs train several at once in training processes (one per core at one
thread); times are then shared and say so. ``--readme`` writes the table
into the README between its preset-results markers.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine import datasets  # noqa: E402
from engine.comparison_table import final_metric  # noqa: E402
from engine.experiment_file import load_experiment  # noqa: E402
from engine.headless import Job, train_many  # noqa: E402
from engine.presets import list_presets  # noqa: E402
from engine.reference import between  # noqa: E402
from engine.threads import ENV, parallel_slots  # noqa: E402

BEGIN, END = "<!-- preset-results:begin -->", "<!-- preset-results:end -->"


def measure(keys: list[str], seeds: int, threads: int, jobs: int | None, epochs: int | None) -> list[dict]:
    os.environ[ENV] = str(threads)
    import torch

    torch.set_num_threads(threads)
    presets = [p for p in list_presets() if not keys or p.key in keys]
    experiments = {p.key: load_experiment(p.path) for p in presets}
    job_list = [Job(exp.with_training(seed=s), "", epochs) for exp in experiments.values() for s in range(seeds)]
    at_once = jobs or parallel_slots(threads)
    runs = iter(train_many(job_list, io.StringIO(), at_once))
    rows = []
    for p in presets:
        exp = experiments[p.key]
        own = [next(runs) for _ in range(seeds)]
        values = [v for r in own if (v := final_metric(r.summary)[1]) is not None]
        metric = final_metric(own[0].summary)[0] or "val_accuracy"
        rows.append({"preset": p.key, "params": own[0].summary.get("params"), "metric": metric,
                     "baseline": datasets.describe(exp.dataset).baseline, "values": values,
                     "seeds": list(range(seeds)), "threads": threads, "at_once": at_once,
                     "wall_seconds": [r.summary.get("wall_seconds") for r in own],
                     "samples_per_second": [r.summary.get("samples_per_second") for r in own]})
    return rows


def render(rows: list[dict]) -> str:
    at_once = rows[0]["at_once"] if rows else 1
    timing = "in turn" if at_once == 1 else f"{at_once} at once"
    lines = [f"| preset | params | validation metric: mean (min–max) over {len(rows[0]['seeds'])} seeds | baseline | "
             f"s per run ({timing}) |", "|---|---:|---|---:|---:|"]
    for r in rows:
        vals, acc = r["values"], r["metric"] == "val_accuracy"
        fmt = (lambda v: f"{v:.3f}") if acc else (lambda v: f"{v:.4f}")
        spread = f" ({fmt(min(vals))}–{fmt(max(vals))})" if vals and fmt(min(vals)) != fmt(max(vals)) else ""
        value = f"{'accuracy' if acc else 'MSE'} {fmt(sum(vals) / len(vals))}{spread}" if vals else "diverged"
        base = "–" if r["baseline"] is None else f"{r['baseline']:.3g}"
        wall = [w for w in r["wall_seconds"] if w]
        lines.append(f"| {r['preset']} | {r['params']:,} | {value} | {base} | "
                     f"{sum(wall) / max(len(wall), 1):.1f} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("presets", nargs="*", help="preset keys (default: all)")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--jobs", type=int)
    parser.add_argument("--epochs", type=int, help="override every preset's epochs")
    parser.add_argument("--json", help="also write the results as JSON")
    parser.add_argument("--readme", help="write the table into this README between its preset-results markers")
    args = parser.parse_args()
    rows = measure(args.presets, args.seeds, args.threads, args.jobs, args.epochs)
    table = render(rows)
    print(table)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    if args.readme:
        path = Path(args.readme)
        path.write_text(between(path.read_text(encoding="utf-8"), BEGIN, END, table + "\n"), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
