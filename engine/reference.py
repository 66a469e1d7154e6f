"""Markdown reference of every layer, data set and training setting, rendered
from the same declarations that validate files. The README embeds it between
markers, and a test fails when the two drift apart
(``python -m engine.reference --write README.md`` refreshes it)."""

from __future__ import annotations

import sys
from pathlib import Path

from engine.datasets import DATASETS
from engine.layers import GROUPS, REGISTRY
from engine.params import Param
from engine.spec import TRAINING_PARAMS

BEGIN, END = "<!-- reference:begin -->", "<!-- reference:end -->"
PRESETS_BEGIN, PRESETS_END = "<!-- presets:begin -->", "<!-- presets:end -->"
COMPARISONS_BEGIN, COMPARISONS_END = "<!-- comparisons:begin -->", "<!-- comparisons:end -->"
SWEEPS_BEGIN, SWEEPS_END = "<!-- sweeps:begin -->", "<!-- sweeps:end -->"
LESSONS_BEGIN, LESSONS_END = "<!-- lessons:begin -->", "<!-- lessons:end -->"


def _value(v: object) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    return f'"{v}"' if isinstance(v, str) else str(v)


def _range(p: Param) -> str:
    if p.choices:
        return " / ".join(f"`{c}`" for c in p.choices)
    if p.kind == "bool":
        return "true / false"
    if p.kind == "str":
        return "text"
    lo = "" if p.minimum is None else _value(p.minimum)
    hi = "" if p.maximum is None else _value(p.maximum)
    text = f"{lo} … {hi}" if lo or hi else p.kind
    return text + (", null" if p.allow_none else "")


def _param_rows(params: tuple[Param, ...]) -> list[str]:
    return [f"| `{p.name}` | {_value(p.default)} | {_range(p)} | {p.help} |" for p in params]


def render() -> str:
    out = ["### Layers (`model.layers[]`)", "",
           "Each layer is an object with `\"type\"` and any of its settings; missing settings take their "
           "defaults. Inputs (`in_channels`, `in_features`, `input_size`, `num_embeddings`) are inferred "
           "from the previous layer and never written.", ""]
    for group in GROUPS:
        for kind in (k for k in REGISTRY.values() if k.group == group):
            out.append(f"**{kind.type}** ({group}; takes {' or '.join(kind.accepts)}) — {kind.help}")
            out.append("")
            if kind.params:
                out += ["| setting | default | range | meaning |", "|---|---|---|---|", *_param_rows(kind.params)]
                out.append("")
    out += ["### Data sets (`dataset`)", "",
            '`{"name": NAME, "options": {...}}`; missing options take their defaults.', "",
            "A data set that reads your own data (`text`, `csv_sequences`, …) finds it at its `path` "
            "option. An experiment file stores that path relative to its own folder when the data sits "
            "beside or below it (`\"data/series.csv\"`, with `/` on every system), absolute otherwise, "
            "and resolves a relative path against its own folder when it is opened (also by "
            "`--headless`, from any working directory). A path typed in the window is relative to the "
            "working directory until the experiment is saved. When the data is not there, the error is "
            "one line naming the stored and the resolved path and saying the data has moved.", ""]
    for ds in DATASETS.values():
        out += [f"**{ds.name}** — {ds.title}. {ds.help}", "",
                "| option | default | range | meaning |", "|---|---|---|---|", *_param_rows(ds.params), ""]
    out += ["### Training (`training`)", "", "| setting | default | range | meaning |", "|---|---|---|---|",
            *_param_rows(TRAINING_PARAMS)]
    return "\n".join(out) + "\n"


def render_presets() -> str:
    from engine.presets import list_presets

    rows = ["| preset | file | what it shows |", "|---|---|---|"]
    rows += [f"| {p.name} | `presets/{p.path.name}` | {p.description} |" for p in list_presets()]
    return "\n".join(rows) + "\n"


def render_comparisons() -> str:
    from engine.presets import list_comparisons

    rows = ["| comparison | file | claims | seeds | what it shows |", "|---|---|---|---:|---|"]
    rows += [f"| {p.name} | `presets/{p.path.name}` | {', '.join(p.claims)} | {p.seeds} | {p.description} |"
             for p in list_comparisons()]
    return "\n".join(rows) + "\n"


def render_sweeps() -> str:
    from engine.presets import list_sweeps
    from engine.sweep_file import load_sweep

    rows = ["| sweep | file | claims | trials | what it shows |", "|---|---|---|---:|---|"]
    for p in list_sweeps():
        sweep = load_sweep(p.path)
        axes = " × ".join(f"{a.title} {a.values[0]}…{a.values[-1]}" for a in sweep.axes)
        rows.append(f"| {p.name} | `presets/sweeps/{p.path.name}` | {', '.join(p.claims)} | {sweep.trial_count} "
                    f"({len(sweep.experiments)} models × {axes} × {len(sweep.seeds)} seeds) | {p.description} |")
    return "\n".join(rows) + "\n"


def render_lessons() -> str:
    """The built-in course, in its order: each lesson's claim, steps and predictions."""
    from engine.presets import list_lessons

    rows = ["| # | lesson | claim | file | steps | predictions | what it asks |", "|---:|---|---|---|---:|---:|---|"]
    for lesson in list_lessons():
        questions = " · ".join(p.question for _, p in lesson.predictions)
        rows.append(f"| {lesson.order} | {lesson.title} | {lesson.claim} | `presets/lessons/{lesson.source.name}` | "
                    f"{len(lesson.steps)} | {len(lesson.predictions)} | {questions} |")
    return "\n".join(rows) + "\n"


def between(text: str, begin: str, end: str, body: str) -> str:
    """``text`` with ``body`` (ending in a newline) between its ``begin`` and
    ``end`` markers: the README's generated tables (here and in bench/)."""
    head, _, rest = text.partition(begin)
    _, _, tail = rest.partition(end)
    return f"{head}{begin}\n{body}{end}{tail}"


def embed(text: str) -> str:
    text = between(text, PRESETS_BEGIN, PRESETS_END, render_presets())
    text = between(text, COMPARISONS_BEGIN, COMPARISONS_END, render_comparisons())
    if SWEEPS_BEGIN in text:
        text = between(text, SWEEPS_BEGIN, SWEEPS_END, render_sweeps())
    if LESSONS_BEGIN in text:
        text = between(text, LESSONS_BEGIN, LESSONS_END, render_lessons())
    return between(text, BEGIN, END, render())


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--write":
        path = Path(sys.argv[2])
        path.write_text(embed(path.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        sys.stdout.write(render())
