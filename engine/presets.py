"""The built-in presets: the experiment files of the ``presets`` package
(installed with the app as package data, found with importlib.resources),
and the built-in comparisons, the files there named ``compare_*.json``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.comparison_file import Comparison, load_comparison
from engine.errors import SpecError
from engine.experiment_file import load_experiment
from engine.preset_paths import PRESETS_DIR, SWEEPS_DIR
from engine.spec import Experiment

DEFAULT_PRESET = "digits_cnn"
COMPARISON_PREFIX = "compare_"


@dataclass(frozen=True)
class PresetInfo:
    key: str  # file stem, e.g. "digits_cnn"
    path: Path
    name: str
    description: str
    claims: tuple[str, ...] = ()  # comparisons name the claims they demonstrate
    seeds: str = ""  # comparisons: how many seeds each experiment trains ("3", or "seeds 0, 4")

    @property
    def summary(self) -> str:
        """The description's first sentence, for one-line listings."""
        first = self.description.split(". ")[0].strip()
        return first if first.endswith(".") else first + "."


def list_presets() -> list[PresetInfo]:
    """Every loadable preset, sorted by file name. A broken preset file is a
    bug in the project; the tests load every one, so it is skipped here."""
    found = []
    for path in sorted(PRESETS_DIR.glob("*.json")):
        if path.name.startswith(COMPARISON_PREFIX):
            continue
        try:
            exp = load_experiment(path)
        except SpecError:
            continue
        found.append(PresetInfo(path.stem, path, exp.name, exp.description))
    return found


def preset_path(key: str) -> Path:
    return PRESETS_DIR / f"{key}.json"


def load_preset(key: str = DEFAULT_PRESET) -> Experiment:
    return load_experiment(preset_path(key))


def list_comparisons() -> list[PresetInfo]:
    """Every loadable built-in comparison, sorted by file name (skipped when
    broken, like presets; the tests load every one)."""
    found = []
    for path in sorted(PRESETS_DIR.glob(f"{COMPARISON_PREFIX}*.json")):
        try:
            comp = load_comparison(path)
        except SpecError:
            continue
        seeds = comp.seeds.describe() if comp.seeds.values is not None else str(len(comp.seeds))
        found.append(PresetInfo(path.stem, path, comp.name, comp.description, comp.claims, seeds))
    return found


def load_comparison_preset(key: str) -> Comparison:
    return load_comparison(preset_path(key))



def list_sweeps() -> list[PresetInfo]:
    """Every loadable built-in sweep (presets/sweeps), sorted by file name."""
    from engine.sweep_file import load_sweep

    found = []
    for path in sorted(SWEEPS_DIR.glob("*.json")):
        try:
            sweep = load_sweep(path)
        except SpecError:
            continue
        found.append(PresetInfo(path.stem, path, sweep.name, sweep.description, sweep.claims,
                                str(len(sweep.seeds))))
    return found


def list_lessons() -> list:
    """Every loadable built-in lesson (presets/lessons), in the course's order."""
    from engine.lesson_file import load_lesson
    from engine.preset_paths import LESSONS_DIR

    found = []
    for path in sorted(LESSONS_DIR.glob("*.json")):
        try:
            found.append(load_lesson(path))
        except SpecError:
            continue
    return sorted(found, key=lambda lesson: (lesson.order, lesson.key))
