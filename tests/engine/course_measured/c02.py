"""C2: parameter counts do not depend on the seed: they are the opened models' own.
The exercise's attempt is compare_digits_cnn_mlp's small CNN (its own count,
and the accuracy it reached at each seed and thread)."""

from engine.comparison_file import load_comparison
from engine.experiment_file import load_experiment
from engine.lesson_measure import model_fields
from engine.presets import PRESETS_DIR


def small_digits_cnn():
    comparison = load_comparison(PRESETS_DIR / "compare_digits_cnn_mlp.json")
    return next(e.experiment for e in comparison.experiments if e.label == "CNN")


def runs(lesson, claims):
    opened = {step.record: step.open for step in lesson.steps if step.record and step.open}
    models = {name: model_fields(load_experiment(path)) for name, path in opened.items()}
    if lesson.goal is None:
        return [models]
    params = model_fields(small_digits_cnn())["params"]
    return [{**models, "attempt": {"params": params, "val_accuracy": dict(run["values"])["digits CNN"]}}
            for run in claims["C2"]["details"]["runs"]]
