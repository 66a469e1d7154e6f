"""Import ▸ Image Folder… and File ▸ Download Data Sets… in the window: a
generated folder of PNGs and JPEGs goes through the dialog's preview, becomes
the data set (one undo step) and trains for an epoch; broken folders show
their error and keep OK disabled; Cancel changes nothing. Downloads are
served from tmp_path, never the network."""

from __future__ import annotations

import hashlib
import shutil

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication


@pytest.fixture
def reader_registered(monkeypatch):
    """Qt's reader registered before the window starts its training process
    (a spawned child inherits the registration through the environment), and
    no idle training process from an earlier test that lacks it."""
    from engine import process_pool
    from engine.datasets import image_folder
    from gui.data.image_reader import register_image_reader

    monkeypatch.delenv(image_folder.READER_ENV, raising=False)
    register_image_reader()
    process_pool.close_all()
    yield
    image_folder.clear_cache()


def write_folder(root, per_class=8):
    rng = np.random.default_rng(0)
    for cls, (base, fmt) in {"dark": (30, "png"), "light": (220, "jpg")}.items():
        (root / cls).mkdir(parents=True)
        for i in range(per_class):
            w, h = int(rng.integers(10, 16)), int(rng.integers(10, 16))
            image = QImage(w, h, QImage.Format.Format_RGB32)
            image.fill(QColor(base, base, base))
            assert image.save(str(root / cls / f"{i}.{fmt}"))
    return root


def open_dialog(qtbot, window, folder, **options):
    from gui.data.import_images_dialog import ImportImagesDialog

    action = next(a for a in window.dataset_panel.import_menu.actions() if a.text() == "&Image Folder…")
    action.trigger()  # the data set panel's Import ▸ Image Folder…
    dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, ImportImagesDialog) and w.isVisible())
    for name, value in options.items():
        {"height": dialog.height_spin.setValue, "width": dialog.width_spin.setValue,
         "resize": dialog.resize_box.setChecked}[name](value)
    dialog.set_folder(str(folder))
    qtbot.waitUntil(lambda: not dialog.busy, timeout=20_000)
    return dialog


def test_import_a_folder_through_the_dialog_and_train_on_it(qtbot, reader_registered, window, tmp_path):
    folder = write_folder(tmp_path / "tones")
    dialog = open_dialog(qtbot, window, folder, height=12, width=12)
    assert dialog.ok_button.isEnabled(), dialog.status.text()
    assert [dialog.counts_table.item(r, 0).text() for r in range(2)] == ["dark", "light"]
    assert [dialog.counts_table.item(r, 1).text() for r in range(2)] == ["8", "8"]
    thumbs = [dialog.samples_grid.itemAt(i).widget() for i in range(dialog.samples_grid.count())]
    assert sum(w.pixmap() is not None and not w.pixmap().isNull() for w in thumbs) == 12  # 6 per class
    assert "16 images in 2 classes, 12×12 grayscale" in dialog.status.text()
    dialog.ok_button.click()
    spec = window.document.experiment.dataset
    assert spec.name == "image_folder" and spec.options["path"] == str(folder)
    assert spec.options["height"] == 12 and window.document.undo_stack.undoText() == "Import image folder tones"
    assert window.dataset_panel.combo.currentData() == "image_folder"

    # A CNN that fits the 1×12×12 images, then one epoch in the window (its training process).
    from engine.experiment_file import _parse_model

    model = _parse_model({"layers": [{"type": "Conv2d", "out_channels": 4, "kernel_size": 3}, {"type": "ReLU"},
                                     {"type": "Flatten"}, {"type": "Linear"}]})
    window.document.set(window.document.experiment.with_model(model), "A small CNN")
    window.training_panel.set_value("epochs", 1)
    window.training_panel.set_value("batch_size", 4)
    assert window.train_action.isEnabled(), window.document.analysis().problem
    with qtbot.waitSignal(window.runner.finished, timeout=90_000):
        window.train_action.trigger()
    assert window.runner.outcome == "finished", window.statusBar().currentMessage()
    assert window.runner.step_count == 4  # 13 training images (3 held out), batches of 4


