"""The headless command line (contract in README, "Command line").

Exit codes: 0 ok, 1 unexpected failure, 2 invalid input, 3 training diverged.
``--export KIND OUT FILE.json [--weights W.npz]`` writes the model as PyTorch
source, a state dict, TorchScript or ONNX (engine/export).
Invalid input prints one line on stderr naming the problem — never a
traceback.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # imported lazily at run time: --help must stay fast
    from engine.errors import ShapeError
    from engine.spec import Experiment

EXIT_OK, EXIT_UNEXPECTED, EXIT_INVALID, EXIT_DIVERGED = 0, 1, 2, 3


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="cnn-rnn-playground",
        description="Build, train and watch small CNNs and RNNs. Without options, opens the app.")
    p.add_argument("file", nargs="?", help="experiment or comparison file (.json) to open, summarise or train")
    p.add_argument("--list-presets", action="store_true", help="list the built-in presets and exit")
    p.add_argument("--validate", action="store_true",
                   help="check FILE (a lesson, experiment, comparison or sweep) and name its first problem in "
                        "one line; exit 0 when it is valid")
    p.add_argument("--check-results", metavar="FOLDER",
                   help="a table of the lesson results (exercise files learners exported) in FOLDER: the goal "
                        "judged again from each file, a corrupt or foreign file named in one line")
    p.add_argument("--lab", metavar="COMP.json",
                   help="open this comparison (or a saved lab) in the lab window: its experiments side by side, "
                        "each column's insides on one shared input (the window; a built-in's name will do)")
    p.add_argument("--summary", action="store_true",
                   help="print the layer table of FILE (shapes, parameters, receptive field) and exit; "
                   "for a comparison, each experiment's table and what it will compare")
    p.add_argument("--headless", action="store_true",
                   help="train FILE without a window; a comparison trains each experiment in turn and "
                   "prints the comparison table and verdict")
    p.add_argument("--epochs", type=int, help="override the number of epochs (--headless)")
    p.add_argument("--seed", type=int, help="train this one seed instead of the file's (--headless); with --seeds, "
                   "the first of them")
    p.add_argument("--seeds", metavar="N|S1,S2,…",
                   help="train every experiment at N seeds (its own seed and the next N−1) or at the seeds "
                   "listed, and report the mean and range over them (--headless); a comparison's own "
                   "\"seeds\" otherwise")
    p.add_argument("--jobs", type=int, metavar="J",
                   help="train at most J runs at once, each in its own process (--headless; default: one per "
                   "core, so times per epoch are shared; --jobs 1 trains in turn and times them fairly)")
    p.add_argument("--threads", type=int, metavar="T",
                   help="torch threads per run (--headless; default 1, the rule of every run: README, "
                   "\"Seeds and threads\")")
    p.add_argument("--cluster", metavar="ADDR",
                   help="run a sweep's trials on the Dask scheduler at ADDR (tcp://host:8786), or on local:N, a "
                   "Dask cluster of N workers started on this machine (--headless SWEEP.json; needs the "
                   "[cluster] extra)")
    p.add_argument("--results", metavar="DIR",
                   help="the folder a sweep's trial results go to and resume from (--headless SWEEP.json; "
                   "default: SWEEP.results beside the file)")
    p.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), help="override the device (--headless)")
    p.add_argument("--metrics-out", metavar="F.csv", help="write per-epoch metrics as CSV (--headless)")
    p.add_argument("--summary-json", metavar="F.json", help="write the final summary as JSON (--headless)")
    p.add_argument("--export", nargs=2, metavar=("KIND", "OUT"),
                   help="write FILE's model to OUT and exit; KIND is source (a standalone .py), weights "
                   "(a state dict .pt), torchscript (.pt) or onnx (.onnx, needs the [onnx] extra)")
    p.add_argument("--weights", metavar="W.npz",
                   help="trained weights to export (the weights file saved beside an experiment, "
                   "name.weights.npz); without it the export holds freshly initialised weights (--export)")
    p.add_argument("--generate", metavar="SEED",
                   help="write text with FILE's character model, starting from SEED, and exit: trained weights "
                   "from --weights or the weights file beside FILE (with --headless: the run just trained)")
    p.add_argument("--length", type=int, default=200, metavar="N",
                   help="characters to generate (--generate; default 200)")
    p.add_argument("--temperature", type=float, default=0.7, metavar="T",
                   help="sampling temperature above 0 (--generate; default 0.7: lower is more predictable, "
                   "1 samples the model's own probabilities)")
    p.add_argument("--sample-seed", type=int, default=0, metavar="S",
                   help="seed of the sampling (--generate; default 0): the same seed writes the same text")
    return p


def wants_cli(argv: list[str]) -> bool:
    return any(a in ("--list-presets", "--summary", "--headless", "--export", "--generate", "--validate",
                     "-h", "--help") or a.startswith("--check-results") for a in argv)


def main(argv: list[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    parser = build_parser()
    args = parser.parse_args(argv)
    from engine.errors import PlaygroundError, WriteFailed

    try:
        if args.list_presets:
            return list_presets(out)
        if args.check_results:
            from engine.lesson_results import print_results

            return print_results(args.check_results, out)
        if not args.file:
            print("error: --summary, --headless and --export need an experiment or comparison FILE", file=err)
            return EXIT_INVALID
        from engine.preset_paths import builtin_or_given

        args.file = builtin_or_given(args.file)
        if args.validate:
            return validate(args.file, out)
        if args.export:
            return export(args, out, err)
        if args.generate is not None:
            return generate(args, out, err)
        if args.summary:
            return summary(args.file, out)
        if args.headless:
            return headless(args, out, err)
        parser.print_usage(err)
        return EXIT_INVALID
    except PlaygroundError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_INVALID
    except WriteFailed as exc:  # a metrics or summary file: the run itself went fine
        print(f"error: {exc}", file=err)
        return EXIT_UNEXPECTED
    except KeyboardInterrupt:
        print("interrupted", file=err)
        return EXIT_UNEXPECTED
    except Exception as exc:  # the last line of defence: one line, still no traceback
        return failed(exc, err)


def failed(exc: Exception, err: TextIO) -> int:
    """A run that broke (out of memory, a GPU that stopped working, a bug): one
    line on stderr, exit code 1. Only the exception's first line is shown — a
    CUDA error carries a paragraph of debugging advice after it."""
    from engine.errors import OTHER, classify_failure, describe_error

    line = describe_error(exc)
    if classify_failure(exc) == OTHER:
        print(f"unexpected error: {line}", file=err)
    else:  # the advice names the device option the command line has
        print(f"error: {line.replace('train on the CPU', 'train on the CPU (--device cpu)')}", file=err)
    return EXIT_UNEXPECTED


def list_presets(out: TextIO) -> int:
    """Experiments first, then comparisons, sweeps and the lessons of the course, one line each."""
    from engine.presets import list_comparisons, list_lessons, list_sweeps
    from engine.presets import list_presets as presets

    items = [*presets(), *list_comparisons(), *list_sweeps()]
    lessons = list_lessons()
    width = max((len(p.key) for p in [*items, *lessons]), default=0)
    for p in items:
        where = f"{p.path.parent.name}/{p.path.name}" if p.path.parent.name == "sweeps" else p.path.name
        print(f"{p.key:<{width}}  presets/{where:<{width + 12}}  {p.name}: {p.summary}", file=out)
    for lesson in lessons:  # the course, in its order
        where = f"lessons/{lesson.source.name}"
        claim = f" ({lesson.claim})" if lesson.claim else ""
        print(f"{lesson.key:<{width}}  presets/{where:<{width + 12}}  lesson {lesson.order}: {lesson.title}{claim}",
              file=out)
    return EXIT_OK


def validate(path: str, out: TextIO) -> int:
    """One line: what the file is and that it is valid; a problem raises (main prints it, exit 2)."""
    from engine.experiment_file import decode_json, read_document

    doc = decode_json(read_document(path, "a lesson, experiment, comparison or sweep"))
    kind = doc.get("format") if isinstance(doc, dict) else None
    if kind == "cnn-rnn-playground/lesson":
        from engine.lesson_file import load_lesson

        lesson = load_lesson(path)
        extra = f", goal: {lesson.goal.text}" if lesson.goal is not None else ""
        print(f"{path}: a valid lesson, \"{lesson.title}\": {len(lesson.steps)} steps, "
              f"{len(lesson.predictions)} prediction{'' if len(lesson.predictions) == 1 else 's'}{extra}", file=out)
    elif kind == "cnn-rnn-playground/sweep":
        from engine.sweep_file import load_sweep

        sweep = load_sweep(path)
        print(f"{path}: a valid sweep, \"{sweep.name}\": {sweep.trial_count} trials", file=out)
    elif kind == "cnn-rnn-playground/comparison":
        from engine.comparison_file import check_comparison, load_comparison

        comparison = load_comparison(path)
        check_comparison(comparison)
        print(f"{path}: a valid comparison, \"{comparison.name}\"", file=out)
    else:
        from engine.experiment_file import load_experiment

        experiment = load_experiment(path)
        error = _print_layers(experiment, io.StringIO())
        if error is not None:
            raise error
        print(f"{path}: a valid experiment, \"{experiment.name}\"", file=out)
    return EXIT_OK


def summary(path: str, out: TextIO) -> int:
    from engine.comparison_file import is_comparison_file
    from engine.experiment_file import load_experiment
    from engine.sweep_file import is_sweep_file

    if is_sweep_file(path):
        from engine.sweep_cli import summary_sweep

        return summary_sweep(path, out)
    if is_comparison_file(path):
        return summary_comparison(path, out)
    error = _print_layers(load_experiment(path), out)
    if error is not None:
        raise error
    return EXIT_OK


def summary_comparison(path: str, out: TextIO) -> int:
    """Each experiment's layer table, then what the comparison will set side
    by side: size and how far each model sees against the dependency."""
    from engine import datasets
    from engine.comparison_file import load_comparison
    from engine.comparison_table import dependency, differing_options, model_kind, reach
    from engine.errors import SpecError
    from engine.shapes import infer

    comp = load_comparison(path)
    n = len(comp.experiments)
    print(f"comparison {comp.name}: {n} experiments on {comp.dataset}"
          + (f" (claims {', '.join(comp.claims)})" if comp.claims else ""), file=out)
    first_error: tuple[int, Exception] | None = None
    for i, entry in enumerate(comp.experiments):
        print(f"\n[{i + 1}/{n} {entry.label}] ", end="", file=out)
        error = _print_layers(entry.experiment, out)
        if error is not None and first_error is None:
            first_error = (i, error)
    differing = differing_options([e.experiment.dataset for e in comp.experiments])
    print("", file=out)
    width = max(len(label) for label in comp.labels)
    for entry in comp.experiments:
        exp = entry.experiment
        params = infer(exp.model, datasets.describe(exp.dataset)).total_params
        seen = reach(exp)
        options = ", ".join(f"{k}={json.dumps(exp.dataset.options.get(k))}" for k in differing)
        print(f"{entry.label:<{width}}  {model_kind(exp.model):<8} {params:>10,} parameters  "
              f"sees {seen.describe() if seen else '–'}{'  ' + options if options else ''}", file=out)
    dep = dependency(comp.experiments[0].experiment.dataset)
    if dep is not None:
        print(f"dependency: {dep.span} steps ({dep.what})", file=out)
    if first_error is not None:
        i, error = first_error
        raise SpecError(f"experiments[{i}]", f"({comp.experiments[i].label}) {error}", path)
    return EXIT_OK


def _print_layers(exp: Experiment, out: TextIO) -> ShapeError | None:
    """The layer table of one experiment; returns the stack's error, if any."""
    from engine import datasets
    from engine.shapes import describe_shape, infer

    info = datasets.describe(exp.dataset)
    s = infer(exp.model, info)
    print(f"{exp.name} — data set {exp.dataset.name}: input {describe_shape(info.input_kind, info.input_shape)}, "
          f"{info.task}{' per step' if info.per_step else ''}, {info.n_outputs} output(s)", file=out)
    print(f"{'#':>3}  {'layer':<14} {'output shape':<24} {'params':>10}  {'receptive field':>15}", file=out)
    for r in s.rows:
        shape = "×".join(str(d) for d in r.shape) + f" ({r.kind})"
        rf = "" if r.receptive_field is None else str(r.receptive_field)
        print(f"{r.index:>3}  {r.type:<14} {shape:<24} {r.params:>10,}  {rf:>15}", file=out)
    print(f"total parameters: {s.total_params:,}", file=out)
    if s.receptive_field is not None:
        mixing = s.mixing_row
        if mixing is None:
            print(f"receptive field: {s.receptive_field} input positions along each axis", file=out)
        else:
            print(f"receptive field: all of the input: layer {mixing.index + 1} ({mixing.type}) mixes every position "
                  f"(the convolutions before it see {s.receptive_field} input positions along each axis)", file=out)
    return s.error


