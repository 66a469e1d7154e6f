"""Check every claim of CLAIMS.md (C1–C17) headless, over seeds and thread
counts, and print a table: claim, what was measured, the numbers (mean and
min–max over every run) and whether it holds.

    python bench/claims.py [--quick] [--only C3,C6] [--seeds 5] [--threads 1,2] [--jobs J]
                           [--json out.json] [--readme README.md]

A claim is a distribution, not a draw: every claim that trains is measured
at each seed (0 … N−1) and each torch thread count (another count changes a
CPU trajectory as another machine's kernels do), and **holds** only when
every one of its named expectations is met in every one of those runs; the
table says which expectation failed where. "With its nuance" means the
claim's "but" showed in every run too. The presets' runs train first, all
of them, several at once (one process per core at one thread; --jobs), then
the tests of trained models (engine/model_tests.py) and the explicit computations of engine/claims.py run on
their weights. ``--quick`` trains every model for one epoch at one seed: a
smoke test of the machinery, whose verdicts mean little. ``--readme``
writes the table into the README between its claims markers; the figures
there come from ``--seeds 5 --threads 1,2`` (docs/claims.json).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from engine import claims as measure  # noqa: E402
from engine import datasets  # noqa: E402
from engine.comparison_file import Comparison  # noqa: E402
from engine.comparison_table import ComparisonResult, compare  # noqa: E402
from engine.datasets.text import BUILTIN_CORPUS  # noqa: E402
from engine.events import Snapshot  # noqa: E402
from engine.experiment_file import experiment_to_json, parse_layer  # noqa: E402
from engine.headless import Job, train_many  # noqa: E402
from engine.model_tests import run_model_tests  # noqa: E402
from engine.presets import list_comparisons, load_comparison_preset, load_preset  # noqa: E402
from engine.probes import ProbeSettings  # noqa: E402
from engine.reference import between  # noqa: E402
from engine.sequence_text import exact_match, input_lengths  # noqa: E402
from engine.shapes import infer  # noqa: E402
from engine.spec import Experiment, ModelSpec  # noqa: E402
from engine.threads import ENV, parallel_slots  # noqa: E402
from engine.training import train  # noqa: E402

HOLDS, NUANCE, FAILS = "holds", "holds, with its nuance", "does not hold"
BEGIN, END = "<!-- claims:begin -->", "<!-- claims:end -->"


@dataclass
class ClaimResult:
    claim: str
    measured: str  # what was run or computed
    numbers: str  # the figures, in one line
    # HOLDS, NUANCE or FAILS; judge()'s (verdict, unmet) pair is unpacked on creation.
    verdict: str | tuple[str, list[str]]
    note: str = ""  # the nuance, in plain words
    seconds: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)  # for --json: every run's figures
    unmet: list[str] = field(default_factory=list)  # the expectations not met, and where
    runs: int = 1  # how many (seed, thread count) runs it was judged over

    def __post_init__(self) -> None:
        if isinstance(self.verdict, tuple):  # judge()'s (verdict, unmet)
            self.verdict, self.unmet = self.verdict


def judge(expected: dict[str, bool], nuance: bool = False) -> tuple[str, list[str]]:
    """The verdict from the claim's measurable outcomes (named in plain words):
    any unmet one means it does not hold; all met, it holds, "with its
    nuance" where the run also showed the claim's "but"."""
    unmet = [what for what, met in expected.items() if not met]
    return (FAILS if unmet else NUANCE if nuance else HOLDS), unmet


@dataclass
class Measured:
    """One run's (one seed's, at one thread count) measurement of a claim."""

    expected: dict[str, bool]
    nuance: bool = False
    values: list[tuple[str, float, str]] = field(default_factory=list)  # name, value, format
    example: str = ""  # text from this run (a refusal, a generated sample), shown for the first run
    details: dict[str, Any] = field(default_factory=dict)

    def add(self, name: str, value: float, fmt: str = ".3f") -> Measured:
        self.values.append((name, float(value), fmt))
        return self


@dataclass(frozen=True)
class Claim:
    id: str
    measured: str
    needs: tuple[str, ...]  # preset and comparison keys whose runs it uses (trained up front)
    check: Callable[[Bench, int], Measured]
    note: str = ""  # the nuance, when it shows
    seeded: bool = True  # False: the measurement does not train, one run says it all


@dataclass
class Trained:
    summary: dict[str, Any]
    weights: dict[str, np.ndarray] | None

    @property
    def value(self) -> float:
        final = self.summary["final"]
        return float(final.get("val_accuracy", final.get("val_mse", float("nan"))))


class _StartLines(io.TextIOBase):
    """Passes on the progress lines that say a run has started."""

    def __init__(self, log: Any) -> None:
        self.log = log

    def write(self, text: str) -> int:
        if " training " in text or text.startswith("training "):
            self.log.write(text + "\n")  # print() sends the line and its end separately
            self.log.flush()
        return len(text)


class Bench:
    """Trains experiments once each (keyed by their full spec, seed included)
    and keeps the results for every claim that needs them."""

    def __init__(self, quick: bool, jobs: int, log: Any = sys.stderr) -> None:
        self.quick = quick
        self.jobs = jobs
        self.log = log
        self._runs: dict[str, Trained] = {}
        self._once: dict[str, Any] = {}

    def _key(self, exp: Experiment) -> str:
        return experiment_to_json(exp)

    def prefetch(self, experiments: list[Experiment]) -> None:
        """Train every experiment not trained yet, ``jobs`` at once."""
        todo = list({self._key(e): e for e in experiments if self._key(e) not in self._runs}.values())
        if not todo:
            return
        tick = time.perf_counter()
        epochs = 1 if self.quick else None
        runs = train_many([Job(e, f"[{e.name} seed {e.training.seed}] ", epochs) for e in todo],
                          _StartLines(self.log), self.jobs)
        for exp, run in zip(todo, runs, strict=True):
            if run.failed:
                raise RuntimeError(f"{exp.name} at seed {exp.training.seed}: {run.failed}")
            self._runs[self._key(exp)] = Trained({**run.summary, "diverged": run.diverged is not None,
                                                  "stopped": run.stopped}, run.weights)
        print(f"  trained {len(todo)} runs in {time.perf_counter() - tick:.0f} s", file=self.log, flush=True)

    def train(self, exp: Experiment) -> Trained:
        if self._key(exp) not in self._runs:
            self.prefetch([exp])
        return self._runs[self._key(exp)]

    def once(self, key: str, compute: Callable[[], Any]) -> Any:
        """A seed-independent measurement (a timing), made once per thread count."""
        if key not in self._once:
            self._once[key] = compute()
        return self._once[key]

    def preset(self, key: str, seed: int) -> tuple[Experiment, Trained]:
        exp = load_preset(key).with_training(seed=seed)
        return exp, self.train(exp)

    def comparison(self, key: str, seed: int) -> tuple[Comparison, ComparisonResult,
                                                       dict[str, tuple[Experiment, Trained]]]:
        """Every experiment of a built-in comparison at ``seed``: its table, and
        the runs by label."""
        comp = load_comparison_preset(key)
        runs = {e.label: (exp, self.train(exp)) for e in comp.experiments
                if (exp := e.experiment.with_training(seed=seed))}
        result = compare(comp, [runs[label][1].summary for label in comp.labels])
        return comp, result, runs


