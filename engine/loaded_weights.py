"""What the live views show for weights that were not trained in this
session (read from an experiment's weights file): the events a run gives
before its first step — RunStarted, a snapshot of the probe samples, the
predictions on the validation samples — with those weights, and no step.

``train`` itself produces them: started with the weights and a control that
is already stopped, it yields RunStarted and the step-0 snapshot, stops
before the first batch, evaluates the samples the Predictions view shows,
and takes the final snapshot. The samples are chosen as a run of the
experiment chooses them (its seed), so the views read as they would after
a run. Everything runs on the CPU, on the caller's thread.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from engine.control import TrainingControl
from engine.events import Finished, Predictions, RunStarted, Snapshot
from engine.probes import ProbeSettings
from engine.spec import Experiment


def look_inside(experiment: Experiment, weights: Mapping[str, np.ndarray],
                probes: ProbeSettings | None = None) -> list[RunStarted | Snapshot | Predictions]:
    """The RunStarted, Snapshot and Predictions events of ``experiment``'s model
    holding ``weights``, with no training step. Raises PlaygroundError (the
    weights do not fit, the data set cannot be read) as ``train`` does."""
    from engine.training import train

    control = TrainingControl()
    control.stop()
    events = []
    for event in train(experiment, control=control, probes=probes or ProbeSettings(), device="cpu",
                       initial_weights=dict(weights)):
        if isinstance(event, Finished):
            break
        if isinstance(event, RunStarted | Snapshot | Predictions):
            events.append(event)
    return events
