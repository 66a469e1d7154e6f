"""The app as a user installs it: a wheel built from pyproject.toml, installed
without -e, must carry its presets and data and find them from any folder
(the presets were once left out, so --list-presets printed nothing)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # A copy of the checkout: setuptools reuses a build/ folder it finds, which
    # could hide a file the current pyproject.toml leaves out, and litters.
    source = out / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "*.egg-info", "__pycache__", ".pytest_cache", "dist"))
    # No build isolation: the build needs only setuptools, already here, and no network.
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(out), str(source)], check=True, cwd=out, timeout=300,
                   env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    (found,) = out.glob("cnn_rnn_playground-*.whl")
    return found


def test_the_wheel_holds_every_preset_and_the_bundled_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    presets = sorted(p.name for p in (ROOT / "presets").glob("*.json"))
    assert presets and all(f"presets/{name}" in names for name in presets)
    sweeps = sorted(p.name for p in (ROOT / "presets" / "sweeps").glob("*.json"))
    assert sweeps and all(f"presets/sweeps/{name}" in names for name in sweeps)
    lessons = sorted(p.name for p in (ROOT / "presets" / "lessons").glob("*.json"))
    assert lessons and all(f"presets/lessons/{name}" in names for name in lessons)
    assert "engine/resources/corpus.txt" in names and "main.py" in names
    resources = sorted(p.name for p in (ROOT / "gui" / "resources").iterdir() if p.suffix in (".json", ".svg", ".html"))
    assert {"icon.svg", "palette.json", "help.html", "claims.json"} <= set(resources)
    assert all(f"gui/resources/{name}" in names for name in resources)
    assert not any(n.startswith(("tests/", "bench/", "docs/")) for n in names)


def test_an_installed_app_lists_and_runs_its_presets_from_any_folder(wheel, tmp_path):
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--target",
                    str(site), str(wheel)], check=True, timeout=300)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # The installed copy first on the path, the checkout nowhere on it.
    env = {**os.environ, "PYTHONPATH": str(site), "QT_QPA_PLATFORM": "offscreen", "PYTHONSAFEPATH": "1"}

    def app(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", "import sys, main; sys.exit(main.main(sys.argv[1:]))", *args],
                              cwd=elsewhere, env=env, capture_output=True, text=True, timeout=300)

    where = subprocess.run([sys.executable, "-c", "import engine, presets; print(engine.__file__, presets.__file__)"],
                           cwd=elsewhere, env=env, capture_output=True, text=True, check=True).stdout
    assert where.count(str(site)) == 2, where
    listed = app("--list-presets")
    assert listed.returncode == 0, listed.stderr
    for path in [*(ROOT / "presets").glob("*.json"), *(ROOT / "presets" / "sweeps").glob("*.json"),
                 *(ROOT / "presets" / "lessons").glob("*.json")]:
        assert path.stem in listed.stdout, path.stem
    lesson = app("--validate", "01_weight_sharing")  # a built-in lesson: its presets found in site-packages
    assert lesson.returncode == 0 and "a valid lesson" in lesson.stdout, lesson.stderr
    sweep = app("--summary", "input_size")  # a built-in sweep, its base found beside it in site-packages
    assert sweep.returncode == 0 and "36 trials" in sweep.stdout, sweep.stderr
    run = app("--headless", "digits_mlp.json", "--epochs", "1")
    assert run.returncode == 0, run.stderr
    assert "val_accuracy" in run.stdout
    missing = app("--headless", "no_such_preset.json")
    assert missing.returncode == 2 and "no_such_preset.json" in missing.stderr
    # The window's resources come from the installed copy: icon, palette, help and claim texts.
    gui = subprocess.run([sys.executable, "-c",
                          "from gui.app import create_application\n"
                          "app = create_application()\n"
                          "from gui.common import palette\nfrom gui.gallery.claims_text import CLAIMS\n"
                          "from gui.shell.help_text import HELP_HTML\nimport gui.common.resources as r\n"
                          "print(r.__file__, app.windowIcon().isNull(), len(palette.SERIES), len(CLAIMS), "
                          "'Examples' in HELP_HTML)"],
                         cwd=elsewhere, env=env, capture_output=True, text=True, timeout=120)
    assert gui.returncode == 0, gui.stderr
    assert gui.stdout.split()[1:] == ["False", "10", "17", "True"] and str(site) in gui.stdout, gui.stdout


def test_a_builtin_is_found_by_name_only_when_no_such_file_is_here(tmp_path, monkeypatch):
    from engine.preset_paths import PRESETS_DIR, builtin_or_given

    monkeypatch.chdir(tmp_path)
    assert builtin_or_given("digits_mlp.json") == str(PRESETS_DIR / "digits_mlp.json")
    assert builtin_or_given("compare_long_range") == str(PRESETS_DIR / "compare_long_range.json")
    (tmp_path / "digits_mlp.json").write_text("{}")
    assert builtin_or_given("digits_mlp.json") == "digits_mlp.json"  # the user's own file wins
    assert builtin_or_given("sub/digits_mlp.json") == "sub/digits_mlp.json"  # a path is taken as given
    assert builtin_or_given("nothing.json") == "nothing.json"


def test_finding_a_builtin_does_not_import_torch():
    """The window's start resolves a built-in's name before its window shows."""
    code = "import sys, engine.preset_paths; sys.exit('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, timeout=60).returncode == 0
