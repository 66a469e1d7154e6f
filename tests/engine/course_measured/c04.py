"""C4: digits_cnn trained at each seed and thread, its first-layer filters measured at
initialisation and trained (bench/claims.py's c4, with engine/claims.py's relative_change and
neighbour_correlation, as engine/lesson_measure.filter_fields measures a learner's run): the
lesson records them as filters_moved, filter_smoothness_start and filter_smoothness, and the
trained run's final validation accuracy, which the claim records as "accuracy"."""


def runs(lesson, claims):
    out = []
    for run in claims["C4"]["details"]["runs"]:
        details = run["details"]
        start, trained = details["neighbour_correlation"]
        out.append({"cnn": {"filters_moved": details["relative_change"], "filter_smoothness_start": start,
                            "filter_smoothness": trained, "val_accuracy": dict(run["values"])["accuracy"]}})
    return out