def experiments_of(key: str) -> list[Experiment]:
    comparisons = {p.key for p in list_comparisons()}
    if key in comparisons:
        return [e.experiment for e in load_comparison_preset(key).experiments]
    return [load_preset(key)]


def _per_epoch(t: Trained) -> float:
    return t.summary["seconds"] / max(t.summary["epochs"], 1)


def _acc(v: float | None) -> str:
    return "–" if v is None else f"{v:.3f}"


# ---------------------------------------------------------------- the claims


def c1(b: Bench, seed: int) -> Measured:
    c = measure.conv_check()
    return Measured({"worked example = 4 = conv2d": c.worked_example == 4 == c.conv2d,
                     "hand = conv2d on a random grid": c.max_difference < 1e-9}, c.flip_difference > 1e-3,
                    example=f"worked example {c.worked_example:g}, conv2d {c.conv2d:g}; random grid max "
                    f"|difference| {c.max_difference:.1e}; with the kernel flipped (textbook convolution) it "
                    f"differs from conv2d by up to {c.flip_difference:.2f}", details=asdict(c))


def c2(b: Bench, seed: int) -> Measured:
    _, result, runs = b.comparison("compare_digits_cnn_mlp", seed)
    _, _, shift_runs = b.comparison("compare_shift", seed)  # 16×16 shapes: the saving shows at a larger size
    conv = {"type": "Conv2d", "out_channels": 32, "kernel_size": 3, "padding": 1}
    counts = {}
    for size in (16, 64):  # the same layer on small and large shapes images
        info = datasets.describe(load_preset("shapes_cnn").dataset.with_options(size=size))
        counts[size] = infer(ModelSpec((parse_layer(conv, "layer"),)), info).rows[0].params
    cnn, mlp = runs["CNN"][1], runs["MLP"][1]
    ratio = mlp.summary["params"] / cnn.summary["params"]
    s_cnn, s_mlp = shift_runs["CNN"][1], shift_runs["MLP"][1]
    s_ratio = s_mlp.summary["params"] / s_cnn.summary["params"]
    m = Measured({"conv parameters 288 + 32 at any image size": counts[16] == counts[64] == 320,
                  "16×16 shapes: the CNN reaches the MLP's accuracy with ≥10× fewer parameters":
                      s_cnn.value >= s_mlp.value and s_ratio >= 10,
                  "8×8 digits: the CNN reaches the MLP's accuracy (within 0.02) with ≥4× fewer parameters":
                      cnn.value >= mlp.value - 0.02 and ratio >= 4},
                 example=f"conv 32×3×3 on 1 channel: {counts[16]} parameters (288 + 32) at 16×16 and "
                 f"{counts[64]} at 64×64; shapes: CNN {s_cnn.summary['params']:,} vs MLP "
                 f"{s_mlp.summary['params']:,} parameters ({s_ratio:.1f}× fewer); digits: CNN "
                 f"{cnn.summary['params']:,} vs MLP {mlp.summary['params']:,} ({ratio:.1f}× fewer)",
                 details={"comparison": result.to_dict(), "conv_params": counts, "digits_ratio": ratio,
                          "shapes_ratio": s_ratio})
    return (m.add("shapes CNN", s_cnn.value).add("shapes MLP", s_mlp.value)
            .add("digits CNN", cnn.value).add("digits MLP", mlp.value))


def c3(b: Bench, seed: int) -> Measured:
    _, result, runs = b.comparison("compare_shift", seed)
    (cnn_exp, cnn), (mlp_exp, mlp) = runs["CNN"], runs["MLP"]
    far_cnn = run_model_tests(cnn_exp, cnn.weights, ["shift"])[-1]
    far_mlp = run_model_tests(mlp_exp, mlp.weights, ["shift"])[-1]
    x = datasets.load(cnn_exp.dataset, cnn_exp.training.seed).x_val[:64]
    equi = measure.shift_equivariance_error(cnn_exp, cnn.weights, x, 2)
    base = 0.25
    kept = (far_cnn.after - base) / max(far_cnn.before - base, 1e-9)
    m = Measured({"the CNN keeps ≥80 % of its margin over chance": kept >= 0.8,
                  "the MLP falls near chance (≤0.45)": far_mlp.after <= base + 0.2}, equi < 1e-4,
                 example=f"{far_cnn.name}", details={"cnn": asdict(far_cnn), "mlp": asdict(far_mlp),
                                                     "equivariance_error": equi, "comparison": result.to_dict()})
    return (m.add("pooled CNN before", far_cnn.before).add("after", far_cnn.after)
            .add("MLP before", far_mlp.before).add("after", far_mlp.after)
            .add("conv(shift x) vs shift(conv x) relative difference", equi, ".1e"))


def c4(b: Bench, seed: int) -> Measured:
    exp, run = b.preset("digits_cnn", seed)
    before = measure.initial_weights(exp)["layers.0.weight"]
    after = run.weights["layers.0.weight"]
    corr0, corr1 = measure.neighbour_correlation(before), measure.neighbour_correlation(after)
    change = measure.relative_change(before, after)
    m = Measured({"filters moved ≥30 % from their initial values": change >= 0.3,
                  "neighbouring weights correlate more (+0.1) than at initialisation": corr1 >= corr0 + 0.1},
                 details={"relative_change": change, "neighbour_correlation": [corr0, corr1]})
    return (m.add("weights moved (share of initial norm)", change, ".0%")
            .add("neighbour correlation at initialisation", corr0, ".2f").add("trained", corr1, ".2f")
            .add("accuracy", run.value))


