"""C15: compare_hybrid on long_range — the 1-D CNN (long_range_cnn), the GRU
(long_range_gru) and the hybrid Conv1d → MaxPool1d → GRU (hybrid_long_range).
Accuracy after 3 epochs is the claim's ``epoch_3`` (the lesson's runs are
stopped after 3 epochs); accuracy at the end and seconds per epoch are those
of the comparison's full runs (6 epochs for the GRU and the hybrid), whose
time per epoch is what a run stopped after 3 epochs measures too. Parameter
counts do not depend on the seed: they are the opened presets' own."""

from engine.experiment_file import load_experiment
from engine.lesson_measure import model_fields
from engine.preset_paths import PRESETS_DIR


def _params(name):
    return model_fields(load_experiment(PRESETS_DIR / f"{name}.json"))["params"]


# bench/claims.py c15's values, in the order it adds them (its labels repeat "GRU" and "CNN").
_ORDER = (("early_hybrid", "after 3 epochs: hybrid"), ("early_gru", "GRU"), ("early_cnn", "CNN"),
          ("end_hybrid", "at the end: hybrid"), ("end_gru", "GRU"), ("end_cnn", "CNN"),
          ("seconds_hybrid", "s/epoch hybrid"), ("seconds_gru", "GRU"))


def _labelled(run):
    values = {}
    for (name, label), (given, value) in zip(_ORDER, run["values"], strict=False):
        assert given == label, (given, label)
        values[name] = value
    return values


def runs(lesson, claims):
    params = {name: _params(preset) for name, preset in
              (("gru", "long_range_gru"), ("cnn", "long_range_cnn"), ("hybrid", "hybrid_long_range"))}
    out = []
    for run in claims["C15"]["details"]["runs"]:
        early, values = run["details"]["epoch_3"], _labelled(run)
        out.append({"gru": {"val_accuracy": early["GRU"], "params": params["gru"],
                            "seconds_per_epoch": values["seconds_gru"]},
                    "cnn": {"val_accuracy": early["CNN"], "params": params["cnn"]},
                    "hybrid_model": {"params": params["hybrid"], "valid": 1},
                    "hybrid": {"val_accuracy": early["CNN+GRU"], "params": params["hybrid"],
                               "seconds_per_epoch": values["seconds_hybrid"]},
                    "gru_full": {"val_accuracy": values["end_gru"], "params": params["gru"]}})
    return out
