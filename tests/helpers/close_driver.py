"""Runs the real app (gui.app.run_app) and closes its window in the middle of
something, for tests/gui/shell/test_close_during.py, which starts this script in a
subprocess and judges the exit code, stderr and the files left behind.

    python tests/helpers/close_driver.py SCENARIO WORKDIR

opens WORKDIR/mine.json and, once the window is ready, starts SCENARIO:

- ``training``: an unsaved edit, Train, and the close at the first steps
  ("save your changes?" answered Save);
- ``save``: an edit, then File ▸ Save, with the close requested while the
  save is writing (from inside its fsync);
- ``import``: Import ▸ Image Folder… on WORKDIR/images, the close while the
  worker is reading;
- ``download``: File ▸ Download Data Sets… (MNIST from WORKDIR/server, served
  by a local HTTP server thread), the close while the worker is downloading.

The workers are held mid-way (until the close cancels them) rather than
slowed with sleeps, so the close always lands during the work: a worker the
close forgot to cancel would hold the app open, and the test would say so.
What happened is written to WORKDIR/report.json after the event loop ends.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import multiprocessing
import os
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SCENARIO, WORKDIR = sys.argv[1], Path(sys.argv[2])
report: dict = {"scenario": SCENARIO, "events": []}


def note(event: str) -> None:
    report["events"].append(event)


def close_when(window, condition, worker=None, interval_ms: int = 20) -> None:
    """Close the window (as its close button would) once ``condition()`` holds;
    ``worker()`` is the dialog's worker then, whose end is noted: a close that
    waits for it sees "worker finished" before the event loop ends."""
    from PySide6.QtCore import QTimer

    timer = QTimer(window, interval=interval_ms)

    def check() -> None:
        if condition():
            timer.stop()
            if worker is not None:
                worker().finished.connect(lambda: note("worker finished"))
            note("close")
            report["children"] = [p.pid for p in multiprocessing.active_children()]
            window.close()
    timer.timeout.connect(check)
    timer.start()


def held(cancelled, done: int, at: int) -> None:
    """Hold a worker once ``done`` reaches ``at`` until the close cancels it.
    ``cancelled`` is the dialog's ``threading.Event.is_set``: wait on the Event."""
    if done >= at and not cancelled():
        note("held")
        cancelled.__self__.wait()


# --- the scenarios ------------------------------------------------------------------------------
def training(window) -> None:
    window.training_panel.set_value("epochs", 3)  # unsaved: the close asks, and Save is the answer
    window.runner.stepped.connect(lambda batch: note("stepped"))
    close_when(window, lambda: window.runner.step_count >= 2)
    window.train_action.trigger()


def save(window) -> None:
    from PySide6.QtCore import QTimer

    window.training_panel.set_value("epochs", 3)
    real_fsync = os.fsync

    def fsync_then_close(fd: int) -> None:
        real_fsync(fd)
        if "close requested" not in report["events"]:
            note("close requested")
            QTimer.singleShot(0, window.close)  # a close (Ctrl+Q, the close button) while the save writes
    os.fsync = fsync_then_close
    window.document.saved.connect(lambda path: note("saved"))
    window.window_actions.save.trigger()
    note("save returned")


def importing(window) -> None:
    import engine.datasets.image_folder as image_folder
    from gui.data.import_images_dialog import ImportImagesDialog

    real = image_folder.read_folder

    def read_held(options, progress=None, cancelled=None):
        def progress_held(done: int, total: int) -> None:
            progress(done, total)
            held(cancelled, done, 32)
        return real(options, progress_held, cancelled)
    image_folder.read_folder = read_held
    action = next(a for a in window.dataset_panel.import_menu.actions() if a.text() == "&Image Folder…")
    action.trigger()
    dialog = next(w for w in window.findChildren(ImportImagesDialog) if w.isVisible())
    dialog.set_folder(str(WORKDIR / "images"))
    close_when(window, lambda: "held" in report["events"], lambda: dialog.task.worker)


class StallingHandler(http.server.SimpleHTTPRequestHandler):
    """Sends the first 64 KiB of a file, then stalls, as a slow network does:
    the download worker sits in a read that only the socket's timeout ends."""

    stalled = threading.Event()  # never set: the server thread dies with the process

    def copyfile(self, source, outputfile) -> None:
        outputfile.write(source.read(1 << 16))
        outputfile.flush()
        note("stalled")
        self.stalled.wait()

    def log_message(self, *args) -> None:  # nothing on stderr: the test reads it
        pass


def serve(folder: Path) -> str:
    handler = functools.partial(StallingHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="http", daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/"


def downloading(window) -> None:
    from engine import downloads
    from gui.data.download_dialog import DownloadDialog

    served = WORKDIR / "server"
    old = downloads.SOURCES["mnist"]
    files = tuple(downloads.RemoteFile(f.name, (served / f.name).stat().st_size,
                                       hashlib.sha256((served / f.name).read_bytes()).hexdigest()) for f in old.files)
    downloads.SOURCES["mnist"] = downloads.Source("mnist", old.title, serve(served), files)
    action = next(a for a in window.menuBar().actions()[0].menu().actions() if "Download Data Sets" in a.text())
    action.trigger()
    dialog = next(w for w in window.findChildren(DownloadDialog) if w.isVisible())
    dialog.select("mnist")
    dialog.download_button.click()
    close_when(window, lambda: "stalled" in report["events"] and dialog._done[0] > 0, lambda: dialog.task.worker)


SCENARIOS = {"training": training, "save": save, "import": importing, "download": downloading}


def main() -> int:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMessageBox

    import gui.shell.main_window as main_window

    def answer(parent, title, text, *args, **kwargs):
        note(f"asked: {title}")
        return QMessageBox.StandardButton.Save
    QMessageBox.question = staticmethod(answer)
    original_init = main_window.MainWindow.__init__

    def init(self, *args, **kwargs) -> None:
        from gui.common.settings import app_settings
        from gui.gallery import page as gallery
        from gui.gallery import tour

        for key in (gallery.SEEN_KEY, tour.SEEN_KEY):  # no first-start gallery or tour over the window
            app_settings().setValue(key, True)
        original_init(self, *args, **kwargs)
        self.ready.connect(lambda: SCENARIOS[SCENARIO](self), Qt.ConnectionType.QueuedConnection)
    main_window.MainWindow.__init__ = init
    from engine import process_pool
    from gui.app import run_app

    # No spare training process started at ready: it costs a torch import (seconds of
    # CPU, with four apps at once on two cores); Train starts its own, as the first Train would.
    process_pool.prestart = lambda: None

    code = run_app(str(WORKDIR / "mine.json"))
    note(f"exit {code}")
    (WORKDIR / "report.json").write_text(json.dumps(report))
    return code


if __name__ == "__main__":
    sys.exit(main())
