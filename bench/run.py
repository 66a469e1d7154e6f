"""The whole benchmark suite: every speed, responsiveness and memory figure
of issue #8 with its target, as a table, and everything measured as JSON.

    python bench/run.py [--quick] [--only engine,gui,…,sweep,cuda] [--json out/bench.json]

Parts: engine, gui, gui_gru, startup, first, memory, cost, lab, sweep, cuda.

Each part runs in a fresh Python process of its own (a window's threads or
an earlier part's allocations cannot colour the next figure) and writes its
figures as JSON, gathered here:

- engine   bench/engine_overhead.py  headless trainer / plain PyTorch loop (≥ 0.97)
- gui      bench/gui_overhead.py     the app with every view open / plain loop (≥ 0.90),
                                     GUI-thread lateness p99 (≤ 16 ms), the curves' redraws/s (≥ 20),
                                     the slowest view's updates/s that shows the run (≥ 10)
- gui_gru  bench/gui_overhead.py     the same for the row-by-row GRU (digits_gru_rows)
- startup  bench/startup.py          process start to window on screen (≤ 1.0 s), to Train enabled (≤ 2.5 s)
- first    bench/first_point.py      Press Train → first loss point, warm training process (≤ 0.3 s)
- memory   bench/memory.py           resident memory of window + training process after 1,000 steps
                                     (≤ 600 MB), after 100,000 steps / after 1,000 (≤ 1.2)
- cost     bench/cost_length.py      time per step against sequence length, 1-D CNN vs GRU (C12)
- lab      bench/lab.py              the lab, digits CNN and row GRU training together / each alone
                                     (≥ 0.8), GUI-thread lateness p99 meanwhile (≤ 50 ms)
- sweep    bench/sweep.py            100 small trials (digits CNN, 2 epochs) with 2 jobs / with 1 (≥ 1.6),
                                     the same per-trial results both ways; GUI-thread lateness p99
                                     while the Sweep window runs one (≤ 50 ms)
- cuda     the CUDA path, when a GPU is present: engine overhead and cost on cuda, and a real
           ``main.py --headless --device cuda`` run (the GUI parts train on it too: presets say "auto")

Ratios are medians of interleaved repeats with min and max, measured side by
side in the same run, because these machines are shared and noisy.
``--quick`` runs every part small (a minute or two; figures are rough).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PARTS = ("engine", "gui", "gui_gru", "startup", "first", "memory", "cost", "lab", "sweep", "cuda")

# Arguments per part: (full run, --quick).
ARGS = {
    # One torch thread, as the app trains (engine.training_process): two threads on two
    # shared cores make every figure hostage to whatever else runs.
    "engine": (["--repeats", "3", "--epochs", "10", "--threads", "1"],
               ["--repeats", "1", "--epochs", "3", "--threads", "1"]),
    "gui": (["--pairs", "12"], ["--pairs", "3"]),
    "gui_gru": (["--preset", "digits_gru_rows", "--pairs", "8"], ["--preset", "digits_gru_rows", "--pairs", "2"]),
    "startup": (["--repeats", "5"], ["--repeats", "2"]),
    "first": (["--repeats", "7"], ["--repeats", "2"]),
    "memory": (["--steps", "100000"], ["--steps", "4000"]),
    "cost": (["--repeats", "9"], ["--repeats", "3", "--lengths", "25,50,100,200"]),
    "lab": (["--rounds", "8"], ["--rounds", "2"]),
    "sweep": (["--pairs", "2"], ["--pairs", "1", "--trials", "20"]),
}


def run_part(script: str, args: list[str], log) -> dict:
    """Run ``bench/<script>.py args --json tmp`` and return its JSON; its output goes to ``log``."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "result.json"
        started = time.perf_counter()
        code = stream([sys.executable, str(BENCH / f"{script}.py"), *args, "--json", str(out)], log)
        if code or not out.exists():
            return {"error": f"bench/{script}.py exited with code {code}"}
        result = json.loads(out.read_text())
        result["bench_seconds"] = round(time.perf_counter() - started, 1)
        return result


