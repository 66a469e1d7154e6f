"""C8: compare_long_range (GRU vs the 1-D CNN, field 9), compare_long_range_dilated
(the dilated CNN, field 21) and compare_motif (CNN vs GRU, and their seconds per epoch)."""


def runs(lesson, claims):
    out = []
    for run in claims["C8"]["details"]["runs"]:
        details = run["details"]
        long_range, dilated, motif = details["long_range"], details["dilated"], details["motif"]
        out.append({
            "gru": _fields(_row(long_range, "GRU")),
            "cnn": _fields(_row(long_range, "CNN")),
            "dilated": _fields(_row(dilated, "dilated CNN")),
            "motif_cnn": _fields(_row(motif, "CNN")),
            "motif_gru": _fields(_row(motif, "GRU")),
        })
    return out


def _row(comparison, label):
    return next(row for row in comparison["rows"] if row["label"] == label)


def _fields(row):
    return {"val_accuracy": row["value"], "params": row["params"], "seconds_per_epoch": row["seconds_per_epoch"]}
