"""Cost against sequence length (claim C12): one training step (forward and
backward, batch 64) of a 1-D CNN and a GRU of about the same size — the two
models of the built-in comparison ``compare_cost_length`` — at growing
sequence lengths, their steps alternating so load from other work hits both
alike.

    python bench/cost_length.py [--lengths 25,50,100,200,400] [--repeats 9] [--device cpu] [--json F]

Expected (CLAIMS.md, C12): the GRU's time grows about linearly with the
length (×≈2 per doubling); the CNN's grows much more slowly per extra step.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from engine import claims  # noqa: E402
from engine.presets import load_comparison_preset  # noqa: E402

LENGTHS = (25, 50, 100, 200, 400)  # the motif data set refuses 800 with 8 symbols


def measure(lengths, repeats: int, device: str, threads: int | None) -> dict:
    comparison = load_comparison_preset("compare_cost_length")
    experiments = {e.label: e.experiment for e in comparison.experiments}
    models = {"CNN": experiments["CNN 100"].model, "GRU": experiments["GRU 100"].model}
    times = claims.time_per_batch(models, experiments["GRU 100"], lengths, repeats=repeats, threads=threads,
                                  device=device)
    per_doubling = {name: float(np.exp(np.polyfit(np.log2(list(t)), np.log(list(t.values())), 1)[0]))
                    for name, t in times.items()}
    slopes = {name: claims.slope(t) for name, t in times.items()}
    return {"device": device, "lengths": list(lengths),
            "ms_per_step": {name: {str(n): s * 1e3 for n, s in t.items()} for name, t in times.items()},
            "growth_per_doubling": per_doubling,
            "gru_cost_per_extra_step_over_cnn": slopes["GRU"] / max(slopes["CNN"], 1e-12)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", default=",".join(map(str, LENGTHS)))
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (0: torch's default)")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args(argv)
    lengths = [int(n) for n in args.lengths.split(",")]
    result = measure(lengths, args.repeats, args.device, args.threads or None)
    print("| length | " + " | ".join(map(str, lengths)) + " | × per doubling |")
    print("|---|" + "---:|" * (len(lengths) + 1))
    for name, ms in result["ms_per_step"].items():
        print(f"| {name} ms/step | " + " | ".join(f"{v:.2f}" for v in ms.values())
              + f" | {result['growth_per_doubling'][name]:.2f} |")
    print(f"each extra step costs the GRU {result['gru_cost_per_extra_step_over_cnn']:.1f} × what it costs the CNN")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
