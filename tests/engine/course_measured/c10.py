"""C10: compare_permuted_pixels (the shapes CNN trained in place and on pixels
scrambled by one fixed permutation, shapes_cnn with permute_pixels on; its MLP
on the same scrambled pixels, which the lesson opens from the comparison) and the
Time-step shuffle test on the long-range GRU trained in order (long_range_gru).
The lesson's Pixel permutation test on the CNN trained in place was not
measured by the claim: nothing is mapped for it and no prediction reads it."""


def _row(run, label):
    return next(row["value"] for row in run["details"]["pixels"]["rows"] if row["label"] == label)


def runs(lesson, claims):
    return [{"cnn": {"val_accuracy": _row(run, "CNN")},
             "cnn_scrambled": {"val_accuracy": _row(run, "CNN permuted")},
             "mlp_scrambled": {"val_accuracy": _row(run, "MLP permuted")},
             "gru": {"shuffle_steps_before": run["details"]["probe"]["before"],
                     "shuffle_steps_after": run["details"]["probe"]["after"]}}
            for run in claims["C10"]["details"]["runs"]]
