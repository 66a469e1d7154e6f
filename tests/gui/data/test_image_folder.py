"""The image-folder data set: real PNG and JPEG files written with QImage in
tmp_path, decoded through Qt's reader injected into the engine; every kind of
broken folder gets a one-line DataError naming the file or folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage

from engine import datasets as D
from engine.datasets import image_folder
from engine.errors import DataError
from engine.spec import DatasetSpec

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def qt_reader(monkeypatch):
    from gui.data.image_reader import register_image_reader

    monkeypatch.delenv(image_folder.READER_ENV, raising=False)
    register_image_reader()
    image_folder.clear_cache()
    D.clear_cache()
    yield
    image_folder.set_image_reader(None)
    image_folder.clear_cache()
    D.clear_cache()


def write_image(path: Path, w: int, h: int, colour: tuple[int, int, int], fmt: str | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    image = QImage(w, h, QImage.Format.Format_RGB32)
    image.fill(QColor(*colour))
    assert image.save(str(path), fmt)


def make_folder(root: Path, per_class: int = 5, size: tuple[int, int] = (12, 10)) -> Path:
    """cats: dark PNGs, dogs: bright JPEGs (different sizes, so resizing is exercised)."""
    for i in range(per_class):
        write_image(root / "cats" / f"c{i}.png", *size, (20 + i, 20, 20))
        write_image(root / "dogs" / f"d{i}.JPG", size[0] + 4, size[1] + 2, (230, 230, 220 - i), "JPG")
    (root / "dogs" / "notes.txt").write_text("not an image: ignored")
    return root


def spec(path: Path, **options) -> DatasetSpec:
    return DatasetSpec("image_folder", {"path": str(path), **options})


def test_a_folder_of_pngs_and_jpegs_loads_scaled_and_labelled(tmp_path):
    folder = make_folder(tmp_path / "pets")
    info = D.describe(spec(folder, height=8, width=6))
    assert info.input_shape == (1, 8, 6) and info.class_names == ("cats", "dogs")
    assert info.n_outputs == 2 and info.baseline == 0.5
    b = D.load(spec(folder, height=8, width=6), seed=0)
    assert tuple(b.x_train.shape[1:]) == (1, 8, 6) and len(b.x_train) + len(b.x_val) == 10
    x = np.concatenate([b.x_train.numpy(), b.x_val.numpy()])
    y = np.concatenate([b.y_train.numpy(), b.y_val.numpy()])
    assert x.dtype == np.float32 and 0.0 <= x.min() and x.max() <= 1.0
    assert x[y == 0].mean() < 0.15 and x[y == 1].mean() > 0.85  # cats dark, dogs bright: labels follow folders


def test_rgb_keeps_colour_and_resize_off_keeps_the_size(tmp_path):
    write_image(tmp_path / "f" / "red" / "a.png", 5, 4, (255, 0, 0))
    write_image(tmp_path / "f" / "red" / "b.png", 5, 4, (250, 0, 0))
    write_image(tmp_path / "f" / "blue" / "a.png", 5, 4, (0, 0, 255))
    write_image(tmp_path / "f" / "blue" / "b.png", 5, 4, (0, 0, 250))
    folder = image_folder.read_folder(D.validate_dataset(
        {"name": "image_folder", "options": {"path": str(tmp_path / "f"), "colour": "rgb", "resize": False}}).options)
    assert folder.images.shape == (4, 3, 4, 5) and folder.class_names == ("blue", "red")
    assert folder.images[0, :, 0, 0].tolist() == [0, 0, 255]  # blue/a.png
    assert folder.images[2, :, 0, 0].tolist() == [255, 0, 0]
    assert D.describe(spec(tmp_path / "f", colour="rgb", resize=False)).input_shape == (3, 4, 5)


def test_decoded_once_then_cached_until_the_folder_changes(tmp_path, monkeypatch):
    folder = make_folder(tmp_path / "pets", per_class=3)
    calls = []
    real = image_folder.image_reader()

    def counting(path, size, rgb):
        calls.append(path)
        return real(path, size, rgb)

    image_folder.set_image_reader(counting)
    options = D.validate_dataset({"name": "image_folder", "options": {"path": str(folder)}}).options
    image_folder.read_folder(options)
    image_folder.read_folder(options)
    assert len(calls) == 6
    write_image(folder / "cats" / "new.png", 12, 10, (0, 0, 0))
    assert len(image_folder.read_folder(options).labels) == 7


@pytest.mark.parametrize("case, expected", [
    ("missing", 'image folder "{root}" not found: the data has moved or was deleted'),
    ("file", "is a file, not a folder"),
    ("no_classes", "no class folders; put the images of each class in a subfolder named after the class — "
                   "the images lie in the folder itself"),
    ("one_class", 'only one class folder ("cats")'),
    ("empty_class", 'class folder "dogs" holds no PNG or JPEG image'),
    ("unreadable", 'cannot read "dogs/broken.png" (not a PNG or JPEG image Qt can decode)'),
    ("truncated", 'cannot read "dogs/cut.jpg"'),
    ("mixed_sizes", 'images differ in size with resizing off: "cats/a.png" is 6×5 pixels, "dogs/a.png" is '
                    "7×5 pixels; turn resizing on or make them the same size"),
    ("too_few", "2 images are too few for a validation split of 20% (at least 3 needed)"),
    ("empty_path", "image folder: no path given; choose one (dataset.options.path)"),
])
def test_broken_folders_get_one_clear_line(tmp_path, case, expected):
    root = tmp_path / "data"
    options = {"resize": True}
    if case == "file":
        root.write_text("x")
    elif case == "no_classes":
        write_image(root / "a.png", 4, 4, (0, 0, 0))
    elif case == "one_class":
        write_image(root / "cats" / "a.png", 4, 4, (0, 0, 0))
    elif case in ("empty_class", "unreadable", "truncated", "mixed_sizes"):
        write_image(root / "cats" / "a.png", 6, 5, (0, 0, 0))
        (root / "dogs").mkdir()
        if case == "unreadable":
            write_image(root / "dogs" / "a.png", 6, 5, (9, 9, 9))
            (root / "dogs" / "broken.png").write_bytes(b"this is no png")
        elif case == "truncated":
            write_image(root / "dogs" / "a.jpg", 40, 40, (9, 9, 9), "JPG")
            data = (root / "dogs" / "a.jpg").read_bytes()
            (root / "dogs" / "cut.jpg").write_bytes(data[:20])
        elif case == "mixed_sizes":
            write_image(root / "dogs" / "a.png", 7, 5, (9, 9, 9))
            options["resize"] = False
    elif case == "too_few":
        write_image(root / "cats" / "a.png", 4, 4, (0, 0, 0))
        write_image(root / "dogs" / "a.png", 4, 4, (9, 9, 9))
    path = "" if case == "empty_path" else str(root)
    with pytest.raises(DataError) as err:
        D.load(DatasetSpec("image_folder", {"path": path, **options}), seed=0)
    message = str(err.value)
    if case not in ("unreadable", "truncated"):  # describe lists the folder; only reading decodes
        with pytest.raises(DataError) as described:  # the panel says it before Train is pressed
            D.describe(DatasetSpec("image_folder", {"path": path, **options}))
        assert str(described.value) == message
    assert "\n" not in message and expected.format(root=root) in message, message
    image_folder.clear_cache()
    D.clear_cache()
    assert not image_folder._cache  # nothing half-imported is kept


def test_without_a_reader_the_error_says_how_to_register_one(tmp_path, monkeypatch):
    folder = make_folder(tmp_path / "pets", per_class=2)
    image_folder.set_image_reader(None)
    with pytest.raises(DataError, match="no image reader is registered"):
        D.load(spec(folder), seed=0)


def test_cancel_stops_reading_and_caches_nothing(tmp_path):
    folder = make_folder(tmp_path / "pets", per_class=40)
    options = D.validate_dataset({"name": "image_folder", "options": {"path": str(folder)}}).options
    seen = []
    with pytest.raises(image_folder.Cancelled):
        image_folder.read_folder(options, progress=lambda done, total: seen.append((done, total)),
                                 cancelled=lambda: bool(seen))
    assert seen == [(32, 80)] and not image_folder._cache


def test_headless_trains_on_an_image_folder(tmp_path):
    """main.py registers Qt's reader before the CLI runs, so --headless works."""
    import json

    folder = make_folder(tmp_path / "pets", per_class=6)
    experiment = {
        "format": "cnn-rnn-playground/experiment", "version": 1, "name": "pets",
        "dataset": {"name": "image_folder", "options": {"path": str(folder), "height": 8, "width": 8}},
        "model": {"layers": [{"type": "Conv2d", "out_channels": 4, "kernel_size": 3}, {"type": "ReLU"},
                             {"type": "Flatten"}, {"type": "Linear"}]},
        "training": {"epochs": 1, "batch_size": 4},
    }
    path = tmp_path / "pets.json"
    path.write_text(json.dumps(experiment))
    env = {k: v for k, v in os.environ.items() if k != image_folder.READER_ENV}
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), "--headless", str(path),
                             "--summary-json", str(tmp_path / "s.json")],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["epochs"] == 1 and "val_accuracy" in summary["final"]


