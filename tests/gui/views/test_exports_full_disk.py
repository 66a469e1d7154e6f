"""Picture and data exports on a full disk (a file-size limit, as `ulimit -f`
sets; issue #16 item 15): QImage.save(path) and np.save(path) wrote straight
into the target, so a short write left it truncated and the old file gone.
Now each says "cannot write FILE: …", the old file is whole and nothing is
left beside it."""

from __future__ import annotations

from tests.engine.test_full_disk import OLD, ROOT, limited

CODE = """
import sys
sys.path.insert(0, {root!r})
import numpy as np
from pathlib import Path
from PySide6.QtWidgets import QApplication
app = QApplication([])
from gui.training.curves import LossCurves
from gui.trained.export_actions import export_plot
from gui.views.view_panel import ViewPanel

class Big(ViewPanel):
    title = "Big"
    def export_data(self):
        return {{"values": np.arange(90000.0).reshape(300, 300)}}

view = Big()
view.resize(600, 400)
curves = LossCurves()
curves.resize(600, 400)
folder = Path({folder!r})
writes = {{
    "view.png": lambda p: view.export_image(p),
    "view.svg": lambda p: view.export_image(p),
    "data.csv": lambda p: view.export_data_to(p),
    "data.npy": lambda p: view.export_data_to(p),
    "data.npz": lambda p: view.export_data_to(p),
    "loss.png": lambda p: export_plot(curves.loss_plot, p),
    "loss.svg": lambda p: export_plot(curves.loss_plot, p),
}}
for name, write in writes.items():
    (folder / name).mkdir()
    target = folder / name / name
    target.write_text({old!r})
    try:
        write(target)
        print(name, "written", file=sys.stderr)
    except OSError as exc:
        print(exc, file=sys.stderr)
sys.stderr.flush()
import os
os._exit(0)  # the report is out; PySide's teardown of pyqtgraph items can crash at exit
"""


def test_view_and_plot_exports_on_a_full_disk(tmp_path):
    result = limited(1024, code=CODE.format(root=str(ROOT), folder=str(tmp_path), old=OLD))
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [line for line in result.stderr.strip().splitlines() if "propagateSizeHints" not in line]
    names = ["view.png", "view.svg", "data.csv", "data.npy", "data.npz", "loss.png", "loss.svg"]
    assert len(lines) == len(names), lines
    for name, line in zip(names, lines, strict=True):
        target = tmp_path / name / name
        assert line == f"cannot write {target}: File too large", (name, line)
        assert target.read_text() == OLD, name
        assert sorted(p.name for p in target.parent.iterdir()) == [name], name
