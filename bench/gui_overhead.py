"""Training inside the running app with every live view open, against a
plain PyTorch loop; and, in the same runs, how responsive the window stays
and how often its plots actually redraw.

Each round runs the plain loop (bench/plain_loop.py) on a plain thread at
the app's training thread count and at torch's default, then the real
window trains the same experiment with every view floated and every probe on
at its default rate. The app trains in a child process on one core fewer
than the machine has (engine/training_process.py), so its reference is the
plain loop at that thread count — issue #8's "same thread count"; the ratio
to the faster plain loop is recorded too (on 2 cores, the core left to the
window is a real cost). During the app's run a 10 ms timer on the GUI thread
records its lateness, and paint events are counted on the curves and every
view.

    python bench/gui_overhead.py [--preset digits_cnn] [--epochs 300] [--plain-epochs 20] [--repeats 3]
                                 [--tabbed] [--json F]

Targets (issue #8): step throughput ≥ 0.90 × the plain loop; lateness p99
≤ 50 ms; the busiest plot redraws ≥ 20 times a second.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.app_harness import (  # noqa: E402
    Lateness,
    float_all_views,
    open_window,
    resident_mb,
    set_epochs,
    view_paint_counters,
    warm_up,
)

TARGETS = {"step_ratio": 0.90, "p99_ms": 50.0, "redraws_per_second": 20.0}


def app_threads() -> int:
    """The torch threads the app's training process uses (engine.training_process)."""
    import torch

    return max(1, min(torch.get_num_threads(), (os.cpu_count() or 1) - 1))


def plain_speeds(experiment, epochs: int) -> dict[str, float]:
    """Plain-loop step samples/s at the app's thread count and at torch's default."""
    import torch

    from bench.plain_loop import on_a_thread, plain_loop
    from engine import datasets

    bundle = datasets.load(experiment.dataset, experiment.training.seed)
    before = torch.get_num_threads()
    out = {}
    for name, threads in (("app_threads", app_threads()), ("default_threads", before)):
        torch.set_num_threads(threads)
        try:
            out[name] = on_a_thread(plain_loop, experiment, bundle, epochs).step
        finally:
            torch.set_num_threads(before)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="digits_cnn")
    parser.add_argument("--epochs", type=int, default=300, help="epochs of each app run")
    parser.add_argument("--plain-epochs", type=int, default=20, help="epochs of each plain loop")
    parser.add_argument("--repeats", type=int, default=3, help="rounds of plain loops and an app run, interleaved")
    parser.add_argument("--tabbed", action="store_true", help="keep the default tabbed layout (one view in front)")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args(argv)

    from PySide6.QtCore import QTimer

    app, window = open_window(args.preset)
    rounds: list[dict] = []
    state: dict = {}
    lateness = Lateness(lambda: window.runner.state == "running")

    def start_round() -> None:
        state["plain"] = plain_speeds(window.document.experiment, args.plain_epochs)
        for counter in state["counters"].values():
            counter.count, counter.counting = 0, True
        state["wall0"], state["cpu0"] = time.perf_counter(), time.thread_time()
        lateness.late_ms.clear()
        lateness.start()
        window.train_action.trigger()

    def on_ready() -> None:
        experiment = window.document.experiment
        print(f"experiment: {experiment.name} ({experiment.dataset.name}), batch {experiment.training.batch_size}; "
              f"app trains on {app_threads()} thread(s)", flush=True)
        if not args.tabbed:
            float_all_views(window)
        state["counters"] = view_paint_counters(window)

        def first_round() -> None:
            set_epochs(window, args.epochs)
            window.runner.finished.connect(on_finished)
            start_round()

        warm_up(window, first_round)

    def on_finished(finished: object) -> None:
        wall = time.perf_counter() - state["wall0"]
        lateness.stop()
        for counter in state["counters"].values():
            counter.counting = False
        summary = getattr(finished, "summary", {}) or {}
        sps = summary.get("samples_per_second", 0.0)
        plain = state["plain"]
        redraws = {name: c.count / wall for name, c in state["counters"].items()}
        rounds.append({
            "plain": plain, "app_samples_per_second": sps,
            "step_ratio": sps / plain["app_threads"],
            "step_ratio_to_faster_plain": sps / max(plain.values()),
            "wall_seconds": wall, "gui_thread_cpu": (time.thread_time() - state["cpu0"]) / wall,
            "lateness": lateness.percentiles(), "redraws_per_second": redraws,
            "view_draws": {name: view.draw_count for name, view in window.views.views.items()},
            "resident_mb": resident_mb(), "tick_ms_at_end": window.runner.tick_ms,
        })
        r = rounds[-1]
        busiest = max(redraws, key=redraws.get)
        print(f"round {len(rounds)}: plain {plain['app_threads']:,.0f} samples/s at {app_threads()} thread(s), "
              f"{plain['default_threads']:,.0f} at the default; app {r['step_ratio']:.2f} × the first; "
              f"lateness p50 {r['lateness']['p50_ms']:.1f} ms, p99 {r['lateness']['p99_ms']:.1f} ms; "
              f"busiest plot {busiest} {redraws[busiest]:.1f} redraws/s; GUI thread CPU {r['gui_thread_cpu']:.0%}",
              flush=True)
        if len(rounds) < args.repeats:
            window.reset_action.trigger()
            QTimer.singleShot(300, start_round)
        else:
            QTimer.singleShot(0, lambda: (window.close(), app.quit()))

    window.ready.connect(on_ready)
    app.exec()
    if len(rounds) < args.repeats:
        print("the runs did not finish")
        return 1

    def spread(values: list[float]) -> dict[str, float]:
        return {"median": statistics.median(values), "min": min(values), "max": max(values)}

    names = list(rounds[0]["redraws_per_second"])
    redraws = {name: spread([r["redraws_per_second"][name] for r in rounds]) for name in names}
    busiest = max(redraws, key=lambda n: redraws[n]["median"])
    result = {
        "preset": args.preset, "layout": "tabbed" if args.tabbed else "every view floated", "threads": app_threads(),
        "step_ratio": spread([r["step_ratio"] for r in rounds]),
        "step_ratio_to_faster_plain": spread([r["step_ratio_to_faster_plain"] for r in rounds]),
        "p50_ms": spread([r["lateness"]["p50_ms"] for r in rounds]),
        "p99_ms": spread([r["lateness"]["p99_ms"] for r in rounds]),
        "max_ms": max(r["lateness"]["max_ms"] for r in rounds),
        "redraws_per_second": redraws, "busiest": busiest, "targets": TARGETS, "rounds": rounds,
    }
    print(f"median of {len(rounds)}: app {result['step_ratio']['median']:.2f} × the plain loop at the same thread "
          f"count; lateness p99 {result['p99_ms']['median']:.1f} ms; busiest plot {busiest} "
          f"{redraws[busiest]['median']:.1f} redraws/s")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