def test_photographs_look_as_they_are_in_the_preview_and_the_views(tmp_path):
    """An imported folder showed inverted in the preview and the views (bright
    dogs drawn dark), because every image was drawn as ink on paper (issue
    #16, item 14). DataInfo.ink says which the images are; digits stay ink."""
    from gui.data.dataset_preview import prepare_samples, tile_images
    from gui.views.sample_tiles import sample_tiles

    folder = make_folder(tmp_path / "pets")
    assert D.describe(spec(folder, height=8, width=6)).ink is False
    assert D.describe(DatasetSpec("digits", {})).ink is True
    samples = prepare_samples(spec(folder, height=8, width=6), 0)
    assert samples.ink is False
    bright = np.array([i for i, t in enumerate(samples.targets) if "dogs" in t])
    dark = np.array([i for i, t in enumerate(samples.targets) if "cats" in t])
    assert bright.size and dark.size
    # The preview: 1 is white there. A bright photo stays bright, a dark one dark.
    tiled = tile_images(samples.x[np.r_[bright[:1], dark[:1]]], 2, 3, samples.ink)
    assert tiled[:8, :6].mean() > 0.8 and tiled[:8, 7:13].mean() < 0.2
    # The views' thumbnails: 1 is ink (dark) there, so a bright photo is near 0.
    tiles = sample_tiles(samples.x, "image", np.r_[bright[:1], dark[:1]], ink=samples.ink)
    assert tiles[0].mean() < 0.2 and tiles[1].mean() > 0.8
    # Digits are ink: their strokes (high values) are drawn dark, as before.
    digits = prepare_samples(DatasetSpec("digits", {}), 0)
    ink_tiles = sample_tiles(digits.x, "image", np.arange(2), ink=digits.ink)
    assert np.allclose(ink_tiles, sample_tiles(digits.x, "image", np.arange(2)))
