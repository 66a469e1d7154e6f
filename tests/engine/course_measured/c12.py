"""C12: one timed training step (batch 64) at lengths 50/100/200/400 for the
1-D CNN and the GRU of compare_cost_length, in each of the claim's two timing
runs. The lesson opens those same two models (from the comparison) and
records seconds per epoch instead: an epoch is the same number of such steps
for both (800 training samples of 1,000, batch 64), so seconds per epoch is
proportional to the time per step, and every comparison the lesson asks about
(one model against the other at a length, a model at 200 steps against 50) is
the same comparison of the times per step."""

BATCHES_PER_EPOCH = 13  # 800 training samples of 1,000 (val_fraction 0.2), batch 64


def runs(lesson, claims):
    out = []
    for run in claims["C12"]["details"]["runs"]:
        times = run["details"]["time_per_step"]
        out.append({f"{model.lower()}_{length}": {"seconds_per_epoch": times[model][str(length)] * BATCHES_PER_EPOCH}
                    for model in ("CNN", "GRU") for length in (50, 200)})
    return out