def c5(b: Bench, seed: int) -> Measured:
    p = measure.pool_check()
    exp = load_preset("digits_cnn")
    rows = infer(exp.model, datasets.describe(exp.dataset)).rows
    sizes = " → ".join(f"{r.type} {r.shape[1]}×{r.shape[2]}" for r in rows if len(r.shape) == 3)
    conv_keeps = all(r.shape[1:] == prev.shape[1:] for prev, r in zip(rows, rows[1:], strict=False)
                     if r.type == "Conv2d" and len(prev.shape) == 3)
    return Measured({"max of the window = 3 = max_pool2d": p.worked_example == 3 == p.max_pool2d,
                     "hand = max_pool2d on a random grid": p.max_difference == 0}, conv_keeps,
                    example=f"max of [[1,2],[3,0]] = {p.worked_example:g}, max_pool2d {p.max_pool2d:g}; random "
                    f"6×6 max |difference| {p.max_difference:g}; 8×8 input: {sizes}", details=asdict(p))


def c6(b: Bench, seed: int) -> Measured:
    _, result, runs = b.comparison("compare_input_size", seed)
    (flat_exp, flat), (pool_exp, pooled) = runs["Flatten"], runs["global pool"]
    (flat_probe,) = run_model_tests(flat_exp, flat.weights, ["new_size"])
    (pool_probe,) = run_model_tests(pool_exp, pooled.weights, ["new_size"])
    gru_exp, gru = b.preset("motif_gru", seed)
    (gru_probe,) = run_model_tests(gru_exp, gru.weights, ["new_size"])
    refused = flat_probe.refusal.split(":")[0] if flat_probe.refusal else "accepted!"
    m = Measured({"the Flatten CNN refuses the new size with a message": flat_probe.refusal is not None,
                  "the GRU takes another length": gru_probe.after is not None},
                 pool_probe.after is not None and (pool_probe.after - 0.25) >= 0.85 * (pool_probe.before - 0.25),
                 example=f"Flatten CNN: refused ({refused}); pooled CNN, {pool_probe.name.lower()}; "
                 f"GRU, {gru_probe.name.lower()}",
                 details={"flatten": asdict(flat_probe), "pooled": asdict(pool_probe), "gru": asdict(gru_probe)})
    m.add("pooled CNN before", pool_probe.before)
    if pool_probe.after is not None:
        m.add("at the new size", pool_probe.after)
    m.add("GRU before", gru_probe.before)
    if gru_probe.after is not None:
        m.add("at the new length", gru_probe.after)
    return m


def c7(b: Bench, seed: int) -> Measured:
    exp, run = b.preset("long_range_gru", seed)
    params = {n: infer(exp.model, datasets.describe(exp.dataset.with_options(length=n))).total_params
              for n in (64, 640)}
    bundle = datasets.load(exp.dataset, exp.training.seed)
    x, y = bundle.x_val[:600], bundle.y_val[:600]
    sep = [measure.centroid_accuracy(measure.final_hidden_states(measure.model_with(exp, w), x), y)
           for w in (measure.initial_weights(exp), run.weights)]
    m = Measured({"parameters independent of the length": params[64] == params[640],
                  "classes separate (+0.15) as it trains": sep[1] >= sep[0] + 0.15},
                 example=f"{params[64]:,} parameters at length 64 and {params[640]:,} at 640",
                 details={"params": params, "centroid_accuracy": sep})
    return m.add("h_T separates the classes at initialisation", sep[0], ".2f").add("trained", sep[1], ".2f")


def c8(b: Bench, seed: int) -> Measured:
    _, far, far_runs = b.comparison("compare_long_range", seed)
    _, local, local_runs = b.comparison("compare_motif", seed)
    _, dil, dil_runs = b.comparison("compare_long_range_dilated", seed)
    gru, cnn, dcnn = far_runs["GRU"][1], far_runs["CNN"][1], dil_runs["dilated CNN"][1]
    mcnn, mgru = local_runs["CNN"][1], local_runs["GRU"][1]
    motif = local_runs["CNN"][0]
    # Speed per training step, timed in turn here: the runs trained several at once.
    step = b.once("c8_step", lambda: measure.time_per_batch(
        {k: local_runs[k][0].model for k in ("CNN", "GRU")}, motif, (motif.dataset.options["length"],),
        repeats=2 if b.quick else 9))
    cnn_ms, gru_ms = (next(iter(step[k].values())) * 1e3 for k in ("CNN", "GRU"))
    closes = dcnn.value >= (cnn.value + gru.value) / 2
    m = Measured({"(a) GRU ≫ CNN (+0.2)": gru.value >= cnn.value + 0.2,
                  "(b) CNN ≥ GRU (within 0.02)": mcnn.value >= mgru.value - 0.02,
                  "(b) CNN faster per step": cnn_ms < gru_ms}, closes,
                 details={"long_range": far.to_dict(), "motif": local.to_dict(), "dilated": dil.to_dict(),
                          "ms_per_step": {"CNN": cnn_ms, "GRU": gru_ms}})
    return (m.add("(a) keys 12 apart: GRU", gru.value).add("CNN (field 9)", cnn.value)
            .add("dilated CNN (field 21)", dcnn.value).add("(b) local motif: CNN", mcnn.value)
            .add("GRU", mgru.value).add("ms per step CNN", cnn_ms, ".1f").add("GRU", gru_ms, ".1f"))


def c9(b: Bench, seed: int) -> Measured:
    _, result, runs = b.comparison("compare_copy_memory", seed)
    (rnn_exp, rnn), (_, lstm) = runs["RNN"], runs["LSTM"]
    ratios = {}
    for label in ("RNN", "LSTM"):
        for event in train(runs[label][0], device="cpu", epochs=1, probes=ProbeSettings()):
            if isinstance(event, Snapshot):  # the first one: initial weights
                g = next(iter(event.grad_through_time.values()))
                ratios[label] = float(g[0] / g[-1])
                break
    clip = rnn_exp.training.grad_clip
    m = Measured({"LSTM ≥ 0.9": lstm.value >= 0.9,
                  "the RNN stays far from solving it (≤0.6; guessing 0.25)": rnn.value <= 0.6,
                  "LSTM ≥ RNN + 0.3": lstm.value >= rnn.value + 0.3,
                  "RNN gradient decays with distance (ratio < 1e-6)": ratios["RNN"] < 1e-6,
                  "LSTM gradient reaches step 1 (ratio > 1e-3)": ratios["LSTM"] > 1e-3}, clip > 0,
                 details={"comparison": result.to_dict(), "gradient_ratio": ratios})
    return (m.add("LSTM", lstm.value).add("vanilla RNN", rnn.value)
            .add("‖∂L/∂h_1‖ / ‖∂L/∂h_T‖ RNN", ratios["RNN"], ".1e").add("LSTM", ratios["LSTM"], ".1e"))


