"""A sweep of many small trials: how much faster two training processes
finish it than one, on this machine, in the same run — and that both give
the same numbers per trial.

The sweep is the digits CNN at 2 epochs, 10 learning rates × 10 seeds = 100
trials (``--trials`` changes the seeds). Each pair runs it with one job and
with two into fresh results folders, in alternating order (a slow spell of
this shared machine hits both sides of a pair alike); the figure is the
median over the pairs of seconds(1 job) / seconds(2 jobs).

Then the Sweep window runs the same sweep (at its default jobs: one core
left for the window, so 1 on a 2-core machine) into a fresh folder, while
a 10 ms timer on the GUI thread records its lateness: the window only
reads events and redraws; the trials train in their own processes.

    python bench/sweep.py [--pairs 2] [--trials 100] [--gui-trials 40] [--json F]

Targets (issue #21): ≥ 1.6 with 2 jobs on a machine with 2 or more cores;
GUI-thread lateness p99 ≤ 50 ms while the window runs a sweep.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TARGET = 1.6
P99_TARGET_MS = 50.0
RATES = [0.0005, 0.001, 0.002, 0.003, 0.005, 0.007, 0.01, 0.015, 0.02, 0.03]


def sweep_doc(trials: int) -> dict:
    from engine.experiment_file import experiment_to_dict
    from engine.presets import load_preset

    base = experiment_to_dict(load_preset("digits_cnn"))
    return {"format": "cnn-rnn-playground/sweep", "version": 1, "name": "bench: digits CNN", "base": base,
            "axes": [{"path": "training.learning_rate", "values": RATES}],
            "seeds": max(1, trials // len(RATES)), "epochs": 2}


def timed(sweep, folder: Path, jobs: int) -> tuple[float, dict]:
    from engine import process_pool
    from engine.sweep_run import run_sweep

    process_pool.close_all()  # each side starts its own processes: start-up counts on both
    started = time.perf_counter()
    outcome = run_sweep(sweep, folder, jobs=jobs)
    seconds = time.perf_counter() - started
    if outcome.failed:
        raise SystemExit(f"{len(outcome.failed)} trials failed: {next(iter(outcome.failed.values()))}")
    return seconds, {doc["key"]: doc["summary"]["final"] for doc in outcome.results.values()}


def gui_lateness(trials: int, folder: Path) -> dict:
    """The Sweep window running ``trials`` trials at its default jobs; the GUI thread's lateness meanwhile."""
    from PySide6.QtCore import QTimer

    from bench.app_harness import Lateness
    from engine.sweep_file import parse_sweep
    from gui.app import create_application
    from gui.sweep.sweep_window import SweepWindow

    app = create_application([])
    window = SweepWindow(parse_sweep(sweep_doc(trials)), folder=folder, open_in_main=lambda *a: None)
    window.show()  # Jobs as the window sets it: one core left for the window (engine.threads.parallel_slots)
    lateness = Lateness(lambda: window.running)
    started = time.perf_counter()

    def check() -> None:
        if not window.running:
            lateness.stop()
            poll.stop()
            window.close()
            app.quit()

    poll = QTimer()
    poll.timeout.connect(check)
    QTimer.singleShot(0, lambda: (window.run(), lateness.start(), poll.start(200)))
    app.exec()
    figures = lateness.percentiles()
    return {"gui_trials": trials, "gui_jobs": window.jobs.value(),
            "gui_seconds": round(time.perf_counter() - started, 1),
            "p50_ms": figures["p50_ms"], "p99_ms": figures["p99_ms"], "max_ms": figures["max_ms"],
            "lateness_ticks": figures["ticks"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--gui-trials", type=int, default=40, help="trials the Sweep window runs (0: no GUI part)")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args(argv)

    from engine.sweep_file import parse_sweep

    sweep = parse_sweep(sweep_doc(args.trials))
    ratios, one, two, same = [], [], [], True
    with tempfile.TemporaryDirectory() as tmp:
        for pair in range(args.pairs):
            order = (1, 2) if pair % 2 == 0 else (2, 1)
            seconds = {}
            finals = {}
            for jobs in order:
                seconds[jobs], finals[jobs] = timed(sweep, Path(tmp) / f"p{pair}-j{jobs}", jobs)
                print(f"pair {pair + 1}: {sweep.trial_count} trials with {jobs} job(s) in {seconds[jobs]:.1f} s",
                      flush=True)
            same = same and finals[1] == finals[2]
            one.append(seconds[1])
            two.append(seconds[2])
            ratios.append(seconds[1] / seconds[2])
        result = {"trials": sweep.trial_count, "epochs": 2, "preset": "digits_cnn",
                  "one_job_s": one, "two_jobs_s": two, "same_results": same,
                  "speedup": {"median": statistics.median(ratios), "min": min(ratios), "max": max(ratios),
                              "pairs": len(ratios)}}
        if args.gui_trials:
            result.update(gui_lateness(args.gui_trials, Path(tmp) / "gui"))
            print(f"Sweep window, {args.gui_trials} trials at {result['gui_jobs']} job(s): GUI lateness p50 "
                  f"{result['p50_ms']:.1f} ms, "
                  f"p99 {result['p99_ms']:.1f} ms (max {result['max_ms']:.0f}), target p99 ≤ {P99_TARGET_MS:.0f}")
    print(f"2 jobs / 1 job: {result['speedup']['median']:.2f} ({result['speedup']['min']:.2f}–"
          f"{result['speedup']['max']:.2f}), target ≥ {TARGET}; same per-trial results: {same}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
