"""The capacity probe of a Hopfield experiment (claim C16): how recall from
corrupted probes falls as more patterns are stored, for the experiment's own
patterns and rule, beside the classical reference — random patterns under
the Hebbian rule, whose limit is about 0.14 N.

Headless and numpy: the command line prints it after a Hopfield run, the
Settling view plots it, bench/claims.py checks it over seeds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine import datasets, hopfield
from engine.datasets.patterns import source_patterns
from engine.spec import Experiment

MAX_LOAD = 0.3  # stored patterns up to 0.3 N: well past the classical limit
CLASSICAL = "random, hebbian rule (classical)"


@dataclass(frozen=True)
class CapacityReport:
    units: int
    curves: dict[str, hopfield.CapacityCurve]  # label → curve

    def text(self) -> str:
        parts = [f"capacity ({self.units} units; the classical Hebbian limit is "
                 f"{hopfield.CLASSICAL_LIMIT:.3f} N = {hopfield.CLASSICAL_LIMIT * self.units:.0f} patterns)"]
        for label, curve in self.curves.items():
            parts.append(f"{label}:\n{curve.table()}")
        return "\n".join(parts)

    def as_dict(self) -> dict:
        return {"units": self.units, "classical_limit": hopfield.CLASSICAL_LIMIT,
                "curves": {label: {"patterns": c.counts.tolist(), "load": [round(v, 4) for v in c.loads],
                                   "pixel_accuracy": [round(float(v), 4) for v in c.pixel_accuracy],
                                   "recalled": [round(float(v), 4) for v in c.recalled]}
                           for label, c in self.curves.items()}}


def hopfield_layer(experiment: Experiment) -> dict | None:
    """The Hopfield layer's parameters, when the experiment is a Hopfield net."""
    layers = experiment.model.layers
    if len(layers) == 1 and layers[0].type == "Hopfield":
        return dict(layers[0].params)
    return None


def capacity_report(experiment: Experiment, seed: int | None = None, points: int = 10,
                    trials: int = 3) -> CapacityReport:
    """Raises SpecError for an experiment that is not a valid Hopfield one."""
    layer = hopfield_layer(experiment)
    if layer is None:
        raise ValueError("the capacity probe needs a Hopfield experiment")
    spec = datasets.validate_dataset({"name": experiment.dataset.name, "options": dict(experiment.dataset.options)})
    options = spec.options
    seed = experiment.training.seed if seed is None else seed
    units = options["size"] ** 2
    most = max(2, int(round(MAX_LOAD * units)))
    counts = np.unique(np.linspace(1, most, points).round().astype(int))
    rule = "hebbian" if layer["rule"] == "gradient" else layer["rule"]
    flip = options["amount"] if options["corruption"] == "flip" else 0.2
    kw = dict(flip=flip, update=layer["update"], max_steps=layer["max_steps"], trials=trials, counts=counts,
              seed=seed)
    classical = options["source"] == "random" and rule == "hebbian"
    own = CLASSICAL if classical else f"{options['source']}, {rule} rule"
    curves = {own: hopfield.capacity(source_patterns(options, seed, most), rule, **kw)}
    if not classical:
        random = source_patterns({**options, "source": "random"}, seed, most)
        curves[CLASSICAL] = hopfield.capacity(random, "hebbian", **kw)
    return CapacityReport(units, curves)