def c10(b: Bench, seed: int) -> Measured:
    _, pix, pix_runs = b.comparison("compare_permuted_pixels", seed)
    _, steps, step_runs = b.comparison("compare_shuffled_steps", seed)
    v = {label: run.value for label, (_, run) in pix_runs.items()}
    gru_exp, gru = step_runs["GRU"]
    (probe,) = run_model_tests(gru_exp, gru.weights, ["shuffle_steps"])
    shuffled = step_runs["GRU shuffled"][1].value
    lstm_exp, lstm = b.preset("copy_memory_lstm", seed)  # trained for C9 already when run in order
    (recall,) = run_model_tests(lstm_exp, lstm.weights, ["shuffle_steps"])
    kept = (probe.after - 0.25) / max(probe.before - 0.25, 1e-9) if probe.after is not None else 1.0
    cnn_edge, perm_edge = v["CNN"] - v["MLP"], v["CNN permuted"] - v["MLP permuted"]
    mlp_same = abs(v["MLP"] - v["MLP permuted"]) <= 0.05
    m = Measured({"in place: the CNN beats the MLP (+0.2)": cnn_edge >= 0.2,
                  "permuted: the CNN loses its edge (no better than the MLP + 0.02)": perm_edge <= 0.02,
                  "shuffled steps: the copy-memory LSTM falls near chance (≤0.35)":
                      recall.after is not None and recall.after <= 0.35,
                  "shuffled steps: the long-range GRU loses most of its margin over chance": kept <= 0.5},
                 mlp_same, details={"pixels": pix.to_dict(), "steps": steps.to_dict(), "probe": asdict(probe),
                                    "copy_memory_probe": asdict(recall)})
    m.add("in place: CNN", v["CNN"]).add("MLP", v["MLP"]).add("permuted: CNN", v["CNN permuted"])
    m.add("MLP", v["MLP permuted"]).add("copy-memory LSTM", recall.before)
    m.add("on shuffled steps", recall.after if recall.after is not None else float("nan"))
    m.add("long-range GRU", probe.before).add("on shuffled steps", probe.after if probe.after is not None else
                                              float("nan")).add("trained on them", shuffled)
    return m


def c11(b: Bench, seed: int) -> Measured:
    _, result, runs = b.comparison("compare_digits_cnn_gru", seed)
    cnn, gru = runs["CNN"][1], runs["GRU"][1]
    m = Measured({"row-by-row GRU ≥ 0.95": gru.value >= 0.95},
                 example=f"GRU {gru.summary['params']:,} params, CNN {cnn.summary['params']:,}",
                 details={"comparison": result.to_dict()})
    return m.add("GRU", gru.value).add("CNN", cnn.value)


def c12(b: Bench, seed: int) -> Measured:
    _, result, runs = b.comparison("compare_cost_length", seed)
    exp = runs["GRU 100"][0]
    lengths = (50, 100) if b.quick else (50, 100, 200, 400)
    times = measure.time_per_batch({label: runs[f"{label} 100"][0].model for label in ("CNN", "GRU")}, exp,
                                   lengths, repeats=2 if b.quick else 9)
    size = {label: f"{runs[f'{label} 100'][1].summary['params'] / 1000:.1f}k" for label in ("CNN", "GRU")}
    doubling = {k: float(np.exp(np.mean(np.diff(np.log(list(t.values())))))) for k, t in times.items()}
    slopes = {k: measure.slope(t) for k, t in times.items()}
    flat = doubling["CNN"] <= 1.4
    ms = {k: " / ".join(f"{v * 1e3:.1f}" for v in t.values()) for k, t in times.items()}
    m = Measured({"GRU time about linear in the length (×≥1.6 per doubling)": doubling["GRU"] >= 1.6,
                  "the CNN's grows much more slowly (≤⅓ the GRU's cost per step)": slopes["GRU"] >= 3 * slopes["CNN"]},
                 not flat, example=f"lengths {'/'.join(map(str, lengths))}, CNN {size['CNN']} vs GRU {size['GRU']} "
                 f"parameters: ms per step CNN {ms['CNN']}, GRU {ms['GRU']}",
                 details={"time_per_step": {k: {str(n): s for n, s in t.items()} for k, t in times.items()},
                          "ratio_per_doubling": doubling})
    return (m.add("×per doubling CNN", doubling["CNN"], ".2f").add("GRU", doubling["GRU"], ".2f")
            .add("GRU's cost per extra step / the CNN's", slopes["GRU"] / max(slopes["CNN"], 1e-12), ".1f"))


GENERATION_TEMPERATURE = 0.7


def joined(*parts: Measured, nuance: bool | None = None) -> Measured:
    """One claim measured by several checks: every expectation, every number;
    the nuance shows when it shows in each part that has one (or as given)."""
    m = Measured({k: v for p in parts for k, v in p.expected.items()},
                 all(p.nuance for p in parts) if nuance is None else nuance,
                 example=" · ".join(p.example for p in parts if p.example),
                 details={k: v for p in parts for k, v in p.details.items()})
    for p in parts:
        m.values.extend(p.values)
    return m


def c13_all(b: Bench, seed: int) -> Measured:
    """The three mappings, then sequences out of another length: string reversal
    against a per-step CNN, and captions of pictures."""
    return joined(c13(b, seed), seq2seq_measure(b, seed), caption_measure(b, seed), nuance=False)


def c15_all(b: Bench, seed: int) -> Measured:
    """The hybrid on long_range, then a CNN per frame and a GRU over frames on video."""
    return joined(c15(b, seed), video_measure(b, seed))