def stream(command: list[str], log) -> int:
    """Run ``command`` in the repository, copying its output to ``log`` as it
    comes (a long part shows its progress); returns the exit code."""
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as child:
        for line in child.stdout:
            log.write(line)
            log.flush()
    return child.returncode


def cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


def cuda_headless(log) -> dict:
    """The app's own CUDA path, for real: ``main.py --headless --device cuda``."""
    with tempfile.TemporaryDirectory() as folder:
        summary = Path(folder) / "summary.json"
        code = stream([sys.executable, "main.py", "--headless", "presets/digits_cnn.json", "--epochs", "3",
                       "--device", "cuda", "--summary-json", str(summary)], log)
        if code:
            return {"error": f"main.py --headless --device cuda exited with code {code}"}
        data = json.loads(summary.read_text())
        return {"device": data["device"], "val_accuracy": data["final"]["val_accuracy"],
                "samples_per_second": data["samples_per_second"]}


def machine() -> dict:
    import torch

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    from PySide6 import __version__ as pyside

    return {"date": time.strftime("%Y-%m-%d %H:%M"), "python": platform.python_version(),
            "platform": platform.platform(), "cores": os.cpu_count(), "torch": torch.__version__, "pyside6": pyside,
            "gpu": gpu, "display": os.environ.get("DISPLAY") or "offscreen"}


def spread(s: dict) -> str:
    return f"{s['median']:.2f} ({s['min']:.2f}–{s['max']:.2f})"


def verdict(met: bool) -> str:
    return "met" if met else "**not met**"


def gui_rows(gui: dict) -> list[str]:
    """The GUI part's rows for one preset: overhead, lateness, the curves' and the views' rates."""
    busiest = gui["busiest"]
    rows = [
        f"| GUI overhead, {gui['preset']} with every view open: app / plain loop at {gui['threads']} "
        f"thread(s), {gui['step_ratio']['pairs']} paired segments | {spread(gui['step_ratio'])} | ≥ 0.90 | "
        f"{verdict(gui['step_ratio']['median'] >= 0.90)} |",
        f"| responsiveness, {gui['preset']}: 10 ms timer lateness while training, p50 / p99 (max) | "
        f"{gui['p50_ms']:.1f} / {gui['p99_ms']:.1f} ms ({gui['max_ms']:.0f} ms) over {gui['lateness_ticks']:,} "
        f"ticks | p99 ≤ 16 ms | {verdict(gui['p99_ms'] <= 16)} |",
        f"| refresh, {gui['preset']}: redraws per second of the busiest plot ({busiest}) while training | "
        f"{gui['redraws_per_second'][busiest]:.1f} | ≥ 20 | {verdict(gui['redraws_per_second'][busiest] >= 20)} |",
    ]
    slowest = gui.get("slowest_view")
    if slowest:
        # Updates: the view brought up to date with a new snapshot (it repaints what changed);
        # older results have only paints.
        rate = gui.get("updates_per_second") or gui["redraws_per_second"]
        paints = gui["redraws_per_second"]
        others = ", ".join(f"{name} {rate[name]:.1f}" + (f" ({paints[name]:.1f} paints)" if rate is not paints else "")
                           for name in gui["applying_views"])
        what = "updates" if rate is not paints else "redraws"
        rows.append(f"| live views, {gui['preset']}: {what} per second of the slowest view showing the run "
                    f"({slowest}), every view floated | {rate[slowest]:.1f} ({others}) | ≥ 10 | "
                    f"{verdict(rate[slowest] >= 10)} |")
    return rows


