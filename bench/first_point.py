"""Press Train → the first loss point on the curve, in the real window.

The window opens a preset, waits until Train is enabled, and makes one
short, uncounted run (bench/app_harness.warm_up): the training process is
then warm and the data set built, as for any Train after the first of a
session. Each repeat presses Train and times until the first point of the
loss curve is there (the runner's first ``stepped``, drawn in the same turn
polled every 2 ms on the GUI thread), then stops, waits for the run to end
and resets.

    python bench/first_point.py [--preset digits_cnn] [--repeats 5] [--json F]

Target (issue #18): ≤ 0.3 s, median over the repeats.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.app_harness import open_window, reset_discarding, set_epochs, warm_up  # noqa: E402

TARGET_S = 0.3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="digits_cnn")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args(argv)

    from PySide6.QtCore import QTimer

    app, window = open_window(args.preset)
    times: list[float] = []
    state: dict = {"pressed": None}

    poll = QTimer()
    poll.setInterval(2)

    def press() -> None:
        state["pressed"] = time.perf_counter()
        window.train_action.trigger()
        poll.start()

    def on_poll() -> None:
        x, _ = window.curves.train_raw_curve.getData()
        if state["pressed"] is None or x is None or not len(x):
            return
        poll.stop()
        times.append(time.perf_counter() - state["pressed"])
        print(f"press {len(times)}: first loss point after {times[-1] * 1000:.0f} ms", flush=True)
        state["pressed"] = None
        window.runner.stop()

    poll.timeout.connect(on_poll)

    def on_finished(_finished) -> None:
        if not state.get("counting"):
            return
        QTimer.singleShot(0, after_run)

    def after_run() -> None:
        reset_discarding(window)
        if len(times) < args.repeats:
            QTimer.singleShot(300, press)
        else:
            window.close()
            app.quit()

    def start() -> None:
        set_epochs(window, 1000)  # stopped at its first point
        state["counting"] = True
        window.runner.finished.connect(on_finished)
        press()

    window.ready.connect(lambda: warm_up(window, start))
    QTimer.singleShot(300_000, app.quit)  # a run that never steps must not hang the suite
    app.exec()
    if len(times) < args.repeats:
        print("the repeats did not finish")
        return 1
    result = {"preset": args.preset, "repeats": args.repeats, "target_s": TARGET_S,
              "first_point_s": {"median": statistics.median(times), "min": min(times), "max": max(times)},
              "times_s": times}
    print(f"Press Train → first loss point: median {result['first_point_s']['median'] * 1000:.0f} ms "
          f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}) over {len(times)}; target ≤ {TARGET_S} s")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
