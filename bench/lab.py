"""The lab with two columns training together — the digits CNN and the
row-by-row GRU (compare_digits_cnn_gru) — against each column trained alone
in the same run; and how responsive the window stays meanwhile.

The run goes in rounds of three segments: both columns train, then the CNN
alone, then the GRU alone (the other paused). Each column's step throughput
(samples per second inside its training steps, from its own step events)
together over alone, in the same round, is one pair; the figure is the
median over the rounds, so a slow spell of this shared machine hits both
sides of a pair alike. While both train, a 10 ms timer on the GUI thread
records its lateness. The shared input is fed to both columns at every
snapshot, as in use.

    python bench/lab.py [--comparison compare_digits_cnn_gru] [--rounds 6] [--segment 2.0] [--json F]

Targets (issue #17): each column ≥ 0.8 of its speed alone; lateness p99 ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.app_harness import Lateness  # noqa: E402

TARGETS = {"together_over_alone": 0.8, "p99_ms": 50.0}
SETTLE_S = 0.4  # after a resume, before counting: the other column's pause has landed by then


def seen_and_elapsed(step) -> tuple[float, float]:
    return step.samples_per_second * step.elapsed, step.elapsed


def spread(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "pairs": len(values)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comparison", default="compare_digits_cnn_gru")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--segment", type=float, default=2.0, help="seconds counted per segment")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args(argv)

    from PySide6.QtCore import QTimer

    from engine.comparison_file import load_comparison
    from engine.presets import PRESETS_DIR
    from gui.app import create_application
    from gui.lab.lab_window import LabWindow

    app = create_application([])
    lab = LabWindow(load_comparison(PRESETS_DIR / f"{args.comparison}.json"))
    lab.show()
    columns = lab.columns
    phases = [("together", [0, 1]), ("alone", [0]), ("alone", [1])]
    state: dict = {"round": 0, "phase": 0, "rates": [], "together": False}
    lateness = Lateness(lambda: state["together"])

    def begin_phase() -> None:
        kind, which = phases[state["phase"]]
        for i, column in enumerate(columns):
            (column.train if i in which else column.pause)()
        QTimer.singleShot(int(SETTLE_S * 1000), lambda: mark(kind, which))

    def mark(kind: str, which: list[int]) -> None:
        state["mark"] = {i: seen_and_elapsed(columns[i].runner.last_step) for i in which}
        state["together"] = kind == "together"
        QTimer.singleShot(int(args.segment * 1000), lambda: end_phase(kind, which))

    def end_phase(kind: str, which: list[int]) -> None:
        state["together"] = False
        for i in which:
            seen0, elapsed0 = state["mark"][i]
            seen1, elapsed1 = seen_and_elapsed(columns[i].runner.last_step)
            state["rates"].append((state["round"], kind, i, (seen1 - seen0) / max(elapsed1 - elapsed0, 1e-9)))
        state["phase"] += 1
        if state["phase"] == len(phases):
            state["phase"] = 0
            state["round"] += 1
            report_round(state["round"] - 1)
        if state["round"] < args.rounds:
            begin_phase()
        else:
            lab.stop_all()
            QTimer.singleShot(500, finish)

    def report_round(r: int) -> None:
        rates = {(kind, i): v for rr, kind, i, v in state["rates"] if rr == r}
        text = ", ".join(f"{columns[i].label} {rates[('together', i)] / rates[('alone', i)]:.2f}" for i in (0, 1))
        print(f"round {r + 1}: together / alone: {text}", flush=True)

    def finish() -> None:
        lateness.stop()
        lab.shutdown()
        lab.close()
        app.quit()

    def start() -> None:
        lateness.start()
        QTimer.singleShot(500, begin_phase)

    def wait_for_processes() -> None:
        # The training processes import torch first: start counting once both are training.
        lab.train_all(epochs=100_000)  # stopped after the last round
        poll = QTimer(lab)

        def check() -> None:
            if all(c.runner.step_count > 0 and c.state == "running" for c in columns):
                poll.stop()
                start()

        poll.timeout.connect(check)
        poll.start(100)

    QTimer.singleShot(0, wait_for_processes)
    app.exec()
    ratios: dict[str, list[float]] = {c.label: [] for c in columns}
    for r in range(state["round"]):
        rates = {(kind, i): v for rr, kind, i, v in state["rates"] if rr == r}
        for i, column in enumerate(columns):
            ratios[column.label].append(rates[("together", i)] / rates[("alone", i)])
    if not all(ratios.values()):
        print("the run did not finish a round")
        return 1
    result = {
        "comparison": args.comparison, "columns": [c.label for c in columns],
        "together_over_alone": {label: spread(values) for label, values in ratios.items()},
        **{k: v for k, v in lateness.percentiles().items() if k != "ticks"},
        "lateness_ticks": len(lateness.late_ms), "targets": TARGETS,
        "rates": [{"round": r, "kind": k, "column": columns[i].label, "samples_per_second": v}
                  for r, k, i, v in state["rates"]],
    }
    summary = ", ".join(f"{label} {s['median']:.2f} ({s['min']:.2f}–{s['max']:.2f})"
                        for label, s in result["together_over_alone"].items())
    print(f"together / alone, median of {state['round']} rounds: {summary}; lateness p50 {result['p50_ms']:.1f} ms, "
          f"p99 {result['p99_ms']:.1f} ms over {result['lateness_ticks']} ticks")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
