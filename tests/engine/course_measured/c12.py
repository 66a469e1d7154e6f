"""C12: one timed training step (batch 64) at lengths 50/100/200/400 for the
1-D CNN and the GRU of compare_cost_length, in each of the claim's two timing
runs. The lesson records seconds per epoch instead: an epoch is the same
number of such steps for both models (motif_gru and motif_cnn both train on
4,000 motif samples in batches of 64), so seconds per epoch is proportional
to the time per step, and every comparison the lesson asks about (one model
against the other at a length, a model at 200 steps against 50) is the same
comparison of the times per step. The motif presets the lesson opens are not
compare_cost_length's models (a GRU of 64 hidden units instead of 40, one
Conv1d of 64 filters instead of two of 32): the lesson says so, and its
predictions ask only about directions that both pairs share."""

BATCHES_PER_EPOCH = 50  # 3,200 training samples of 4,000 (val_fraction 0.2), batch 64


def runs(lesson, claims):
    out = []
    for run in claims["C12"]["details"]["runs"]:
        times = run["details"]["time_per_step"]
        out.append({f"{model.lower()}_{length}": {"seconds_per_epoch": times[model][str(length)] * BATCHES_PER_EPOCH}
                    for model in ("CNN", "GRU") for length in (50, 200)})
    return out
