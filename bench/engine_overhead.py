"""Engine overhead: samples/s of ``train()`` against a plain PyTorch loop on
the same model, data, batch size and thread count, measured side by side in
one process (these machines are noisy, so only ratios are reported).

    python bench/engine_overhead.py [--repeats 5] [--epochs 3]

Three figures per preset: the plain loop, ``train()`` without probes, and
``train()`` with the default probes (filters, feature maps and hidden states
every 0.5 s, within a 5 % budget) — the setting the GUI uses.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from engine import datasets  # noqa: E402
from engine.events import Finished  # noqa: E402
from engine.presets import load_preset  # noqa: E402
from engine.probes import ProbeSettings  # noqa: E402
from engine.shapes import build_model  # noqa: E402
from engine.training import Objective, make_optimizer, train  # noqa: E402

PRESETS = ("digits_cnn", "shapes_cnn", "motif_gru")


def plain_loop(exp, bundle, epochs: int) -> float:
    """The loop a person would write by hand; returns training samples/s."""
    t = exp.training
    torch.manual_seed(t.seed)
    model = build_model(exp.model, bundle.info)
    objective = Objective(bundle.info.task == "classification")
    optimizer = make_optimizer(model, t)
    x, y = bundle.x_train, bundle.y_train
    gen = torch.Generator().manual_seed(t.seed)
    seen, spent = 0, 0.0
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=gen)
        start = time.perf_counter()
        for i in range(0, len(x), t.batch_size):
            idx = order[i:i + t.batch_size]
            optimizer.zero_grad(set_to_none=True)
            loss = objective.loss(model(x[idx]), y[idx])
            loss.backward()
            optimizer.step()
            seen += len(idx)
        spent += time.perf_counter() - start
    return seen / spent


def engine_loop(exp, bundle, epochs: int, probes: ProbeSettings | None) -> float:
    for event in train(exp, bundle=bundle, epochs=epochs, probes=probes, device="cpu"):
        if isinstance(event, Finished):
            return event.summary["samples_per_second"]
    raise RuntimeError("no Finished event")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} intra-op threads, "
          f"{args.repeats} repeats × {args.epochs} epochs; ratios are medians (min–max)")
    print("| preset | plain samples/s | engine / plain | engine+probes / plain |")
    print("|---|---:|---:|---:|")
    for key in PRESETS:
        exp = load_preset(key)
        bundle = datasets.load(exp.dataset, exp.training.seed)
        plain, bare, probed = [], [], []
        for _ in range(args.repeats):  # interleaved, so drift hits all three alike
            plain.append(plain_loop(exp, bundle, args.epochs))
            bare.append(engine_loop(exp, bundle, args.epochs, None))
            probed.append(engine_loop(exp, bundle, args.epochs, ProbeSettings()))

        def ratio(values: list[float], plain: list[float] = plain) -> str:
            r = [v / p for v, p in zip(values, plain, strict=True)]
            return f"{statistics.median(r):.2f} ({min(r):.2f}–{max(r):.2f})"

        print(f"| {key} | {statistics.median(plain):,.0f} | {ratio(bare)} | {ratio(probed)} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
