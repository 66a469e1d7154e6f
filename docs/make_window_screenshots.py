"""The README's pictures of the whole window on a desktop: the real app on
an X server of each screen size under a window manager (openbox), training
the digits CNN, photographed with its title bar as a user sees it.

Needs Xvfb, openbox, xdotool and ImageMagick's ``import`` (see DESIGN.md):

    .venv/bin/python docs/make_window_screenshots.py

Writes docs/screenshot-1600x1000.png and docs/screenshot-1280x800.png.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = ((1600, 1000), (1280, 800))
PRESET = ROOT / "presets" / "digits_cnn.json"


def start_display(width: int, height: int) -> tuple[str, list[subprocess.Popen]]:
    read, write = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", f"{width}x{height}x24",
                               "-nolisten", "tcp"], pass_fds=(write,), stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as pipe:
        display = f":{pipe.readline().strip()}"
    manager = subprocess.Popen(["openbox"], env={**os.environ, "DISPLAY": display},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    return display, [manager, server]


def shoot(width: int, height: int) -> Path:
    display, processes = start_display(width, height)
    home = Path(tempfile.mkdtemp())
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb",
           "XDG_CONFIG_HOME": str(home / "config"), "XDG_DATA_HOME": str(home / "data")}
    app = subprocess.Popen([sys.executable, str(ROOT / "main.py"), str(PRESET)], cwd=ROOT, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out = ROOT / "docs" / f"screenshot-{width}x{height}.png"
    try:
        time.sleep(12)  # the window, then torch and the engine
        subprocess.run(["xdotool", "search", "--name", "CNN-RNN Playground", "windowactivate", "--sync"],
                       env=env, check=False, timeout=20)
        subprocess.run(["xdotool", "key", "Escape"], env=env, check=True, timeout=20)  # the first start's tour
        time.sleep(1)
        subprocess.run(["xdotool", "key", "F5"], env=env, check=True, timeout=20)
        time.sleep(3.5)  # mid-run: curves, filters and the timeline filling in
        subprocess.run(["import", "-window", "root", str(out)], env=env, check=True, timeout=60)
        subprocess.run(["wmctrl", "-c", "CNN-RNN Playground"], env=env, check=False, timeout=20)
        app.wait(timeout=20)
    finally:
        if app.poll() is None:
            app.kill()
        for process in processes:
            process.terminate()
        shutil.rmtree(home, ignore_errors=True)
    print("saved", out, flush=True)
    return out


def main() -> int:
    missing = [tool for tool in ("Xvfb", "openbox", "xdotool", "import", "wmctrl") if shutil.which(tool) is None]
    if missing:
        print(f"needs {', '.join(missing)} (see DESIGN.md, 'Testing as a person would')", file=sys.stderr)
        return 2
    for width, height in SIZES:
        shoot(width, height)
    return 0


if __name__ == "__main__":
    sys.exit(main())
