"""C4: digits_cnn trained at each seed and thread (its filters measured at initialisation and
trained); the lesson's prediction reads the trained run's final validation accuracy, which the
claim records as "accuracy" (bench/claims.py: the run's final val_accuracy)."""


def runs(lesson, claims):
    return [{"trained": {"val_accuracy": dict(run["values"])["accuracy"]}} for run in claims["C4"]["details"]["runs"]]
