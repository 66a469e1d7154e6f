"""C6: the Different input size test (new_size) on compare_input_size's two CNNs (16×16 shapes
drawn again at 24×24) and on motif_gru (60 steps → 120), as the lesson records it: a refusal has
no accuracy after (engine/lesson_measure.test_fields)."""


def _test(result):
    refused = result["refusal"] is not None
    return {"new_size_before": result["before"], "new_size_after": None if refused else result["after"],
            "new_size_refused": 1 if refused else 0}


def runs(lesson, claims):
    return [{"flat": _test(run["details"]["flatten"]), "pooled": _test(run["details"]["pooled"]),
             "gru": _test(run["details"]["gru"])} for run in claims["C6"]["details"]["runs"]]