def c13(b: Bench, seed: int) -> Measured:
    rows_exp, rows = b.preset("digits_gru_rows", seed)
    text_exp, text = b.preset("text_lstm", seed)
    bundle = datasets.load(text_exp.dataset, text_exp.training.seed)
    model = measure.model_with(text_exp, text.weights, bundle.info)
    sample = measure.generate(model, "The miller ", bundle.vocab, 300, temperature=GENERATION_TEMPERATURE, seed=0)
    real = measure.real_word_share(sample, BUILTIN_CORPUS.read_text(encoding="utf-8"))
    text_base = bundle.info.baseline
    m = Measured({"last step: ≥0.9": rows.value >= 0.9, "every step: ≥2× the most frequent character":
                  text.value >= 2 * text_base,
                  f"generation at temperature {GENERATION_TEMPERATURE}: ≥60 % real words": real >= 0.6},
                 example=f"generated: \"The miller {sample[:60].strip()}…\"",
                 details={"generated": sample, "real_words": real})
    return (m.add("last-step classification (chance 0.1)", rows.value)
            .add(f"every-step next character (most frequent {text_base:.3f})", text.value)
            .add("real words generated", real, ".0%"))


def _exact(exp: Experiment, t: Trained) -> tuple[np.ndarray, np.ndarray]:
    """Per validation sample: the whole output right (engine.sequence_text.exact_match), and its input."""
    bundle = datasets.load(exp.dataset, exp.training.seed)
    model = measure.model_with(exp, t.weights, bundle.info)
    with torch.no_grad():
        predicted = model(bundle.x_val).argmax(-1).numpy()
    return exact_match(predicted, bundle.y_val.numpy()), bundle.x_val.numpy()


def seq2seq_measure(b: Bench, seed: int) -> Measured:
    """Many-to-many of another order (for C13): compare_seq2seq_cnn, string
    reversal with one length (5) never trained on. The encoder-decoder must
    reverse the unseen length; the per-step CNN's position-locked output cannot."""
    comp, result, runs = b.comparison("compare_seq2seq_cnn", seed)
    (s2s_exp, s2s), (cnn_exp, cnn) = runs["Encoder-decoder"], runs["Per-step CNN"]
    held = s2s_exp.dataset.options["held_out_length"]
    right, x = _exact(s2s_exp, s2s)
    cnn_right, _ = _exact(cnn_exp, cnn)
    unseen = input_lengths(x) == held
    m = Measured({f"the encoder-decoder reverses strings of the unseen length {held} (exact ≥ 0.9)":
                  right[unseen].mean() >= 0.9,
                  "the per-step CNN gets fewer whole strings right (exact −0.3)":
                  cnn_right.mean() <= right.mean() - 0.3},
                 details={"comparison": result.to_dict()})
    return (m.add(f"encoder-decoder exact, unseen length {held}", right[unseen].mean())
            .add("all lengths", right.mean()).add("per-step accuracy", s2s.value)
            .add(f"per-step CNN exact, length {held}", cnn_right[unseen].mean())
            .add("all lengths", cnn_right.mean()).add("per-step accuracy", cnn.value))


def caption_measure(b: Bench, seed: int) -> Measured:
    """One-to-many (for C13): caption_scenes, the share of validation captions exactly right."""
    exp, t = b.preset("caption_scenes", seed)
    right, _ = _exact(exp, t)
    m = Measured({"exact captions ≥ 0.8": right.mean() >= 0.8})
    return m.add("exact captions", right.mean()).add("words right", t.value)


def c14(b: Bench, seed: int) -> Measured:
    """On held-out text: the model's prediction from only the last k characters
    against its prediction from the whole window (engine.claims.context_curve)."""
    text_exp, text = b.preset("text_lstm", seed)
    bundle = datasets.load(text_exp.dataset, text_exp.training.seed)
    model = measure.model_with(text_exp, text.weights, bundle.info)
    curve = measure.context_curve(model, bundle.x_val, bundle.y_val)
    at = dict(zip(curve.lengths, curve.distance, strict=True))
    loss = dict(zip(curve.lengths, curve.loss, strict=True))
    used = curve.used
    m = Measured({"the last 4 characters alone predict otherwise than the whole text before them (TV ≥ 0.1)":
                  at[4] >= 0.1,
                  "the model uses at least 8 characters of context": used is None or used >= 8,
                  "more context, better predictions (loss from 1 character ≥ the whole window's + 0.5)":
                  loss[1] >= curve.full_loss + 0.5},
                 example=f"{curve.samples} held-out windows of {curve.window} characters",
                 details={"context": asdict(curve), "used": used})
    m.add("context used (characters)", used if used is not None else float("nan"), ".0f")
    for k in (1, 4, 16):
        m.add(f"TV from the whole window's prediction: last {k}" if k == 1 else f"last {k}", at[k], ".2f")
    return (m.add("loss from the last 1", loss[1], ".2f").add("last 4", loss[4], ".2f")
            .add("the whole window", curve.full_loss, ".2f"))


def _at_epoch(t: Trained, epoch: int) -> float:
    history = t.summary.get("history") or []
    return float(history[min(epoch, len(history)) - 1]["val_metric"]) if history else float("nan")


def c15(b: Bench, seed: int) -> Measured:
    _, result, runs = b.comparison("compare_hybrid", seed)
    cnn, gru, hyb = runs["CNN"][1], runs["GRU"][1], runs["CNN+GRU"][1]
    early = {k: _at_epoch(t, 3) for k, t in (("CNN", cnn), ("GRU", gru), ("CNN+GRU", hyb))}
    m = Measured({"after 3 epochs the hybrid beats both parts (+0.2)":
                  early["CNN+GRU"] >= max(early["CNN"], early["GRU"]) + 0.2,
                  "at the end the hybrid is at least as good as either part (within 0.02)":
                  hyb.value >= max(cnn.value, gru.value) - 0.02,
                  "the hybrid has fewer parameters than the GRU": hyb.summary["params"] < gru.summary["params"]},
                 gru.value >= hyb.value - 0.02,
                 example=f"hybrid {hyb.summary['params']:,} parameters, GRU {gru.summary['params']:,}, "
                 f"CNN {cnn.summary['params']:,}", details={"comparison": result.to_dict(), "epoch_3": early})
    return (m.add("after 3 epochs: hybrid", early["CNN+GRU"]).add("GRU", early["GRU"]).add("CNN", early["CNN"])
            .add("at the end: hybrid", hyb.value).add("GRU", gru.value).add("CNN", cnn.value)
            .add("s/epoch hybrid", _per_epoch(hyb), ".2f").add("GRU", _per_epoch(gru), ".2f"))


VIDEO_NOTE = ("a 2-D CNN on the frames stacked as channels does as well on these short clips, and faster: what "
              "the GRU adds is that the same weights take clips of any length (the stacked CNN's first layer "
              "has weights for each frame)")


