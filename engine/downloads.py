"""Optional data sets fetched from the internet: MNIST and Fashion-MNIST.

Each is the standard four idx files, gzip-compressed, checked against the
SHA-256 sums below and kept in the user's data folder (``data_dir()``), so a
data set is downloaded once. Writing is atomic: a file is streamed into a
temporary file beside its final name and renamed only after its checksum
matched, so a cancelled, failed or corrupted download leaves nothing that
could later be read as data. Plain urllib: the engine never imports Qt, and
the window runs ``download`` on a worker thread with a progress callback and
a cancel flag.

The sums are tensorflow-datasets' published ones (url_checksums/mnist.txt and
fashion_mnist.txt) for the same URLs; they were not re-checked against the
servers from this machine, which has no network.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import http.client
import io
import os
import socket
import sys
import tempfile
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import DataError

DATA_DIR_ENV = "CNN_RNN_PLAYGROUND_DATA_DIR"
# The same folder as Qt's QStandardPaths.AppDataLocation for the app's organisation
# and application name, computed without Qt so --headless and the training process find it too.
APP = "CNN-RNN Playground"
CHUNK = 1 << 16
TIMEOUT_S = 30
CANCEL_POLL_S = 0.1  # how soon a cancel reaches a read that waits on a stalled connection


class DownloadError(DataError):
    """A download failed; the message is one line that says why and what to do."""


class DownloadCancelled(Exception):
    """The user cancelled; nothing was left behind."""


@dataclass(frozen=True)
class RemoteFile:
    name: str
    size: int  # bytes, for the progress bar before the server says
    sha256: str


@dataclass(frozen=True)
class Source:
    key: str  # the data set kind's name and the cache folder's name
    title: str
    base_url: str
    files: tuple[RemoteFile, ...]  # train images, train labels, test images, test labels

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)


# Every checksum in one table (see the module docstring for where they come from).
SOURCES: dict[str, Source] = {
    "mnist": Source("mnist", "MNIST", "https://storage.googleapis.com/cvdf-datasets/mnist/", (
        RemoteFile("train-images-idx3-ubyte.gz", 9912422,
                   "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
        RemoteFile("train-labels-idx1-ubyte.gz", 28881,
                   "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
        RemoteFile("t10k-images-idx3-ubyte.gz", 1648877,
                   "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
        RemoteFile("t10k-labels-idx1-ubyte.gz", 4542,
                   "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
    )),
    "fashion_mnist": Source("fashion_mnist", "Fashion-MNIST",
                            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/", (
        RemoteFile("train-images-idx3-ubyte.gz", 26421880,
                   "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"),
        RemoteFile("train-labels-idx1-ubyte.gz", 29515,
                   "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"),
        RemoteFile("t10k-images-idx3-ubyte.gz", 4422102,
                   "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"),
        RemoteFile("t10k-labels-idx1-ubyte.gz", 5148,
                   "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"),
    )),
}


def data_dir() -> Path:
    """The user's data folder: $CNN_RNN_PLAYGROUND_DATA_DIR, else where Qt's
    AppDataLocation puts it on this platform."""
    if os.environ.get(DATA_DIR_ENV):
        return Path(os.path.expanduser(os.environ[DATA_DIR_ENV]))
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or home / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    return base / APP / APP


def folder_of(key: str, root: Path | None = None) -> Path:
    return (root or data_dir()) / key


def is_downloaded(key: str, root: Path | None = None) -> bool:
    """Whether every file is there (cheap: no checksum; ``download`` checks them)."""
    folder = folder_of(key, root)
    return all((folder / f.name).is_file() for f in SOURCES[key].files)


def download(key: str, root: Path | None = None, progress: Callable[[int, int], None] | None = None,
             cancelled: Callable[[], bool] | None = None, base_url: str | None = None,
             opener: Callable[..., Any] = urllib.request.urlopen) -> Path:
    """Fetch the data set's missing or damaged files into ``root/key``; return that folder.

    ``progress(done_bytes, total_bytes)`` follows the whole data set; when
    ``cancelled()`` turns true the download stops with DownloadCancelled and
    the file in progress is removed (complete, verified files stay)."""
    source = SOURCES[key]
    folder = folder_of(key, root)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DownloadError(f"{source.title}: cannot create {folder} ({exc.strerror or exc})") from None
    total = source.size
    done = 0
    for remote in source.files:
        target = folder / remote.name
        if target.is_file() and _sha256(target) == remote.sha256:
            done += remote.size
        else:
            url = (base_url or source.base_url) + remote.name
            done = _fetch(source, remote, url, target, done, total, progress, cancelled, opener)
        if progress is not None:
            progress(done, total)
    return folder


def _fetch(source: Source, remote: RemoteFile, url: str, target: Path, done: int, total: int,
           progress: Callable[[int, int], None] | None, cancelled: Callable[[], bool] | None,
           opener: Callable[..., Any]) -> int:
    where = f"{source.title}: {remote.name}"
    digest = hashlib.sha256()
    handle, temp = tempfile.mkstemp(prefix=f".{remote.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            try:
                response = opener(url, timeout=TIMEOUT_S)
            except urllib.error.HTTPError as exc:
                raise DownloadError(f"{where}: the server answered HTTP {exc.code} {exc.reason} for {url}") from None
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                reason = getattr(exc, "reason", exc)
                raise DownloadError(f"{where}: cannot reach {url} ({reason}) — is there a network "
                                    "connection?") from None
            with response, _interrupted_on_cancel(response, cancelled):
                while True:
                    if cancelled is not None and cancelled():
                        raise DownloadCancelled
                    try:
                        chunk = response.read(CHUNK)
                    except (OSError, urllib.error.URLError, http.client.HTTPException) as exc:
                        if cancelled is not None and cancelled():
                            raise DownloadCancelled from None  # the watcher cut the connection
                        raise DownloadError(f"{where}: the connection broke off ({exc}); try again") from None
                    if not chunk:
                        if cancelled is not None and cancelled():
                            raise DownloadCancelled  # cut short by the watcher, not the end of the file
                        break
                    digest.update(chunk)
                    out.write(chunk)
                    done += len(chunk)
                    if progress is not None:
                        progress(min(done, total), total)
        if digest.hexdigest() != remote.sha256:
            raise DownloadError(f"{where}: checksum mismatch (SHA-256 {digest.hexdigest()[:12]}…, expected "
                                f"{remote.sha256[:12]}…); the download was damaged or the file on the server "
                                "changed — try again")
        os.replace(temp, target)
    except OSError as exc:
        _remove(temp)
        if exc.errno == errno.ENOSPC:
            raise DownloadError(f"{where}: the disk is full (writing to {target.parent})") from None
        raise DownloadError(f"{where}: cannot write to {target.parent} ({exc.strerror or exc})") from None
    except BaseException:
        _remove(temp)
        raise
    return done


@contextlib.contextmanager
def _interrupted_on_cancel(response: Any, cancelled: Callable[[], bool] | None) -> Any:
    """While the body is read, a watcher thread shuts the connection down as
    soon as ``cancelled()`` turns true. A read waiting on a stalled server
    would otherwise hear of the cancel only when the socket timed out
    (TIMEOUT_S): a window closed mid-download then waited that long to exit,
    its worker still running. (A short socket timeout cannot do it: a socket
    file that timed out once refuses every later read.) Nothing to watch for
    a response without a socket (file:// URLs, whose reads never stall)."""
    connection = None
    if cancelled is not None:
        try:
            handle = os.dup(response.fileno())
        except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
            handle = None
        if handle is not None:
            try:
                connection = socket.socket(fileno=handle)  # our own handle on the same connection
            except OSError:  # not a socket
                os.close(handle)
    if connection is None:
        yield
        return
    finished = threading.Event()

    def watch() -> None:
        with connection:
            while not finished.wait(CANCEL_POLL_S):
                if cancelled():
                    with contextlib.suppress(OSError):
                        connection.shutdown(socket.SHUT_RDWR)  # the blocked read returns at once
                    return
    watcher = threading.Thread(target=watch, name="download-cancel", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        finished.set()
        watcher.join()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
