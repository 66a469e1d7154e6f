"""Where the built-in presets are, without loading them: the command line
and the window's start resolve a built-in's name with this before torch is
imported (engine.presets, which loads and lists them, imports it)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

# A real folder in a checkout and in an installed (unzipped) package alike:
# comparisons name their experiments by paths relative to it.
PRESETS_DIR = Path(str(resources.files("presets")))
SWEEPS_DIR = PRESETS_DIR / "sweeps"  # the built-in sweeps; their bases are presets, named by relative path
LESSONS_DIR = PRESETS_DIR / "lessons"  # the built-in course (engine/lesson_file.py)


def builtin_or_given(file: str) -> str:
    """``file`` when it exists; otherwise the built-in preset or comparison of
    that name (``compare_long_range.json``, or its stem), so that a
    command line naming a built-in works from any folder. Anything else is
    returned as given, for the usual "file not found" message."""
    given = Path(file)
    if given.exists() or given.parent != Path("."):
        return file
    name = given.name if given.suffix == ".json" else f"{given.name}.json"
    for folder in (PRESETS_DIR, SWEEPS_DIR, LESSONS_DIR):
        if (folder / name).is_file():
            return str(folder / name)
    return file
