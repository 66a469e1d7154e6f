"""One summary for an experiment trained at several seeds: what its runs
agree on, each metric's mean, min and max, and every seed's own ``final``
(README, "Command line": the summary JSON of ``--seeds``)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

SHARED = ("preset", "dataset", "params", "device", "threads")


def combine(summaries: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """``final`` is the mean over the seeds that did not diverge (``final_mean``
    too); ``final_min`` and ``final_max`` bound it; ``per_seed`` keeps each run."""
    first = summaries[0]
    done = [s for s in summaries if not s.get("diverged") and s.get("final")]
    keys = dict.fromkeys(k for s in done for k in s["final"])
    stats: dict[str, dict[str, float | None]] = {"mean": {}, "min": {}, "max": {}}
    for key in keys:
        values = [float(v) for s in done if (v := s["final"].get(key)) is not None and math.isfinite(v)]
        stats["mean"][key] = round(sum(values) / len(values), 6) if values else None
        stats["min"][key] = min(values) if values else None
        stats["max"][key] = max(values) if values else None
    out: dict[str, Any] = {k: first[k] for k in SHARED if k in first}
    out.update({
        "seeds": [s.get("seed") for s in summaries],
        "epochs": max(int(s.get("epochs") or 0) for s in summaries),
        "seconds": _mean([float(s.get("seconds") or 0.0) for s in summaries]),
        "samples_per_second": _mean([float(s.get("samples_per_second") or 0.0) for s in summaries]),
        "final": stats["mean"],
        "final_mean": stats["mean"],
        "final_min": stats["min"],
        "final_max": stats["max"],
        "diverged_seeds": [s.get("seed") for s in summaries if s.get("diverged")],
        "per_seed": [{"seed": s.get("seed"), "final": s.get("final") or {}, "epochs": s.get("epochs"),
                      "seconds": s.get("seconds"), "samples_per_second": s.get("samples_per_second"),
                      "diverged": bool(s.get("diverged")), "history": s.get("history", [])}
                     for s in summaries],
    })
    return out


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 4) if values else 0.0
