"""One sweep trial as JSON in, JSON out: what a Dask worker runs.

A trial ships as its experiment document (plus epochs and the thread count)
and comes back as a result document, the weights as base64 ``.npy`` bytes:
no pickled code crosses the wire, only the name of this function, so a
worker needs this package installed and nothing else (its data from the
built-in generators, or a path every worker can read). Engine code: no Qt.
"""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import numpy as np

TRIAL_FORMAT = "cnn-rnn-playground/sweep-job"


def trial_document(experiment: dict[str, Any], epochs: int | None, threads: int) -> str:
    return json.dumps({"format": TRIAL_FORMAT, "experiment": experiment, "epochs": epochs, "threads": threads},
                      ensure_ascii=False)


def run_trial(document: str) -> str:
    """Train the trial in this process; its run as JSON (see ``run_to_json``)."""
    import os

    from engine.experiment_file import parse_experiment
    from engine.headless import train_headless
    from engine.threads import use_training_threads

    job = json.loads(document)
    if job.get("format") != TRIAL_FORMAT:
        raise ValueError("not a sweep trial")
    use_training_threads(int(job["threads"]))
    experiment = parse_experiment(job["experiment"])
    with open(os.devnull, "w") as quiet:
        run = train_headless(experiment, quiet, epochs=job.get("epochs"))
    return run_to_json(run)


def run_to_json(run: Any) -> str:
    """A HeadlessRun as JSON: summary, metric, per-epoch rows, outcome, weights."""
    rows = [{"epoch": e.epoch, "step": e.step, "train_loss": e.train_loss, "train_metric": e.train_metric,
             "val_loss": e.val_loss, "val_metric": e.val_metric, "seconds": e.seconds,
             "samples_per_second": e.samples_per_second} for e in run.epochs]
    weights = None if run.weights is None else {name: _encode(array) for name, array in run.weights.items()}
    return json.dumps({"summary": run.summary, "metric": run.metric, "epochs": rows, "diverged": run.diverged,
                       "stopped": run.stopped, "failed": run.failed, "weights": weights}, allow_nan=True)


def run_from_json(text: str) -> Any:
    """The HeadlessRun ``run_to_json`` wrote."""
    from engine.events import EpochDone
    from engine.headless import HeadlessRun

    doc = json.loads(text)
    rows = [EpochDone(**row) for row in doc["epochs"]]
    weights = None if doc["weights"] is None else {name: _decode(v) for name, v in doc["weights"].items()}
    return HeadlessRun(doc["summary"], doc["metric"], rows, doc["diverged"], doc["stopped"], doc["failed"], weights)


def _encode(array: np.ndarray) -> str:
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _decode(text: str) -> np.ndarray:
    return np.load(io.BytesIO(base64.b64decode(text)), allow_pickle=False)
