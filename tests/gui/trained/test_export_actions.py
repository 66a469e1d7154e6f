"""File ▸ Export in the window: the model as source, weights, TorchScript
(trained weights when they fit, else after asking), ONNX disabled with what
to install when its packages are missing, the last run's metrics as CSV,
and the loss and accuracy plots as PNG and SVG."""

from __future__ import annotations

import csv
import importlib.util

import numpy as np
import pytest
import torch
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMessageBox

pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated:DeprecationWarning")


def train_one_epoch(qtbot, window):
    window.training_panel.set_value("epochs", 1)
    with qtbot.waitSignal(window.runner.finished, timeout=60_000) as finished:
        window.train_action.trigger()
    assert window.runner.outcome == "finished"
    return finished.args[0]


def export(qtbot, window, kind):
    """Trigger the menu item and wait for the worker to write the file."""
    exports = window.exports
    exports.model_actions[kind].trigger()
    assert exports.busy  # the work runs on a worker, not on the GUI thread
    qtbot.waitUntil(lambda: not exports.busy, timeout=60_000)


def test_export_menu_sits_in_the_file_menu(window):
    file_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&File")
    assert window.exports.menu.menuAction() in file_menu.actions()
    texts = [a.text() for a in window.exports.menu.actions() if not a.isSeparator()]
    assert texts == ["Model as PyTorch &Source…", "Model &Weights (.pt)…", "Model as &TorchScript…",
                     "Model as &ONNX…", "&Metrics CSV…", "&Loss Plot…", "&Accuracy Plot…"]
    assert not window.exports.metrics_action.isEnabled()  # no run yet


def test_trained_model_exports_as_source_weights_and_torchscript(qtbot, window, dialogs, tmp_path):
    finished = train_one_epoch(qtbot, window)
    dialogs.save_path = str(tmp_path / "model.py")
    export(qtbot, window, "source")
    dialogs.save_path = str(tmp_path / "model.pt")
    export(qtbot, window, "weights")
    dialogs.save_path = str(tmp_path / "model.ts")
    export(qtbot, window, "torchscript")
    assert dialogs.questions == []  # the run's weights fit: nothing to ask
    assert "with the trained weights" in window.statusBar().currentMessage()

    spec = importlib.util.spec_from_file_location("exported_model", tmp_path / "model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = module.DigitsCNN().eval()
    model.load_state_dict(torch.load(tmp_path / "model.pt", weights_only=True))
    np.testing.assert_array_equal(model.conv2d_0.weight.detach().numpy(), finished.weights["layers.0.weight"])
    x = torch.randn(3, *module.INPUT_SHAPE)
    with torch.no_grad():
        torch.testing.assert_close(torch.jit.load(str(tmp_path / "model.ts"))(x), model(x))


def test_without_trained_weights_it_asks_first(qtbot, window, dialogs, tmp_path):
    dialogs.answer = QMessageBox.StandardButton.No
    dialogs.save_path = str(tmp_path / "fresh.pt")
    assert not window.exports.export_model("weights")
    assert len(dialogs.questions) == 1 and "untrained" in dialogs.questions[0]
    assert not (tmp_path / "fresh.pt").exists()

    dialogs.answer = QMessageBox.StandardButton.Yes
    export(qtbot, window, "weights")
    assert (tmp_path / "fresh.pt").is_file()
    assert "freshly initialised weights" in window.statusBar().currentMessage()

    dialogs.save_path = str(tmp_path / "arch.py")  # source holds no weights: no question
    export(qtbot, window, "source")
    assert len(dialogs.questions) == 2 and (tmp_path / "arch.py").is_file()


def test_onnx_is_disabled_with_what_to_install_when_its_packages_are_missing(window, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name in ("onnx", "onnxscript") else real(name, *a))
    window.exports.refresh()
    onnx = window.exports.model_actions["onnx"]
    assert not onnx.isEnabled()
    assert 'pip install "cnn-rnn-playground[onnx]"' in onnx.toolTip()
    assert window.exports.model_actions["torchscript"].isEnabled()


def test_a_failed_export_says_why(qtbot, window, dialogs, tmp_path):
    dialogs.answer = QMessageBox.StandardButton.Yes
    dialogs.save_path = str(tmp_path / "missing" / "m.pt")
    with qtbot.waitSignal(window.exports.failed, timeout=60_000) as failed:
        window.exports.model_actions["torchscript"].trigger()
    assert "folder does not exist" in failed.args[0]
    assert window.messages[-1][0] == "Export failed"


def test_metrics_csv_and_plots_after_a_run(qtbot, window, dialogs, tmp_path):
    train_one_epoch(qtbot, window)
    window.exports.refresh()
    assert window.exports.metrics_action.isEnabled()
    dialogs.save_path = str(tmp_path / "metrics.csv")
    window.exports.metrics_action.trigger()
    rows = list(csv.DictReader((tmp_path / "metrics.csv").open()))
    assert len(rows) == 1 and rows[0]["epoch"] == "1" and "val_accuracy" in rows[0]

    for action, name in ((window.exports.loss_plot_action, "loss"), (window.exports.metric_plot_action, "acc")):
        for suffix in ("png", "svg"):
            dialogs.save_path = str(tmp_path / f"{name}.{suffix}")
            action.trigger()
        image = QImage(str(tmp_path / f"{name}.png"))
        plot = window.curves.loss_plot if name == "loss" else window.curves.metric_plot
        assert not image.isNull() and image.width() == round(plot.sceneBoundingRect().width() * 2)
        assert len({image.pixel(x, image.height() // 2) for x in range(image.width())}) > 2  # drawn, not blank
        svg = (tmp_path / f"{name}.svg").read_text()
        assert "<svg" in svg and "</svg>" in svg
    assert "Loss" in (tmp_path / "loss.svg").read_text()