def video_measure(b: Bench, seed: int) -> Measured:
    """compare_video, for claim C15 (a CNN front end, an RNN behind it, on video): the per-frame CNN + GRU vs a
    CNN on the last frame alone (no frame tells the class) and a CNN on the frames stacked as channels."""
    _, result, runs = b.comparison("compare_video", seed)
    one, stacked, hybrid = runs["one frame"][1], runs["stacked frames"][1], runs["CNN+GRU"][1]
    exp, stacked_exp = runs["CNN+GRU"][0], runs["stacked frames"][0]
    frames = exp.dataset.options["frames"]

    def params_at(e: Experiment, n: int) -> int | None:
        summary = infer(e.model, datasets.describe(e.dataset.with_options(frames=n)))
        return summary.total_params if summary.ok else None

    sizes = [params_at(exp, n) for n in (frames, 2 * frames)]
    stacked_sizes = [params_at(stacked_exp, n) for n in (frames, 2 * frames)]
    m = Measured({"the per-frame CNN + GRU beats the CNN on one frame (+0.3)": hybrid.value >= one.value + 0.3,
                  "the CNN on one frame stays near chance (≤ 0.35)": one.value <= 0.35,
                  "the per-frame CNN + GRU's parameter count does not depend on the number of frames":
                  sizes[0] == sizes[1]},
                 stacked.value >= hybrid.value - 0.02,  # the nuance: early fusion does as well on short clips
                 example=f"video: CNN+GRU {hybrid.summary['params']:,} parameters at {frames} and at {2 * frames} "
                 f"frames; stacked CNN {stacked_sizes[0]:,} at {frames}, {stacked_sizes[1]:,} at {2 * frames}",
                 details={"comparison": result.to_dict()})
    return (m.add("video: per-frame CNN+GRU", hybrid.value).add("stacked frames", stacked.value)
            .add("one frame", one.value)
            .add("s/epoch CNN+GRU", _per_epoch(hybrid), ".2f").add("stacked", _per_epoch(stacked), ".2f"))


def _at_load(curve, load: float) -> float:
    """A capacity curve's pixel accuracy at the stored load nearest ``load`` (K/N)."""
    return float(curve.pixel_accuracy[int(np.argmin(np.abs(curve.loads - load)))])


def c16(b: Bench, seed: int) -> Measured:
    from engine.capacity import CLASSICAL, capacity_report

    _, random = b.preset("hopfield_random", seed)
    digits_exp, digits = b.preset("hopfield_digits", seed)
    _, hebbian = b.preset("hopfield_digits_hebbian", seed)
    report = capacity_report(digits_exp, seed)  # the digits' own curve (projection) and the classical one
    classical, own = report.curves[CLASSICAL], report.curves["digits, projection rule"]
    low = classical.loads <= 0.1
    high = classical.loads >= 0.2
    m = Measured({"random patterns, Hebbian, 0.08 N: ≥ 0.9 of pixels recalled from 20 % flipped": random.value >= 0.9,
                  "digits, projection rule, 0.08 N: ≥ 0.9 recalled": digits.value >= 0.9,
                  "capacity, random/Hebbian: ≥ 0.9 up to 0.1 N": bool((classical.pixel_accuracy[low] >= 0.9).all()),
                  "and collapses past 0.15 N (< 0.8 of pixels, ≤ 20 % of probes recalled from 0.2 N)":
                  bool((classical.pixel_accuracy[high] < 0.8).all() and (classical.recalled[high] <= 0.2).all()),
                  "capacity, digits/projection: ≥ 0.9 up to 0.1 N": bool((own.pixel_accuracy[own.loads <= 0.1]
                                                                          >= 0.9).all())},
                 hebbian.value <= 0.88,  # the nuance: alike patterns merge into spurious states under Hebb
                 example=f"{report.units} units; stored 20 patterns (0.078 N) from 20 % flipped pixels",
                 details={"capacity": report.as_dict()})
    return (m.add("random, Hebbian", random.value).add("digits, projection", digits.value)
            .add("digits, Hebbian", hebbian.value)
            .add("capacity random/Hebbian at 0.1 N", _at_load(classical, 0.1))
            .add("0.14 N", _at_load(classical, 0.138)).add("0.2 N", _at_load(classical, 0.2))
            .add("0.3 N", _at_load(classical, 0.3))
            .add("digits/projection at 0.1 N", _at_load(own, 0.1)).add("0.2 N", _at_load(own, 0.2))
            .add("0.3 N", _at_load(own, 0.3)))


def c17(b: Bench, seed: int) -> Measured:
    comp, result, runs = b.comparison("compare_tree", seed)
    tree, gru, mlp = runs["TreeRNN"][1], runs["GRU"][1], runs["Bag of tokens"][1]
    # The tree net's parameters at two tree depths: one cell for any structure.
    exp = runs["TreeRNN"][0]
    sizes = [infer(exp.model, datasets.describe(exp.dataset.with_options(min_depth=1, max_depth=d))).total_params
             for d in (2, 8)]
    m = Measured({"the tree net beats the left-to-right GRU (+0.2)": tree.value >= gru.value + 0.2,
                  "and the bag of tokens (+0.2)": tree.value >= mlp.value + 0.2,
                  "the tree net solves it (≥ 0.9)": tree.value >= 0.9,
                  "its parameter count does not depend on the tree's depth": sizes[0] == sizes[1]},
                 example=f"TreeRNN {tree.summary['params']:,} parameters, GRU {gru.summary['params']:,}, "
                 f"bag of tokens {mlp.summary['params']:,}; {sizes[0]:,} parameters for trees of depth 2 and of 8",
                 details={"comparison": result.to_dict()})
    return m.add("TreeRNN", tree.value).add("GRU", gru.value).add("bag of tokens", mlp.value)