def table(results: dict) -> list[str]:
    """Markdown rows: what, figure, target, met."""
    rows = ["| measure | figure (median, min–max) | target | |", "|---|---|---|---|"]
    for device in ("engine", "cuda_engine"):
        for p in results.get(device, {}).get("presets", []):
            where = " on cuda" if device == "cuda_engine" else ""
            rows.append(f"| engine overhead{where}, {p['preset']}: headless / plain loop, whole epochs | "
                        f"{spread(p['engine_wall'])} (steps only {p['engine_step']['median']:.2f}; with every "
                        f"probe {p['probes_wall']['median']:.2f}) | ≥ 0.97 | "
                        f"{verdict(p['engine_wall']['median'] >= 0.97)} |")
    for key in ("gui", "gui_gru"):
        gui = results.get(key)
        if gui and "error" not in gui:
            rows += gui_rows(gui)
    start = results.get("startup")
    if start and "error" not in start:
        rows += [f"| start-up: process start to window on screen | {spread(start['shown_s'])} s (a bare Qt window "
                 f"{start['bare_qt_shown_s']['median']:.2f} s) | ≤ 1.0 s | "
                 f"{verdict(start['shown_s']['median'] <= 1.0)} |",
                 f"| start-up: process start to Train enabled | {spread(start.get('train_s', start['ready_s']))} s "
                 f"(every view built {start['ready_s']['median']:.2f} s) | ≤ 2.5 s | "
                 f"{verdict(start.get('train_s', start['ready_s'])['median'] <= 2.5)} |"]
    first = results.get("first")
    if first and "error" not in first:
        rows.append(f"| Press Train → first loss point, {first['preset']}, warm training process, "
                    f"{first['repeats']} presses | {spread(first['first_point_s'])} s | ≤ 0.3 s | "
                    f"{verdict(first['first_point_s']['median'] <= 0.3)} |")
    memory = results.get("memory")
    if memory and "error" not in memory:
        first, last = memory["samples"][0], memory["samples"][-1]
        rows += [f"| memory: resident, window + training process, after {first['step']:,} steps, every view open | "
                 f"{first['total']:.0f} MB (window {first['window']:.0f}, training {first['children']:.0f}"
                 + (f"; together, shared pages counted once: {first['proportional']:.0f}" if "proportional" in first
                    else "") + ") | "
                 f"≤ 600 MB | {verdict(first['total'] <= 600)} |",
                 f"| memory: resident after {last['step']:,} steps / after {first['step']:,}, every view open | "
                 f"{memory['ratio']:.2f} ({first['total']:.0f} → {last['total']:.0f} MB) | ≤ 1.2 | "
                 f"{verdict(memory['ratio'] <= 1.2)} |"]
    for key in ("cost", "cuda_cost"):
        cost = results.get(key)
        if cost and "error" not in cost:
            g = cost["growth_per_doubling"]
            lengths = cost["lengths"]
            ms = {n: f"{v[str(lengths[0])]:.1f} → {v[str(lengths[-1])]:.1f} ms" for n, v in cost["ms_per_step"].items()}
            rows.append(f"| cost against length on {cost['device']} (C12), {lengths[0]} → {lengths[-1]} steps | GRU "
                        f"{ms['GRU']} (× {g['GRU']:.2f} per doubling); CNN {ms['CNN']} (× {g['CNN']:.2f}) | GRU "
                        f"about linear, CNN much slower growth | "
                        f"{verdict(g['GRU'] >= 1.6 and cost['gru_cost_per_extra_step_over_cnn'] >= 3)} |")
    lab = results.get("lab")
    if lab and "error" not in lab:
        ratios = lab["together_over_alone"]
        worst = min(r["median"] for r in ratios.values())
        rows += [
            f"| lab, {lab['comparison']}: each column training together / alone, "
            f"{next(iter(ratios.values()))['pairs']} rounds | "
            + "; ".join(f"{label} {spread(r)}" for label, r in ratios.items())
            + f" | ≥ 0.8 | {verdict(worst >= 0.8)} |",
            f"| lab responsiveness: 10 ms timer lateness while both train, p50 / p99 (max) | {lab['p50_ms']:.1f} / "
            f"{lab['p99_ms']:.1f} ms ({lab['max_ms']:.0f} ms) over {lab['lateness_ticks']:,} ticks | p99 ≤ 50 ms | "
            f"{verdict(lab['p99_ms'] <= 50)} |",
        ]
    sweep = results.get("sweep")
    if sweep and "error" not in sweep:
        s = sweep["speedup"]
        rows.append(f"| sweep: {sweep['trials']} trials ({sweep['preset']}, {sweep['epochs']} epochs), seconds with "
                    f"1 job / with 2, {s['pairs']} pairs | {spread(s)} (same per-trial results: "
                    f"{'yes' if sweep['same_results'] else '**no**'}) | ≥ 1.6 | "
                    f"{verdict(s['median'] >= 1.6 and sweep['same_results'])} |")
        if "p99_ms" in sweep:
            rows.append(f"| sweep responsiveness: 10 ms timer lateness while the Sweep window runs one at its "
                        f"default {sweep['gui_jobs']} job(s), p50 / p99 (max) | {sweep['p50_ms']:.1f} / "
                        f"{sweep['p99_ms']:.1f} ms ({sweep['max_ms']:.0f} ms) | "
                        f"p99 ≤ 50 ms | {verdict(sweep['p99_ms'] <= 50)} |")
    cuda = results.get("cuda_headless")
    if cuda:
        rows.append("| CUDA path: main.py --headless --device cuda | "
                    + (cuda["error"] if "error" in cuda else f"trained on {cuda['device']}, val accuracy "
                       f"{cuda['val_accuracy']:.3f}, {cuda['samples_per_second']:,.0f} samples/s") + " | runs | "
                    + verdict("error" not in cuda) + " |")
    for name, value in results.items():
        if isinstance(value, dict) and "error" in value:
            rows.append(f"| {name} | {value['error']} | | **failed** |")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="every part small: a smoke run, rough figures")
    parser.add_argument("--only", default=",".join(PARTS), help=f"comma-separated parts of {', '.join(PARTS)}")
    parser.add_argument("--json", default=str(ROOT / "out" / "bench.json"), help="where to write every figure")
    args = parser.parse_args(argv)
    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        parser.error(f"unknown part(s): {', '.join(unknown)} (choose from {', '.join(PARTS)})")
    quick = int(args.quick)
    log = sys.stderr
    results: dict = {"machine": machine(), "quick": args.quick}
    print(f"# bench/run.py{' --quick' if args.quick else ''}: {results['machine']['cores']} cores, torch "
          f"{results['machine']['torch']}, PySide6 {results['machine']['pyside6']}, "
          f"GPU {results['machine']['gpu'] or 'none'}, display {results['machine']['display']}", flush=True)
    scripts = {"engine": "engine_overhead", "gui": "gui_overhead", "gui_gru": "gui_overhead", "startup": "startup",
               "first": "first_point", "memory": "memory", "cost": "cost_length", "lab": "lab",
               "sweep": "sweep"}
    for part in parts:
        if part == "cuda":
            continue
        print(f"## {part} (bench/{scripts[part]}.py)", file=log, flush=True)
        results[part] = run_part(scripts[part], ARGS[part][quick], log)
    if "cuda" in parts:
        if cuda_available():
            print("## cuda", file=log, flush=True)
            results["cuda_engine"] = run_part("engine_overhead", [*ARGS["engine"][quick], "--device", "cuda"], log)
            results["cuda_cost"] = run_part("cost_length", [*ARGS["cost"][quick], "--device", "cuda"], log)
            results["cuda_headless"] = cuda_headless(log)
        else:
            results["cuda_skipped"] = "no CUDA GPU on this machine"
    rows = table(results)
    if "cuda_skipped" in results:
        rows.append(f"\nCUDA: not measured ({results['cuda_skipped']}).")
    print("\n".join(rows))
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nevery figure: {out}")
    failed = [name for name, value in results.items() if isinstance(value, dict) and "error" in value]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
