"""Downloads of MNIST-format data sets and the mnist / fashion_mnist kinds.

Never the network: tiny idx.gz files in the real format are generated in
tmp_path and served through a file:// base URL (or a fake opener for HTTP
and network failures); the checksum table is pointed at those files."""

from __future__ import annotations

import errno
import gzip
import hashlib
import io
import struct
import urllib.error
from pathlib import Path

import numpy as np
import pytest

from engine import datasets as D
from engine import downloads
from engine.datasets import mnist
from engine.errors import DataError
from engine.spec import DatasetSpec


def idx_bytes(array: np.ndarray) -> bytes:
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes())


@pytest.fixture
def server(tmp_path, monkeypatch):
    """A folder of tiny MNIST-format files (class k: images of brightness 20k), the
    checksum table pointed at them, and the data folder inside tmp_path."""
    rng = np.random.default_rng(0)
    served = tmp_path / "server"
    served.mkdir()
    counts = {"train": 150, "t10k": 50}
    files = []
    for part, n in counts.items():
        labels = np.arange(n) % 10
        images = (labels[:, None, None] * 20 + rng.integers(0, 10, (n, 28, 28))).astype(np.uint8)
        for kind, array, dims in (("images", images, "idx3"), ("labels", labels, "idx1")):
            name = f"{'train' if part == 'train' else 't10k'}-{kind}-{dims}-ubyte.gz"
            data = idx_bytes(array)
            (served / name).write_bytes(data)
            files.append(downloads.RemoteFile(name, len(data), hashlib.sha256(data).hexdigest()))
    for key in ("mnist", "fashion_mnist"):
        old = downloads.SOURCES[key]
        monkeypatch.setitem(downloads.SOURCES, key, downloads.Source(key, old.title, served.as_uri() + "/",
                                                                     tuple(files)))
    monkeypatch.setenv(downloads.DATA_DIR_ENV, str(tmp_path / "data"))
    D.clear_cache()
    yield served
    D.clear_cache()


def test_download_verifies_and_the_kind_reads_it(server, tmp_path):
    with pytest.raises(DataError, match=r"MNIST: not downloaded yet — File ▸ Download Data Sets…"):
        D.describe(DatasetSpec("mnist"))
    seen = []
    folder = downloads.download("mnist", progress=lambda done, total: seen.append((done, total)))
    assert folder == tmp_path / "data" / "mnist" and downloads.is_downloaded("mnist")
    total = downloads.SOURCES["mnist"].size
    assert seen[-1] == (total, total) and [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert not list(folder.glob("*.part"))
    info = D.describe(DatasetSpec("mnist"))
    assert info.input_shape == (1, 28, 28) and info.n_outputs == 10
    b = D.load(DatasetSpec("mnist", {"n_images": 120}), seed=0)
    assert len(b.x_train) + len(b.x_val) == 120 and tuple(b.x_train.shape[1:]) == (1, 28, 28)
    # Labels follow the files: class k was drawn at brightness ~20k / 255.
    mean = b.x_train.mean(dim=(1, 2, 3)).numpy()
    assert np.allclose(mean, (b.y_train.numpy() * 20 + 4.5) / 255, atol=0.01)
    seq = D.load(DatasetSpec("mnist", {"n_images": 120, "as_sequence": True}), seed=0)
    assert tuple(seq.x_train.shape[1:]) == (28, 28)
    with pytest.raises(DataError, match="Fashion-MNIST: not downloaded yet"):
        D.load(DatasetSpec("fashion_mnist"), seed=0)


def test_second_download_reuses_verified_files(server):
    downloads.download("mnist")
    calls = []
    downloads.download("mnist", opener=lambda *a, **k: calls.append(a))
    assert calls == []


def test_checksum_mismatch_leaves_nothing_behind(server, tmp_path):
    (server / "t10k-labels-idx1-ubyte.gz").write_bytes(idx_bytes(np.zeros(50)))  # not what the table says
    with pytest.raises(DataError, match=r"MNIST: t10k-labels-idx1-ubyte.gz: checksum mismatch .* try again"):
        downloads.download("mnist")
    folder = tmp_path / "data" / "mnist"
    assert sorted(p.name for p in folder.iterdir()) == ["t10k-images-idx3-ubyte.gz", "train-images-idx3-ubyte.gz",
                                                        "train-labels-idx1-ubyte.gz"]
    assert not downloads.is_downloaded("mnist")


def test_cancel_removes_the_partial_file(server, tmp_path):
    seen = []
    with pytest.raises(downloads.DownloadCancelled):
        downloads.download("mnist", progress=lambda d, t: seen.append(d), cancelled=lambda: len(seen) > 0)
    assert list((tmp_path / "data" / "mnist").iterdir()) == []


def test_no_network_is_one_clear_line(server):
    def offline(url, timeout):
        raise urllib.error.URLError(OSError(-3, "Temporary failure in name resolution"))

    with pytest.raises(DataError) as err:
        downloads.download("fashion_mnist", opener=offline, base_url="https://example.invalid/")
    assert str(err.value).startswith("Fashion-MNIST: train-images-idx3-ubyte.gz: cannot reach "
                                      "https://example.invalid/train-images-idx3-ubyte.gz")
    assert str(err.value).endswith("is there a network connection?")


def test_http_error_names_the_status(server):
    def not_found(url, timeout):
        raise urllib.error.HTTPError(url, 404, "Not Found", {}, io.BytesIO())

    with pytest.raises(DataError, match="the server answered HTTP 404 Not Found for"):
        downloads.download("mnist", opener=not_found)


def test_disk_full_is_named(server, monkeypatch):
    class Full(io.BytesIO):
        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

    real_fdopen = downloads.os.fdopen
    monkeypatch.setattr(downloads.os, "fdopen", lambda fd, mode: (real_fdopen(fd, mode).close(), Full())[1])
    with pytest.raises(DataError, match=r"the disk is full \(writing to .*mnist\)"):
        downloads.download("mnist")


@pytest.mark.parametrize("content, expected", [
    (b"\x00\x00\x08", "not an idx file"),
    (b"\x00\x00\x08\x01\x00\x00\x00\x05abc", "3 bytes of data, the header promises 5"),
    (gzip.compress(b"PK\x03\x04zip"), "not an idx file"),
    (b"\x1f\x8b\x08broken gzip", "cannot be read"),
])
def test_damaged_idx_files_are_named(tmp_path, content, expected):
    path = tmp_path / "x.gz"
    path.write_bytes(content)
    with pytest.raises(DataError, match=expected) as err:
        mnist.read_idx(path)
    assert str(path) in str(err.value)


def test_default_data_dir_is_the_apps_data_location(monkeypatch, tmp_path):
    monkeypatch.delenv(downloads.DATA_DIR_ENV, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    if downloads.sys.platform.startswith("linux"):
        assert downloads.data_dir() == Path(tmp_path) / "CNN-RNN Playground" / "CNN-RNN Playground"