CLAIMS: dict[str, Claim] = {c.id: c for c in (
    Claim("C1", "kernel slid over a grid by hand vs torch conv2d (worked example of CLAIMS.md, and a random "
          "7×7 grid)", (), c1, "deep learning's convolution is cross-correlation: conv2d does not flip the kernel",
          seeded=False),
    Claim("C2", "parameter count of a 3×3 conv with 32 filters at two image sizes; compare_shift (16×16 shapes) "
          "and compare_digits_cnn_mlp (8×8 digits)", ("compare_digits_cnn_mlp", "compare_shift"), c2),
    Claim("C3", "compare_shift (shapes trained in the left half), the Shift test by half the image; first conv "
          "layer's equivariance", ("compare_shift",), c3,
          "the convolution alone is equivariant (its maps move with the input, difference ≈ 0); the global max "
          "pooling after it makes the answer invariant"),
    Claim("C4", "digits_cnn first-layer 3×3 filters at initialisation vs trained (a number for what the filter "
          "grid shows)", ("digits_cnn",), c4),
    Claim("C5", "max pooling by hand vs torch max_pool2d; digits_cnn shapes per layer", (), c5,
          "the convolutions (padding 1) keep the size; only the pooling halves it", seeded=False),
    Claim("C6", "compare_input_size, the Different input size test; motif_gru at another length",
          ("compare_input_size", "motif_gru"), c6,
          "the refusal is a readable message, not a traceback; a fully convolutional net (global pooling) takes "
          "any size too, and on shapes drawn half as large again it keeps ≥85 % of its margin over chance: "
          "filters learned at one scale mostly carry over to the next"),
    Claim("C7", "long_range_gru: parameters at two lengths; classes of the final hidden state h_T (nearest "
          "class mean) before and after training", ("long_range_gru",), c7),
    Claim("C8", "compare_long_range, compare_motif, compare_long_range_dilated; time per training step on motif",
          ("compare_long_range", "compare_motif", "compare_long_range_dilated"), c8,
          "a CNN whose receptive field covers the dependency (dilation 4: 21 steps) closes the gap"),
    Claim("C9", "compare_copy_memory (delay 60, guessing 0.25); gradient reaching step 1 vs the last step at "
          "initialisation", ("compare_copy_memory",), c9,
          "the RNN trains with gradient clipping and still fails: clipping caps exploding gradients, it cannot "
          "restore vanishing ones"),
    Claim("C10", "compare_permuted_pixels (16×16 shapes); compare_shuffled_steps; the Time-step shuffle test on the "
          "ordered "
          "long-range GRU and on the copy-memory LSTM",
          ("compare_permuted_pixels", "compare_shuffled_steps", "copy_memory_lstm"), c10,
          "an MLP does not care about a fixed permutation (in place vs permuted within 0.05, the spread of its seeds)"),
    Claim("C11", "compare_digits_cnn_gru (the GRU reads each 8×8 digit as 8 rows)", ("compare_digits_cnn_gru",),
          c11),
    Claim("C12", "one training step (batch 64, one thread) at several lengths: 1-D CNN vs GRU of about the same "
          "size (compare_cost_length)", ("compare_cost_length",), c12,
          "on a CPU the convolution's time grows about linearly too (it does the work of every position); what "
          "it does not pay is the GRU's step-after-step cost, so its slope is much smaller", seeded=False),
    Claim("C13", "many-to-one: digits_gru_rows; many-to-many: text_lstm (next character at every step); "
          "one-to-many: 300 characters generated by text_lstm from a seed at temperature 0.7; "
          "compare_seq2seq_cnn (an encoder–decoder reversing strings of 2–7 letters, length 5 never trained on, vs a "
          "per-step 1-D CNN) and caption_scenes (a CNN → Decoder captioning two shapes): exact outputs",
          ("digits_gru_rows", "text_lstm", "compare_seq2seq_cnn", "caption_scenes"), c13_all),
    Claim("C14", "text_lstm on held-out text: the next character predicted from only the last k characters vs "
          "from the whole 64-character window; the context the model uses (predictions within 0.05 total "
          "variation of the whole window's)", ("text_lstm",), c14),
    Claim("C15", "compare_hybrid: Conv1d → MaxPool1d → GRU vs the 1-D CNN and the GRU alone on long_range, after 3 "
          "epochs and at the end (6); compare_video: a CNN on every frame → GRU vs a CNN on the last frame and a CNN "
          "on the 8 frames stacked as channels (moving squares)", ("compare_hybrid", "compare_video"), c15_all,
          "given its 6 epochs the GRU alone catches up: what the hybrid gains is speed (half the epochs, each "
          "quicker) and size, not the final score; on 8-frame clips the CNN on stacked frames does as well as the "
          "per-frame CNN + GRU (early fusion suffices for short clips), but its first layer grows with the frames"),
    Claim("C16", "hopfield_random (Hebbian, random ±1), hopfield_digits (projection rule) and "
          "hopfield_digits_hebbian: 20 patterns in 256 units recalled from 20 % flipped pixels (pixels right after "
          "settling); the capacity probe storing up to 0.3 N", ("hopfield_random", "hopfield_digits",
                                                                  "hopfield_digits_hebbian"), c16,
          "the 0.14 N limit is for uncorrelated patterns: digits (mostly shared background) stored by the Hebbian "
          "rule settle into a spurious 'average digit' at only 0.08 N; the projection rule stores them"),
    Claim("C17", "compare_tree: a Tree-LSTM over each expression's tree vs a GRU reading the same tokens left to "
          "right and a bag-of-tokens MLP (about 12–13 thousand parameters each), value mod 3 of depth-2–4 "
          "arithmetic trees", ("compare_tree",), c17),
)}


# ---------------------------------------------------------------- running and judging


def run_claims(ids: list[str], quick: bool = False, log: Any = sys.stderr, seeds: int = 5,
               threads: tuple[int, ...] = (1,), jobs: int | None = None) -> list[ClaimResult]:
    """Every claim in ``ids`` at seeds 0 … seeds−1 and each thread count."""
    seed_list = (0,) if quick else tuple(range(seeds))
    samples: dict[str, list[tuple[int, int, Measured | Exception]]] = {cid: [] for cid in ids}
    spent = dict.fromkeys(ids, 0.0)
    old_threads, old_env = torch.get_num_threads(), os.environ.get(ENV)
    try:
        for n in threads:
            os.environ[ENV] = str(n)  # the training processes inherit it
            torch.set_num_threads(n)
            bench = Bench(quick, jobs or parallel_slots(n), log)
            print(f"{n} thread{'s' if n > 1 else ''}: training every run the claims need at seeds "
                  f"{', '.join(map(str, seed_list))} …", file=log, flush=True)
            needed = dict.fromkeys(k for cid in ids for k in CLAIMS[cid].needs)
            try:
                bench.prefetch([e.with_training(seed=s) for k in needed for e in experiments_of(k)
                                for s in seed_list])
            except Exception as exc:  # noqa: BLE001 - every claim then says why it stopped
                print(f"  training stopped: {exc}", file=log, flush=True)
            for cid in ids:
                claim = CLAIMS[cid]
                for seed in seed_list if claim.seeded else seed_list[:1]:
                    print(f"{cid} seed {seed} …", file=log, flush=True)
                    tick = time.perf_counter()
                    try:
                        result: Measured | Exception = claim.check(bench, seed)
                    except Exception as exc:  # noqa: BLE001 - one claim's failure must not hide the others
                        result = exc
                    spent[cid] += time.perf_counter() - tick
                    samples[cid].append((n, seed, result))
    finally:
        torch.set_num_threads(old_threads)
        if old_env is None:
            os.environ.pop(ENV, None)
        else:
            os.environ[ENV] = old_env
    return [summarise(CLAIMS[cid], samples[cid], round(spent[cid], 1)) for cid in ids]


