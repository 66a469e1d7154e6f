"""C9: compare_copy_memory (delay 60): the vanilla RNN and the LSTM, both trained with gradient clipping."""


def runs(lesson, claims):
    out = []
    for run in claims["C9"]["details"]["runs"]:
        rows = {row["label"]: row for row in run["details"]["comparison"]["rows"]}
        out.append({name: {"val_accuracy": rows[label]["value"], "params": rows[label]["params"]}
                    for name, label in (("rnn", "RNN"), ("lstm", "LSTM"))})
    return out
