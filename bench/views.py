"""Training speed with every live view open, against a plain PyTorch loop.

1. A plain PyTorch loop trains the preset's model on a plain thread (no
   events, no probes, no evaluation) for reference samples/s.
2. The real main window opens, every live view is floated out of its tab so
   that all of them are visible and draw at once (the worst case: in the
   default layout only the view in front draws), and the same experiment
   trains with every probe on at its default rate.

Prints two ratios to the plain loop: *step* throughput (the summary's
samples/s, time inside training steps — what the GUI's competition for the
GIL and the CPU costs) and *wall* throughput (samples over the run's whole
wall time, which adds probe snapshots and per-epoch evaluation).

    python bench/views.py [--preset digits_cnn] [--epochs 40] [--plain-epochs 20] [--tabbed]

Target (issue #4): step throughput ≥ 0.90 × the plain loop with all views open.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen" if not os.environ.get("DISPLAY") else "xcb")

from bench.responsiveness import run_plain_on_thread  # noqa: E402


def float_all_views(window) -> None:
    """Every view in its own visible window, tiled, so every one of them draws."""
    from gui.dock_layout import VIEW_DOCKS

    for i, (name, _) in enumerate(VIEW_DOCKS):
        dock = window.docks[name]
        dock.setFloating(True)
        dock.resize(520, 380)
        dock.move(40 + (i % 4) * 530, 40 + (i // 4) * 390)
        dock.show()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="digits_cnn")
    parser.add_argument("--epochs", type=int, default=40, help="epochs of the GUI run")
    parser.add_argument("--plain-epochs", type=int, default=20, help="epochs of the plain loop")
    parser.add_argument("--tabbed", action="store_true", help="keep the default tabbed layout (one view drawing)")
    args = parser.parse_args()

    from PySide6.QtCore import QTimer

    from engine.presets import PRESETS_DIR
    from gui.app import create_application

    app = create_application()
    from gui.main_window import MainWindow

    window = MainWindow(str(PRESETS_DIR / f"{args.preset}.json"))
    window.show()
    result: dict[str, float] = {}

    def on_ready() -> None:
        experiment = window.document.experiment
        print(f"experiment: {experiment.name} ({experiment.dataset.name}), batch {experiment.training.batch_size}",
              flush=True)
        result["plain"] = run_plain_on_thread(experiment, args.plain_epochs)
        print(f"plain PyTorch loop: {result['plain']:,.0f} samples/s", flush=True)
        if not args.tabbed:
            float_all_views(window)
        window.training_panel.set_value("epochs", args.epochs)
        window.document.replace(window.document.experiment, window.document.path)  # not dirty
        result["cpu0"], result["wall0"] = time.thread_time(), time.perf_counter()
        window.train_action.trigger()

    def on_finished(finished: object) -> None:
        result["wall"] = time.perf_counter() - result["wall0"]
        result["gui_cpu"] = time.thread_time() - result["cpu0"]
        summary = getattr(finished, "summary", {}) or {}
        result["step"] = summary.get("samples_per_second", 0.0)
        result["samples"] = summary.get("samples_per_second", 0.0) * summary.get("train_seconds", 0.0)
        result["run_seconds"] = summary.get("seconds", 0.0)
        QTimer.singleShot(0, window.close)

    window.ready.connect(on_ready)
    window.runner.finished.connect(on_finished)
    app.exec()

    if "step" not in result or not result["step"]:
        print("the run did not finish")
        return 1
    draws = {name: view.draw_count for name, view in window.views.views.items()}
    visible = "tabbed (one view visible)" if args.tabbed else "all views floated and visible"
    step_ratio = result["step"] / result["plain"]
    wall_rate = result["samples"] / max(result["run_seconds"], 1e-9)
    print(f"layout: {visible}; snapshots kept: {len(window.views.store)}")
    print("view redraws: " + ", ".join(f"{name} {count}" for name, count in draws.items()))
    print(f"GUI run, step throughput: {result['step']:,.0f} samples/s = {step_ratio:.2f} × the plain loop")
    print(f"GUI run, wall throughput (with probes and evaluation): {wall_rate:,.0f} samples/s = "
          f"{wall_rate / result['plain']:.2f} × the plain loop")
    print(f"GUI thread CPU while training: {result['gui_cpu'] / result['wall']:.0%} of {result['wall']:.1f} s")
    print("target step throughput ≥ 0.90 ×:", "met" if step_ratio >= 0.90 else "NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
