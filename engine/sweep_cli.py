"""``--summary SWEEP.json`` and ``--headless SWEEP.json [--cluster ADDR]
[--jobs N] [--results DIR] [--summary-json F]`` (README, "Sweeps").

Headless, one line per finished trial (with the sweep's progress), then the
table of means and ranges per axis value. Exit codes as the command line's:
0 every trial has a result (a diverged trial is a result), 1 a trial broke or
the sweep was interrupted (what finished stays in the results folder, and the
same command resumes), 2 invalid input.
"""

from __future__ import annotations

import argparse
import json
from typing import TextIO

EXIT_OK, EXIT_UNEXPECTED, EXIT_INVALID = 0, 1, 2


def summary_sweep(path: str, out: TextIO) -> int:
    from engine.sweep_file import load_sweep
    from engine.sweep_run import results_folder_for

    sweep = load_sweep(path)
    print(f"sweep {sweep.name}: {len(sweep.experiments)} experiment{'s' if len(sweep.experiments) > 1 else ''} "
          f"({', '.join(sweep.labels)}), {sweep.trial_count} trials" +
          (f" (claims {', '.join(sweep.claims)})" if sweep.claims else ""), file=out)
    for axis in sweep.axes:
        linked = "".join(f"; with {p} {json.dumps(list(v))}" for p, v in axis.linked)
        print(f"axis {axis.title} ({axis.path}): {json.dumps(list(axis.values))}{linked}", file=out)
    print(f"seeds: {sweep.seeds.describe()} per point; metric: {sweep.metric}"
          + (f"; {sweep.epochs} epochs each" if sweep.epochs else ""), file=out)
    print(f"results: {results_folder_for(path)}", file=out)
    return EXIT_OK


def headless_sweep(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import dataclasses
    import threading
    import time

    from engine.experiment_file import write_atomic
    from engine.sweep_file import load_sweep
    from engine.sweep_run import (
        SweepProgress,
        SweepStarted,
        TrialDone,
        TrialFailed,
        check_cluster,
        format_duration,
        results_folder_for,
        run_sweep,
    )
    from engine.sweep_summary import metric_name, summarise, trial_metric
    from engine.threads import use_training_threads

    sweep = load_sweep(args.file)
    if args.epochs is not None:
        sweep = dataclasses.replace(sweep, epochs=args.epochs)
    if args.seeds is not None:
        sweep = dataclasses.replace(sweep, seeds=args.seeds)
    if args.cluster:
        check_cluster(args.cluster)
    trials = sweep.trials()
    folder = args.results or results_folder_for(args.file)
    progress = SweepProgress()
    metric = [metric_name(sweep, [])]

    def take(event: object) -> None:
        progress.take(event)
        if isinstance(event, SweepStarted):
            again = f", {event.finished} already in {folder}" if event.finished else ""
            print(f"sweep {sweep.name}: {event.total} trials{again}; running on {event.where}", file=out, flush=True)
        elif isinstance(event, TrialDone) and not event.cached:
            value = trial_metric(event.result, sweep.metric)
            metric[0] = metric_name(sweep, [event.result])
            shown = "diverged" if value is None else f"{metric[0]} {value:.4f}"
            seconds = float(event.result["summary"].get("wall_seconds") or 0.0)
            print(f"[{progress.done}/{progress.total}] {event.trial.describe(sweep.axes)}: {shown} in "
                  f"{seconds:.1f}s  ({progress.text()})", file=out, flush=True)
        elif isinstance(event, TrialFailed):
            print(f"error: {event.trial.describe(sweep.axes)}: {event.message}", file=err, flush=True)

    from engine import process_pool

    use_training_threads()
    stop = threading.Event()
    try:
        outcome = run_sweep(sweep, folder, jobs=args.jobs, cluster=args.cluster, on_event=take, stop=stop,
                            trials=trials)
    except KeyboardInterrupt:
        stop.set()
        print(f"interrupted: the finished trials are in {folder}; run the same command to go on", file=err)
        return EXIT_UNEXPECTED
    finally:
        process_pool.close_all()
    for line in outcome.problems:
        print(f"note: {line}", file=err)
    table = summarise(sweep, trials, outcome.results)
    for line in table.table_lines():
        print(line, file=out)
    print(f"{len(outcome.results)} of {len(trials)} trials in {folder}"
          + (f" ({progress.cached} from earlier runs)" if progress.cached else "")
          + f", {format_duration(time.perf_counter() - progress.started)} here", file=out)
    if args.summary_json:
        write_atomic(args.summary_json, json.dumps({**table.to_dict(), "results": str(folder)}, indent=2,
                                                   ensure_ascii=False) + "\n")
    if outcome.failed:
        print(f"error: {len(outcome.failed)} trial{'s' if len(outcome.failed) > 1 else ''} broke; the same "
              "command trains them again", file=err)
        return EXIT_UNEXPECTED
    return EXIT_OK
