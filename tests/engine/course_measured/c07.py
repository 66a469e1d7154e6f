"""C7: long_range_gru's parameter count at length 64 and at 640 (the claim
counts both), and the trained GRU's validation accuracy on long_range — the
same preset at the same seed and thread count, measured for C8
(compare_long_range)."""


def runs(lesson, claims):
    trained = {(run["threads"], run["seed"]): _row(run["details"]["long_range"], "GRU")["value"]
               for run in claims["C8"]["details"]["runs"]}
    return [{"short": {"params": run["details"]["params"]["64"]},
             "long": {"params": run["details"]["params"]["640"]},
             "gru": {"val_accuracy": trained[run["threads"], run["seed"]]}}
            for run in claims["C7"]["details"]["runs"]]


def _row(comparison, label):
    return next(row for row in comparison["rows"] if row["label"] == label)
