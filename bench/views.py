"""Training speed with every live view open, against a plain PyTorch loop.

1. A plain PyTorch loop trains the preset's model on a plain thread (no
   events, no probes, no evaluation) for reference samples/s.
2. The real main window opens, every live view is floated out of its tab so
   that all of them are visible and draw at once (the worst case: in the
   default layout only the view in front draws), and the same experiment
   trains with every probe on at its default rate.

Each round runs the plain loop with torch's default thread count and with
one thread, then the app. The app trains in its own process on one core
fewer than the machine has (engine/training_process.py), so its reference is
the plain loop at that same thread count — the definition issue #8 uses; the
ratio against the faster plain loop is printed too, since on a 2-core machine
the core left to the window is a real cost (about 15 % here). Prints two
ratios: *step* throughput (the summary's samples/s, time inside
training steps — what the GUI's competition for the GIL and the CPU costs)
and *wall* throughput (samples over the run's wall time, which adds probe
snapshots and per-epoch evaluation). Medians over the rounds.

    python bench/views.py [--preset digits_cnn] [--epochs 40] [--plain-epochs 20] [--tabbed] [--repeats 3]

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

import numpy as np  # noqa: E402

from bench.responsiveness import run_plain_on_thread  # noqa: E402


def app_threads() -> int:
    """The torch threads the app's training process uses (see
    engine.training_process.leave_a_core_for_the_window)."""
    import torch

    return max(1, min(torch.get_num_threads(), (os.cpu_count() or 1) - 1))


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
    parser.add_argument("--no-curves", action="store_true", help="hide the loss curves (to measure the views alone)")
    parser.add_argument("--no-views", action="store_true", help="close every view dock (to measure the curves alone)")
    parser.add_argument("--hidden", action="store_true", help="hide the window while training (no painting at all)")
    parser.add_argument("--repeats", type=int, default=3, help="rounds of plain loops and an app run, interleaved")
    args = parser.parse_args()

    import tempfile

    from PySide6.QtCore import QSettings, QTimer

    from engine.presets import PRESETS_DIR

    # A fresh settings folder: the default layout, and the user's saved one left alone.
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    from gui.app import create_application

    app = create_application()
    from gui.main_window import MainWindow

    window = MainWindow(str(PRESETS_DIR / f"{args.preset}.json"))
    window.show()
    rounds: list[dict[str, float]] = []
    result: dict[str, float] = {}

    def plain(threads: int | None) -> float:
        import torch

        before = torch.get_num_threads()
        if threads:
            torch.set_num_threads(threads)
        try:
            return run_plain_on_thread(window.document.experiment, args.plain_epochs)
        finally:
            torch.set_num_threads(before)

    def start_round() -> None:
        result.clear()
        result["plain_default"] = plain(None)
        result["plain_one"] = plain(1)
        result["cpu0"], result["wall0"] = time.thread_time(), time.perf_counter()
        window.train_action.trigger()
        if args.hidden:
            window.hide()

    def on_ready() -> None:
        import torch

        experiment = window.document.experiment
        print(f"experiment: {experiment.name} ({experiment.dataset.name}), batch {experiment.training.batch_size}; "
              f"torch threads by default: {torch.get_num_threads()}", flush=True)
        if not args.tabbed:
            float_all_views(window)
        if args.no_curves:
            window.curves.hide()
        if args.no_views:
            from gui.dock_layout import VIEW_DOCKS

            for name, _ in VIEW_DOCKS:
                window.docks[name].close()
        window.training_panel.set_value("epochs", args.epochs)
        window.document.replace(window.document.experiment, window.document.path)  # not dirty
        start_round()

    def on_finished(finished: object) -> None:
        wall = time.perf_counter() - result["wall0"]
        summary = getattr(finished, "summary", {}) or {}
        samples = summary.get("samples_per_second", 0.0) * summary.get("train_seconds", 0.0)
        plain_best = max(result["plain_default"], result["plain_one"])
        plain_same = result["plain_one"] if app_threads() == 1 else result["plain_default"]
        rounds.append({
            "plain_default": result["plain_default"], "plain_one": result["plain_one"],
            "step": summary.get("samples_per_second", 0.0) / plain_same,
            "wall": samples / max(summary.get("seconds", 0.0), 1e-9) / plain_same,
            "step_best": summary.get("samples_per_second", 0.0) / plain_best,
            "gui_cpu": (time.thread_time() - result["cpu0"]) / wall,
            "tick": window.runner.tick_ms,
        })
        r = rounds[-1]
        print(f"round {len(rounds)}: plain {r['plain_default']:,.0f} (default threads) / {r['plain_one']:,.0f} "
              f"(1 thread) samples/s; app step {r['step']:.2f} ×, wall {r['wall']:.2f} × the plain loop at the "
              f"app's {app_threads()} thread(s), step {r['step_best']:.2f} × the faster plain loop; "
              f"GUI thread CPU {r['gui_cpu']:.0%}, tick at the end {r['tick']} ms", flush=True)
        if len(rounds) < args.repeats:
            window.reset_action.trigger()
            window.show()
            QTimer.singleShot(200, start_round)
        else:
            result["on_screen"] = [name for name, view in window.views.views.items() if view.on_screen()]
            # close() alone does not end the event loop when the window is hidden (--hidden)
            QTimer.singleShot(0, lambda: (window.close(), app.quit()))

    window.ready.connect(on_ready)
    window.runner.finished.connect(on_finished)
    app.exec()

    if len(rounds) < args.repeats:
        print("the runs did not finish")
        return 1
    draws = {name: view.draw_count for name, view in window.views.views.items()}
    visible = "tabbed" if args.tabbed else "all views floated and visible"
    print(f"layout: {visible}; on screen at the end: {', '.join(result['on_screen'])}")
    print("view redraws (last run): " + ", ".join(f"{name} {count}" for name, count in draws.items()))
    step = float(np.median([r["step"] for r in rounds]))
    wall = float(np.median([r["wall"] for r in rounds]))
    best = float(np.median([r["step_best"] for r in rounds]))
    print(f"median of {len(rounds)}: app step throughput {step:.2f} × the plain loop at the same thread count "
          f"(range {min(r['step'] for r in rounds):.2f}–{max(r['step'] for r in rounds):.2f}), "
          f"wall throughput {wall:.2f} ×; {best:.2f} × the faster plain loop (range "
          f"{min(r['step_best'] for r in rounds):.2f}–{max(r['step_best'] for r in rounds):.2f})")
    print("target step throughput ≥ 0.90 ×:", "met" if step >= 0.90 else "NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
