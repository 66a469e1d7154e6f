"""Start-up of the GUI: ``run_app`` creates the application, shows the main
window at once and runs the event loop. PyTorch and the engine load on a
worker after the first paint (see EngineLoader), so the window appears in
well under a second of Qt start-up instead of waiting for torch.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from gui.common.resources import app_icon
from gui.common.settings import APPLICATION, ORGANIZATION
from gui.common.style import install_focus_outline
from gui.data.image_reader import register_image_reader
from gui.shell.gui_garbage_collector import GuiGarbageCollector

# Training runs in a child process, but the InspectionRunner (and the in-process
# fallback of training) run on worker threads that need the GIL for a moment
# between torch calls; while the GUI thread paints (Python, in pyqtgraph) such
# a worker waits up to the switch interval each time. 5 ms (CPython's default)
# let painting slow in-process training several-fold here; 1 ms keeps the
# hand-overs short.
SWITCH_INTERVAL_S = 0.001


def create_application(argv: list[str] | None = None) -> QApplication:
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(APPLICATION)
    app.setWindowIcon(app_icon())  # every window's, the taskbar's and the dialogs'
    install_garbage_collector(app)
    install_focus_outline(app)  # where Tab has taken the focus must be visible
    register_image_reader()  # image folders decode with Qt's readers (cheap: imported on first use)
    from gui.common import axis_cache

    axis_cache.install()  # after the QApplication: pyqtgraph reads its settings on import
    single_threaded_blas()
    return app


def single_threaded_blas() -> None:
    """numpy's BLAS in this process on one thread. The window's arrays are
    small (a PCA of probe states, a histogram), and a threaded OpenBLAS waits
    for a second thread that the training process's core cannot give it:
    measured, the trajectories view's 64×64 ``eigh`` took 20 ms a snapshot
    while a row GRU trained (0.6 ms alone). Only this process: the training
    process sets its own threads (engine/threads.py)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # scikit-learn brings it; without it, threaded BLAS is slower, not wrong
        return
    threadpool_limits(limits=1, user_api="blas")  # type: ignore[return-value]


def install_garbage_collector(app: QApplication) -> GuiGarbageCollector:
    """Collect cyclic garbage on the GUI thread only (see GuiGarbageCollector)."""
    collector = app.findChild(GuiGarbageCollector)
    return collector if collector is not None else GuiGarbageCollector(app)


def run_app(path: str | None = None, lab: str | None = None) -> int:
    """Open ``path`` (or the default preset) in the main window, and the
    comparison or lab file ``lab`` in the lab over it; returns the exit code.

    A file that cannot be opened is reported in a message and the default
    preset opens instead."""
    app = create_application()
    from PySide6.QtCore import Qt

    from engine import process_pool
    from gui.shell.main_window import MainWindow  # after the QApplication: pyqtgraph reads its settings then

    window = MainWindow(path, lab_path=lab)
    window.show()
    # The training process imports torch in the background while the user
    # looks at the window, so the first Train starts at once — after the
    # window's own engine has loaded: on 2 cores, two processes importing
    # torch at once would delay the moment Train can be pressed.
    window.ready.connect(process_pool.prestart, Qt.ConnectionType.QueuedConnection)
    app.aboutToQuit.connect(process_pool.close_all)
    code = app.exec()
    return int(code)