def headless(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``--threads`` reaches the training processes through the environment
    for the length of the run only."""
    import os

    from engine.threads import ENV

    saved = os.environ.get(ENV)
    try:
        return _headless(args, out, err)
    finally:
        if saved is None:
            os.environ.pop(ENV, None)
        else:
            os.environ[ENV] = saved


def _capacity(exp, seeds: list[int], runs: list, out: TextIO) -> list[dict]:
    """A Hopfield experiment's capacity probe, per seed that trained (claim C16)."""
    from engine.capacity import capacity_report, hopfield_layer

    if hopfield_layer(exp) is None:
        return []
    reports = []
    for seed, run in zip(seeds, runs, strict=True):
        if run.failed:
            continue
        report = capacity_report(exp, seed)
        print(("" if len(seeds) == 1 else f"[seed {seed}] ") + report.text(), file=out, flush=True)
        reports.append({"seed": seed, **report.as_dict()})
    return reports


def _headless(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from engine.comparison_file import is_comparison_file
    from engine.experiment_file import load_experiment, write_atomic
    from engine.headless import Job, write_metrics
    from engine.seed_summary import combine

    problem = _check_run_options(args)
    if problem:
        print(f"error: {problem}", file=err)
        return EXIT_INVALID
    from engine.sweep_file import is_sweep_file

    if is_sweep_file(args.file):
        from engine.sweep_cli import headless_sweep

        return headless_sweep(args, out, err)
    if args.cluster or args.results:
        print("error: --cluster and --results run a sweep file (format cnn-rnn-playground/sweep)", file=err)
        return EXIT_INVALID
    if is_comparison_file(args.file):
        return headless_comparison(args, out, err)
    exp = load_experiment(args.file)
    seeds = _run_seeds(args, exp.training.seed)
    if len(seeds) == 1:
        exp = exp.with_training(seed=seeds[0])
        runs = _train(args, [Job(exp, "", args.epochs)], out)
        run = runs[0]
        summary = {**run.summary, "seeds": [seeds[0]]}
    else:
        print(f"training {exp.name} at {len(seeds)} seeds ({', '.join(map(str, seeds))})", file=out, flush=True)
        runs = _train(args, [Job(exp.with_training(seed=s), f"[seed {s}] ", args.epochs) for s in seeds], out)
        summary = {**combine([r.summary | {"diverged": r.diverged is not None} for r in runs]),
                   "wall_seconds": round(max(r.summary.get("wall_seconds", 0.0) for r in runs)
                                         if at_once(args) > 1 else sum(r.summary.get("wall_seconds", 0.0)
                                                                        for r in runs), 3)}
    capacity = _capacity(exp, seeds, runs, out)
    if capacity:
        summary["capacity"] = capacity if len(seeds) > 1 else capacity[0]
    if args.metrics_out:
        for seed, run in zip(seeds, runs, strict=True):
            write_metrics(args.metrics_out if len(seeds) == 1 else seed_name(args.metrics_out, seed),
                          run.epochs, run.metric)
    if args.summary_json:
        write_atomic(args.summary_json, json.dumps(summary, indent=2) + "\n")
    broken = [(s, r.failed) for s, r in zip(seeds, runs, strict=True) if r.failed]
    if broken:
        for seed, line in broken:
            print(f"error: {'' if len(seeds) == 1 else f'seed {seed}: '}{line}", file=err)
        return EXIT_UNEXPECTED
    diverged = [(s, r.diverged) for s, r in zip(seeds, runs, strict=True) if r.diverged is not None]
    if diverged:
        for seed, line in diverged:
            print(f"error: {'' if len(seeds) == 1 else f'seed {seed}: '}{line}", file=err)
        return EXIT_DIVERGED
    print(f"done in {summary['wall_seconds']:.1f}s{_over(seeds)}: {_finals(summary)}", file=out)
    return EXIT_OK


def _finals(summary: dict) -> str:
    """"val_accuracy 0.9312 (0.9100–0.9500), …": the range where there is one."""
    parts = []
    for key, value in summary["final"].items():
        if value is None:
            continue
        low, high = (summary.get("final_min") or {}).get(key), (summary.get("final_max") or {}).get(key)
        spread = f" ({low:.4f}–{high:.4f})" if low is not None and high is not None and low != high else ""
        parts.append(f"{key} {value:.4f}{spread}")
    return ", ".join(parts)


def _over(seeds: tuple[int, ...]) -> str:
    return "" if len(seeds) == 1 else f" over {len(seeds)} seeds (mean, min–max)"


def _run_seeds(args: argparse.Namespace, own: int, file_seeds: object = None) -> tuple[int, ...]:
    """The seeds to train: ``--seeds`` (counted from ``--seed`` or the file's
    own seed), else ``--seed`` alone, else the comparison's ``seeds``."""
    from engine.seeds import ONE

    if args.seeds is not None:
        return args.seeds.for_seed(own if args.seed is None else args.seed)
    if args.seed is not None:
        return (args.seed,)
    return (file_seeds or ONE).for_seed(own)


def _train(args: argparse.Namespace, jobs: list, out: TextIO) -> list:
    """The jobs, in turn or ``--jobs`` at once (one per core by default)."""
    from engine import process_pool
    from engine.headless import train_many
    from engine.threads import use_training_threads

    use_training_threads()
    try:
        return train_many(jobs, out, at_once(args))
    finally:
        process_pool.close_all()


def at_once(args: argparse.Namespace) -> int:
    from engine.threads import parallel_slots

    return args.jobs if args.jobs is not None else parallel_slots()


def headless_comparison(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Train each experiment of a comparison at each of its seeds, then print
    the table (mean and range over the seeds) and the verdict;
    ``--summary-json F.json`` also writes ``F.<n>-<label>.json`` per experiment
    (n from 1) and ``--metrics-out M.csv`` ``M.<n>-<label>.csv``, or
    ``M.<n>-<label>.seed<S>.csv`` per seed when there are several."""
    from engine import datasets
    from engine.comparison_file import load_comparison
    from engine.comparison_table import compare
    from engine.errors import SpecError
    from engine.experiment_file import write_atomic
    from engine.headless import Job, write_metrics
    from engine.seed_summary import combine
    from engine.shapes import infer

    comp = load_comparison(args.file)
    for i, entry in enumerate(comp.experiments):  # every stack, before training the first
        error = infer(entry.experiment.model, datasets.describe(entry.experiment.dataset)).error
        if error is not None:
            raise SpecError(f"experiments[{i}]", f"({entry.label}) {error}", args.file)
    n = len(comp.experiments)
    seeds = [_run_seeds(args, e.experiment.training.seed, comp.seeds) for e in comp.experiments]
    many = max(len(s) for s in seeds) > 1
    jobs, owner = [], []
    for i, (entry, own) in enumerate(zip(comp.experiments, seeds, strict=True), 1):
        for seed in own:
            tag = f" seed {seed}" if many else ""
            jobs.append(Job(entry.experiment.with_training(seed=seed), f"[{i}/{n} {entry.label}{tag}] ", args.epochs))
            owner.append(i - 1)
    slots = min(at_once(args), len(jobs))
    print(f"comparison {comp.name}: {n} experiments on {comp.dataset}"
          + (f", {len(seeds[0])} seeds each" if many else "")
          + (f", {slots} runs at once" if slots > 1 else ""), file=out, flush=True)
    runs = _train(args, jobs, out)
    broken = [(job, run) for job, run in zip(jobs, runs, strict=True) if run.failed]
    if broken:
        for job, run in broken:
            print(f"error: {job.prefix}{run.failed}", file=err)
        return EXIT_UNEXPECTED
    per_experiment: list[list[dict]] = [[] for _ in comp.experiments]
    diverged = []
    for i, job, run in zip(owner, jobs, runs, strict=True):
        entry = comp.experiments[i]
        if run.diverged is not None:
            print(f"{job.prefix}{run.diverged}", file=out, flush=True)
            diverged.append(job.prefix.strip("[] "))
        per_experiment[i].append({**run.summary, "label": entry.label, "diverged": run.diverged is not None,
                                  "stopped": run.stopped})
        if args.metrics_out:
            name = sibling_name(args.metrics_out, i + 1, entry.label)
            write_metrics(seed_name(name, job.experiment.training.seed) if many else name, run.epochs, run.metric)
    result = compare(comp, per_experiment, at_once=slots)
    for line in result.table_lines():
        print(line, file=out)
    if args.summary_json:
        names = [sibling_name(args.summary_json, i, e.label) for i, e in enumerate(comp.experiments, 1)]
        for name, entry, runs_of in zip(names, comp.experiments, per_experiment, strict=True):
            doc = {**combine(runs_of), "label": entry.label} if many else runs_of[0]
            write_atomic(name, json.dumps(doc, indent=2) + "\n")
        table = {"comparison": comp.name, "claims": list(comp.claims), "seeds": list(seeds[0]) if
                 len(set(seeds)) == 1 else [list(s) for s in seeds], **result.to_dict(),
                 "summaries": [Path(name).name for name in names]}
        del table["name"]  # "comparison" says it
        write_atomic(args.summary_json, json.dumps(table, indent=2, ensure_ascii=False) + "\n")
    if diverged:
        print(f"error: training diverged for {', '.join(diverged)}", file=err)
        return EXIT_DIVERGED
    return EXIT_OK


def seed_name(path: str, seed: int) -> str:
    """``out/m.csv`` → ``out/m.seed3.csv``: one seed's file of several."""
    p = Path(path)
    return str(p.with_name(f"{p.stem}.seed{seed}{p.suffix}"))


def sibling_name(path: str, index: int, label: str) -> str:
    """``out/s.json`` → ``out/s.2-GRU.json``: the file for experiment 2 of a
    comparison, beside the one named on the command line. The label keeps
    letters, digits, ``-`` and ``_``; anything else becomes ``_``."""
    p = Path(path)
    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", label).strip("_") or "experiment"
    return str(p.with_name(f"{p.stem}.{index}-{safe}{p.suffix}"))


def export(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``--export KIND OUT FILE``: one line on stdout saying what was written
    and whether it holds trained weights."""
    from engine.comparison_file import is_comparison_file
    from engine.experiment_file import load_experiment
    from engine.export import KINDS, export_model

    kind, target = args.export
    if kind not in KINDS:
        print(f"error: --export: unknown kind {kind!r} (known: {', '.join(KINDS)})", file=err)
        return EXIT_INVALID
    if is_comparison_file(args.file):
        print(f"error: {args.file}: --export takes an experiment file, not a comparison", file=err)
        return EXIT_INVALID
    exp = load_experiment(args.file)
    weights = None
    if args.weights:
        from engine.weights_file import load_weights

        weights = load_weights(args.weights, exp)
    result = export_model(kind, exp, target, weights)
    title = KINDS[kind][0]
    if kind == "source":
        if args.weights:
            print("note: source holds the architecture only; export the weights with --export weights",
                  file=err)
        print(f"wrote {title} {result.path}: {result.note}", file=out)
        return EXIT_OK
    print(f"wrote {title} {result.path} {result.note}", file=out)
    if not result.trained:
        from engine.weights_file import weights_path_for

        beside = weights_path_for(args.file)
        hint = f" ({beside.name} is there)" if beside.exists() else ""
        print(f"note: no --weights given{hint}: the export holds untrained weights", file=err)
    return EXIT_OK


def generate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``--generate SEED``: the text on stdout, what it came from on stderr."""
    from engine import claims, datasets
    from engine.comparison_file import is_comparison_file
    from engine.experiment_file import load_experiment
    from engine.generation import check_request, generate_text
    from engine.weights_file import load_weights, weights_path_for

    if is_comparison_file(args.file):
        print(f"error: {args.file}: --generate takes an experiment file, not a comparison", file=err)
        return EXIT_INVALID
    exp = load_experiment(args.file)
    if exp.dataset.name != "text":
        print(f"error: --generate needs a character model (data set \"text\"); {args.file} trains on "
              f"\"{exp.dataset.name}\"", file=err)
        return EXIT_INVALID
    bundle = datasets.load(exp.dataset, exp.training.seed)
    check_request(args.generate, args.length, args.temperature, bundle.vocab)  # before minutes of training
    if args.headless:
        problem = _check_run_options(args)
        if problem:
            print(f"error: {problem}", file=err)
            return EXIT_INVALID
        if args.seed is not None:
            exp = exp.with_training(seed=args.seed)
        from engine.headless import Job

        run = _train(args, [Job(exp, "", args.epochs)], out)[0]
        if run.failed or run.diverged is not None:
            print(f"error: {run.failed or run.diverged}", file=err)
            return EXIT_UNEXPECTED
        weights, source = run.weights, "the run just trained"
    else:
        path = args.weights or weights_path_for(args.file)
        if not args.weights and not path.exists():
            print(f"error: {args.file} has no trained weights ({path.name} is not beside it): train it in the "
                  "window and save, pass --weights W.npz, or add --headless to train it first", file=err)
            return EXIT_INVALID
        weights, source = load_weights(path, exp), str(path)
    model = claims.model_with(exp, weights, bundle.info)
    text = generate_text(model, args.generate, bundle.vocab, args.length, temperature=args.temperature,
                         seed=args.sample_seed, window=bundle.info.input_shape[0])
    print(f"{args.length} characters at temperature {args.temperature:g} from {source}:", file=err)
    print(args.generate + text, file=out)
    return EXIT_OK


def _check_run_options(args: argparse.Namespace) -> str | None:
    """The run options' problems, found before spending minutes training;
    turns ``--seeds`` into engine.seeds.Seeds on the way."""
    import os

    from engine.errors import SpecError
    from engine.seeds import parse_seeds
    from engine.threads import ENV, check_threads, training_threads

    if args.seed is not None and not 0 <= args.seed < 2**31:
        return "--seed must be from 0 to 2147483647"
    if isinstance(args.seeds, str):
        text = args.seeds.strip()
        try:
            value = [int(t) for t in text.split(",")] if "," in text else int(text)
        except ValueError:
            return f"--seeds: must be a number of seeds or a comma-separated list of seeds, got {text[:20]!r}"
        try:
            args.seeds = parse_seeds(value, "--seeds")
        except SpecError as exc:
            return str(exc)
    if args.jobs is not None and not 1 <= args.jobs <= 256:
        return "--jobs must be from 1 to 256"
    try:
        if args.threads is not None:
            os.environ[ENV] = str(check_threads(args.threads, "--threads"))  # training processes inherit it
        training_threads()
    except SpecError as exc:
        return str(exc)
    if args.epochs is not None and not 1 <= args.epochs <= 10_000:
        return "--epochs must be from 1 to 10000"
    for target in (args.metrics_out, args.summary_json):
        if target and not Path(target).resolve().parent.is_dir():
            return f"{target}: folder does not exist"
    return None
