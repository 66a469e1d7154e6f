"""C11: compare_digits_cnn_gru, the digits CNN (digits_cnn) and the GRU reading
each digit as 8 rows (digits_gru_rows): their validation accuracy and seconds
per epoch as the comparison's rows give them."""


def _row(run, label):
    return next(row for row in run["details"]["comparison"]["rows"] if row["label"] == label)


def runs(lesson, claims):
    out = []
    for run in claims["C11"]["details"]["runs"]:
        cnn, gru = _row(run, "CNN"), _row(run, "GRU")
        out.append({name: {"val_accuracy": row["value"], "seconds_per_epoch": row["seconds_per_epoch"],
                           "params": row["params"]} for name, row in (("cnn", cnn), ("gru", gru))})
    return out
