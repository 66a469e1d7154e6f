"""gui/common/task.py: the one lifecycle of a background job."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QElapsedTimer

from gui.common.task import Task


def test_one_job_at_a_time_results_on_the_gui_thread_and_busy_cleared_first(qtbot):
    task = Task()
    seen = []
    gui_thread = threading.current_thread()
    release = threading.Event()

    def work(x):
        release.wait(5)
        return x * 2

    assert task.start(work, 21, on_returned=lambda r: seen.append(("returned", r, threading.current_thread())),
                      on_finished=lambda: seen.append(("finished", task.busy)))
    assert task.busy and not task.start(work, 1)  # a second job waits for the first
    release.set()
    qtbot.waitUntil(lambda: not task.busy, timeout=5000)
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=5000)
    assert seen[0] == ("returned", 42, gui_thread)
    assert seen[1] == ("finished", False)  # a finish handler may start the next job


def test_an_error_reaches_on_errored_and_the_task_is_free_again(qtbot):
    task = Task()
    errors = []

    def fail():
        raise ValueError("bad input")

    task.start(fail, on_errored=errors.append)
    qtbot.waitUntil(lambda: not task.busy and bool(errors), timeout=5000)
    assert isinstance(errors[0], ValueError)
    assert task.start(lambda: None)
    task.shutdown(5000)
    assert not task.busy


def test_shutdown_waits_for_the_job_and_stop_ends_a_generator_early(qtbot):
    task = Task()
    values = []

    def count():
        for i in range(1000):
            time.sleep(0.01)
            yield i

    task.start(count, on_yielded=values.append)
    qtbot.waitUntil(lambda: bool(values), timeout=5000)
    clock = QElapsedTimer()
    clock.start()
    task.shutdown(10_000, stop=True)
    assert not task.busy and clock.elapsed() < 5000 and len(values) < 1000


def test_shutdown_right_after_the_job_ended_does_not_sit_out_the_timeout(qtbot):
    """The job has ended on its thread, its finished signal not yet delivered:
    waiting on ``finished`` itself would wait the whole timeout."""
    task = Task()
    done = threading.Event()
    task.start(done.set)
    assert done.wait(5)
    time.sleep(0.2)  # finished is emitted and queued, not delivered: no events processed since
    clock = QElapsedTimer()
    clock.start()
    task.shutdown(8000)
    assert not task.busy and clock.elapsed() < 4000