def test_broken_folder_shows_its_error_and_cancel_changes_nothing(qtbot, reader_registered, window, tmp_path):
    folder = write_folder(tmp_path / "tones", per_class=3)
    (folder / "empty").mkdir()
    before = window.document.experiment
    dialog = open_dialog(qtbot, window, folder, resize=False)
    assert not dialog.ok_button.isEnabled()
    assert 'class folder "empty" holds no PNG or JPEG image' in dialog.status.text()
    shutil.rmtree(folder / "empty")
    dialog.set_folder(str(folder))  # resize still off: sizes differ
    qtbot.waitUntil(lambda: not dialog.busy, timeout=20_000)
    assert "images differ in size with resizing off" in dialog.status.text() and not dialog.ok_button.isEnabled()
    dialog.resize_box.setChecked(True)
    qtbot.waitUntil(lambda: dialog.ok_button.isEnabled(), timeout=20_000)
    dialog.buttons.button(dialog.buttons.StandardButton.Cancel).click()
    assert window.document.experiment is before


def test_download_dialog_fetches_and_uses_mnist(qtbot, window, tmp_path, monkeypatch):
    import gzip
    import struct

    from engine import downloads

    served = tmp_path / "server"
    served.mkdir()
    files = []
    for name, shape in (("train-images-idx3-ubyte.gz", (120, 28, 28)), ("train-labels-idx1-ubyte.gz", (120,)),
                        ("t10k-images-idx3-ubyte.gz", (20, 28, 28)), ("t10k-labels-idx1-ubyte.gz", (20,))):
        values = (np.arange(np.prod(shape)) % 10).astype(np.uint8).reshape(shape)
        data = gzip.compress(struct.pack(">BBBB", 0, 0, 8, len(shape)) + struct.pack(f">{len(shape)}I", *shape)
                             + values.tobytes())
        (served / name).write_bytes(data)
        files.append(downloads.RemoteFile(name, len(data), hashlib.sha256(data).hexdigest()))
    monkeypatch.setitem(downloads.SOURCES, "mnist",
                        downloads.Source("mnist", "MNIST", served.as_uri() + "/", tuple(files)))
    monkeypatch.setenv(downloads.DATA_DIR_ENV, str(tmp_path / "data"))
    action = next(a for a in window.menuBar().actions()[0].menu().actions() if "Download Data Sets" in a.text())
    action.trigger()
    from gui.data.download_dialog import DownloadDialog

    dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, DownloadDialog) and w.isVisible())
    assert not dialog.use_button.isEnabled() and "MB" in dialog.radios["mnist"].text()
    dialog.download_button.click()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=20_000)
    assert "MNIST is ready (checksums verified)" in dialog.status.text()
    assert dialog.progress.value() == 1000 and "downloaded" in dialog.radios["mnist"].text()
    dialog.use_button.click()
    assert window.document.experiment.dataset.name == "mnist"
    assert window.document.analysis().data_error is None


def test_download_without_network_says_so(qtbot, window, tmp_path, monkeypatch):
    from engine import downloads

    old = downloads.SOURCES["fashion_mnist"]
    monkeypatch.setitem(downloads.SOURCES, "fashion_mnist",
                        downloads.Source(old.key, old.title, (tmp_path / "nowhere").as_uri() + "/", old.files))
    monkeypatch.setenv(downloads.DATA_DIR_ENV, str(tmp_path / "data"))
    from gui.data.download_dialog import DownloadDialog

    dialog = DownloadDialog(window.document, window)
    qtbot.addWidget(dialog)
    dialog.select("fashion_mnist")
    dialog.download_button.click()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=20_000)
    assert dialog.status.text().startswith("⚠ Fashion-MNIST: train-images-idx3-ubyte.gz: cannot reach")
    assert not dialog.use_button.isEnabled() and not list((tmp_path / "data" / "fashion_mnist").iterdir())