def summarise(claim: Claim, samples: list[tuple[int, int, Measured | Exception]], seconds: float) -> ClaimResult:
    """One row from every run of a claim: unmet expectations with where they
    failed, each number's mean and min–max."""
    broken = [(n, s, r) for n, s, r in samples if isinstance(r, Exception)]
    if broken:
        n, s, exc = broken[0]
        return ClaimResult(claim.id, claim.measured, f"{type(exc).__name__}: {exc}".splitlines()[0],
                           (FAILS, ["the check ran to the end"]), seconds=seconds, runs=len(samples))
    done: list[tuple[int, int, Measured]] = [(n, s, r) for n, s, r in samples]  # type: ignore[misc]
    unmet = []
    for what in done[0][2].expected:
        where = [_where(n, s) for n, s, m in done if not m.expected.get(what, False)]
        if where:
            unmet.append(what + ("" if len(where) == len(done) else f" (not at {', '.join(where)})"))
    nuance = all(m.nuance for _, _, m in done)
    verdict = FAILS if unmet else NUANCE if nuance else HOLDS
    numbers = _numbers([m for _, _, m in done])
    example = done[0][2].example
    details = {"runs": [{"threads": n, "seed": s, "values": [[name, v] for name, v, _ in m.values],
                         "expected": m.expected, "nuance": m.nuance, "details": m.details} for n, s, m in done]}
    return ClaimResult(claim.id, claim.measured, "; ".join(p for p in (numbers, example) if p), (verdict, unmet),
                       claim.note if nuance else "", seconds, details, runs=len(done))


def _where(threads: int, seed: int) -> str:
    return f"seed {seed} at {threads} thread{'s' if threads > 1 else ''}"


def _numbers(measured: list[Measured]) -> str:
    """"LSTM 0.98 (0.88–1.00); RNN 0.35 (0.33–0.51)": each value's mean and
    range over the runs, in the order the check named them."""
    parts = []
    for i, (name, _, fmt) in enumerate(measured[0].values):
        vals = [m.values[i][1] for m in measured if len(m.values) > i and np.isfinite(m.values[i][1])]
        if not vals:
            parts.append(f"{name} –")
            continue
        mean, low, high = float(np.mean(vals)), min(vals), max(vals)
        text = f"{name} {format(mean, fmt)}"
        if format(low, fmt) != format(high, fmt):
            text += f" ({format(low, fmt)}–{format(high, fmt)})"
        parts.append(text)
    return ", ".join(parts)


def table(results: list[ClaimResult]) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| claim | measured | numbers: mean (min–max) over the runs | runs | verdict |",
             "|---|---|---|---:|---|"]
    lines += [f"| {r.claim} | {cell(r.measured)} | {cell(r.numbers)} | {r.runs} | **{r.verdict}**{cell(_why(r))} |"
              for r in results]
    return "\n".join(lines)


def _why(r: ClaimResult) -> str:
    if r.verdict == FAILS:
        return ": not met: " + "; ".join(r.unmet)
    return f": {r.note}" if r.verdict == NUANCE and r.note else ""


def parse_ids(text: str | None) -> list[str]:
    if not text:
        return list(CLAIMS)
    ids = [t.strip().upper() for t in text.split(",") if t.strip()]
    unknown = [i for i in ids if i not in CLAIMS]
    if unknown:
        raise SystemExit(f"claims.py: --only: unknown claim {', '.join(unknown)} (known: C1 … C17)")
    return ids


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one epoch per model at one seed: a smoke test")
    parser.add_argument("--only", help="comma-separated claim ids, e.g. C3,C6 (default: all)")
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0 … N−1 (default 5)")
    parser.add_argument("--threads", default="1", help="torch thread counts to judge at, e.g. 1,2 (default 1)")
    parser.add_argument("--jobs", type=int, help="runs trained at once (default: one per core over the threads)")
    parser.add_argument("--json", help="also write the results as JSON to this file; with --only, the other claims "
                        "already in it are kept, so one claim can be measured again")
    parser.add_argument("--readme", help="write the table into this README between its claims markers")
    args = parser.parse_args(argv)
    ids = parse_ids(args.only)
    threads = tuple(int(t) for t in args.threads.split(","))
    tick = time.perf_counter()
    results = run_claims(ids, args.quick, seeds=args.seeds, threads=threads, jobs=args.jobs)
    print(table(results))
    if args.json and args.only and Path(args.json).exists():  # measure some claims again, keep the others
        kept = {c["claim"]: ClaimResult(**c) for c in json.loads(Path(args.json).read_text(encoding="utf-8"))["claims"]}
        kept.update({r.claim: r for r in results})
        results = [kept[c] for c in CLAIMS if c in kept]
    rendered = table(results)
    counts = (f"{sum(r.verdict == HOLDS for r in results)} hold, {sum(r.verdict == NUANCE for r in results)} hold "
              f"with their nuance, {sum(r.verdict == FAILS for r in results)} do not hold")
    where = "quick mode: one epoch per model, one seed" if args.quick else (
        f"seeds 0–{args.seeds - 1} at {' and '.join(map(str, threads))} torch thread(s)")
    print(f"\n{counts} ({where}); {time.perf_counter() - tick:.0f} s")
    if args.json:
        doc = {"quick": args.quick, "seeds": args.seeds, "threads": list(threads), "summary": f"{counts} ({where})",
               "claims": [asdict(r) for r in results]}
        Path(args.json).write_text(json.dumps(doc, indent=2, ensure_ascii=False, default=float) + "\n",
                                   encoding="utf-8")
    if args.readme:
        path = Path(args.readme)
        path.write_text(between(path.read_text(encoding="utf-8"), BEGIN, END, rendered + f"\n\n{counts} ({where}).\n"),
                        encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
