"""Memory over a long run: resident memory of the app (the window and its
training process) while it trains for many steps with every live view open,
sampled at 1,000 steps and at checkpoints up to the last step. Every history
the app keeps (curves, snapshots for the timeline, runs) must be bounded, so
the figure after 100,000 steps should be close to the one after 1,000.

    python bench/memory.py [--preset digits_cnn] [--steps 100000] [--json F]

Target (issue #8): resident memory after 100,000 steps ≤ 1.2 × the figure
after 1,000. Linux only (reads /proc).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.app_harness import float_all_views, open_window, resident_mb, set_epochs, warm_up  # noqa: E402

TARGET = 1.2
FIRST = 1_000


def checkpoints(last: int) -> list[int]:
    marks = [FIRST]
    while marks[-1] * 2 < last:
        marks.append(marks[-1] * 2)
    return [*marks, last]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="digits_cnn")
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args(argv)

    from PySide6.QtCore import QTimer

    app, window = open_window(args.preset)
    marks = checkpoints(args.steps)
    samples: list[dict] = []
    state = {"t0": 0.0}

    def start() -> None:
        set_epochs(window, 10_000)  # the run is stopped at the last checkpoint
        window.runner.stepped.connect(on_stepped)
        window.runner.finished.connect(lambda _: QTimer.singleShot(0, lambda: (window.close(), app.quit())))
        state["t0"] = time.perf_counter()
        window.train_action.trigger()

    def on_ready() -> None:
        float_all_views(window)
        warm_up(window, start)

    def on_stepped(batch) -> None:
        step = batch.last.step
        while marks and step >= marks[0]:
            mark = marks.pop(0)
            samples.append({"step": step, "mark": mark, "seconds": time.perf_counter() - state["t0"],
                            **resident_mb()})
            print(f"step {step:,}: {samples[-1]['total']:.0f} MB (window {samples[-1]['window']:.0f}, "
                  f"training {samples[-1]['children']:.0f})", flush=True)
            if not marks:
                window.runner.stop()

    window.ready.connect(on_ready)
    app.exec()
    if marks:
        print(f"the run ended before step {marks[0]:,}")
        return 1
    first, last = samples[0], samples[-1]
    result = {"preset": args.preset, "steps": args.steps, "samples": samples, "target": TARGET,
              "ratio": last["total"] / first["total"], "window_ratio": last["window"] / first["window"],
              "training_ratio": last["children"] / max(first["children"], 1e-9)}
    print(f"after {last['step']:,} steps {last['total']:.0f} MB = {result['ratio']:.2f} × the {first['total']:.0f} "
          f"MB after {first['step']:,} (window {result['window_ratio']:.2f} ×, training process "
          f"{result['training_ratio']:.2f} ×); target ≤ {TARGET} ×")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
