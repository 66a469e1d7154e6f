"""The README's pictures of the lab: the real app on an X server under a
window manager (openbox), ``main.py --lab COMP``, Train all pressed, the lab
window photographed mid-training with its title bar as a user sees it.

Needs Xvfb, openbox, xdotool, wmctrl and ImageMagick's ``import`` (see DESIGN.md):

    .venv/bin/python docs/make_lab_screenshots.py

Writes docs/lab-digits-cnn-gru.png and docs/lab-copy-memory.png.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from docs.make_window_screenshots import ROOT, start_display  # noqa: E402

# (comparison, picture, seconds of training before the picture, keys pressed first)
SHOTS = (("compare_digits_cnn_gru", "lab-digits-cnn-gru.png", 5.0, ()),
         ("compare_copy_memory", "lab-copy-memory.png", 25.0, ("bracketright", "bracketright")))


def run(env: dict, *command: str, check: bool = True) -> str:
    done = subprocess.run(list(command), env=env, check=check, timeout=60, capture_output=True, text=True)
    return done.stdout.strip()


def shoot(comparison: str, picture: str, seconds: float, keys: tuple[str, ...]) -> Path:
    display, processes = start_display(1600, 1000)
    home = Path(tempfile.mkdtemp())
    env = {"PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": str(home), "DISPLAY": display, "QT_QPA_PLATFORM": "xcb",
           "XDG_CONFIG_HOME": str(home / "config"), "XDG_DATA_HOME": str(home / "data")}
    app = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "--lab", comparison], cwd=ROOT, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out = ROOT / "docs" / picture
    try:
        time.sleep(14)  # the window, torch, the lab and its samples
        run(env, "wmctrl", "-c", "Examples — CNN-RNN Playground", check=False)  # the first start's gallery
        time.sleep(1)
        lab = run(env, "xdotool", "search", "--name", "— Lab —").splitlines()[0]
        run(env, "xdotool", "windowactivate", "--sync", lab)
        for key in keys:
            run(env, "xdotool", "key", key)
        run(env, "xdotool", "key", "F5")  # Train all
        time.sleep(seconds)
        run(env, "import", "-frame", "-window", lab, str(out))
        run(env, "xdotool", "key", "shift+F5")  # Stop all, then close everything
        time.sleep(2)
        run(env, "wmctrl", "-c", "— Lab —", check=False)
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
    missing = [tool for tool in ("Xvfb", "openbox", "xdotool", "import", "wmctrl") if shutil.which(tool) is None]
    if missing:
        print(f"needs {', '.join(missing)} (see DESIGN.md, 'Testing as a person would')", file=sys.stderr)
        return 2
    for shot in SHOTS:
        shoot(*shot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
