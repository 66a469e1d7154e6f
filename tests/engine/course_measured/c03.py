"""C3: the shift test on compare_shift's pooled CNN and MLP (8 px, half the image)."""


def runs(lesson, claims):
    return [{"cnn": {"shift_after": run["details"]["cnn"]["after"], "shift_before": run["details"]["cnn"]["before"]},
             "mlp": {"shift_after": run["details"]["mlp"]["after"], "shift_before": run["details"]["mlp"]["before"]}}
            for run in claims["C3"]["details"]["runs"]]
