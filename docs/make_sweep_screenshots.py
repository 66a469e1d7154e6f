"""The README's pictures of the Sweep window: the real app on an X server
under a window manager (openbox), ``main.py presets/sweeps/NAME.json`` over
a finished sweep's results, photographed with its title bar.

The results are not made here (the C8 sweep trains for about ten minutes on
two cores): run the sweep first, ``main.py --headless long_range_distance``
(or Run in the window), and this copies its results folder from your data
folder (``~/.local/share/cnn-rnn-playground/sweeps``, or ``--from DIR``).
Needs Xvfb, openbox, xdotool and wmctrl (see DESIGN.md); the picture is
taken with Qt's screen grab (no ImageMagick needed), title bar included:

    .venv/bin/python docs/make_sweep_screenshots.py [--from DIR]

Writes docs/sweeps/long_range_distance.png and docs/sweeps/copy_memory_delay.png.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from docs.make_window_screenshots import ROOT, start_display  # noqa: E402

SWEEPS = ("long_range_distance", "copy_memory_delay")


def run(env: dict, *command: str, check: bool = True) -> str:
    done = subprocess.run(list(command), env=env, check=check, timeout=60, capture_output=True, text=True)
    return done.stdout.strip()


GRAB = """
import sys
from PySide6.QtGui import QGuiApplication
app = QGuiApplication([])
x, y, w, h = map(int, sys.argv[1:5])
QGuiApplication.primaryScreen().grabWindow(0, x, y, w, h).save(sys.argv[5])
"""
TITLE_BAR = 24  # openbox's, above the client window xdotool measures


def grab(env: dict, window: str, out: Path) -> None:
    shape = dict(line.split("=") for line in run(env, "xdotool", "getwindowgeometry", "--shell", window).split())
    x, y, w, h = (int(shape[k]) for k in ("X", "Y", "WIDTH", "HEIGHT"))
    top = max(0, y - TITLE_BAR)
    run(env, sys.executable, "-c", GRAB, str(x), str(top), str(w), str(h + y - top), str(out))


def shoot(name: str, source: Path) -> Path:
    from engine.sweep_file import load_sweep

    sweep = load_sweep(ROOT / "presets" / "sweeps" / f"{name}.json")
    display, processes = start_display(1600, 1000)
    home = Path(tempfile.mkdtemp())
    data = home / "data"
    shutil.copytree(source / f"{name}.results", data / "cnn-rnn-playground" / "sweeps" / f"{name}.results")
    env = {"PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": str(home), "DISPLAY": display, "QT_QPA_PLATFORM": "xcb",
           "XDG_CONFIG_HOME": str(home / "config"), "XDG_DATA_HOME": str(data)}
    app = subprocess.Popen([sys.executable, str(ROOT / "main.py"), f"presets/sweeps/{name}.json"], cwd=ROOT,
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out = ROOT / "docs" / "sweeps" / f"{name}.png"
    out.parent.mkdir(exist_ok=True)
    try:
        time.sleep(14)  # the window, torch, the sweep and its results
        run(env, "wmctrl", "-c", "Examples — CNN-RNN Playground", check=False)  # the first start's gallery
        time.sleep(1)
        window = run(env, "xdotool", "search", "--name", sweep.name[:30]).splitlines()[0]
        run(env, "xdotool", "windowactivate", "--sync", window)
        time.sleep(1)
        grab(env, window, out)
        run(env, "wmctrl", "-c", sweep.name[:30], check=False)
        time.sleep(1)
        run(env, "wmctrl", "-c", "CNN-RNN Playground", check=False)
        app.wait(timeout=30)
    finally:
        if app.poll() is None:
            app.kill()
        for process in processes:
            process.terminate()
        shutil.rmtree(home, ignore_errors=True)
    print("saved", out, flush=True)
    return out


def main() -> int:
    from engine.sweep_run import user_data_folder

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="source", default=str(user_data_folder() / "sweeps"),
                        help="the folder that holds NAME.results of each sweep")
    args = parser.parse_args()
    missing = [tool for tool in ("Xvfb", "openbox", "xdotool", "wmctrl") if shutil.which(tool) is None]
    if missing:
        print(f"needs {', '.join(missing)} (see DESIGN.md, 'Testing as a person would')", file=sys.stderr)
        return 2
    for name in SWEEPS:
        shoot(name, Path(args.source))
    return 0


if __name__ == "__main__":
    sys.exit(main())
