"""Shared fixtures. Every test fails if it leaves a thread running (the
napari habit): a leaked worker is how 'QThread: Destroyed while thread is
still running' aborts reach users."""

from __future__ import annotations

import os
import sys
import threading

import pytest
from hypothesis import HealthCheck, settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Hypothesis profiles (the fuzz tests: tests/test_fuzz_*.py; HYPOTHESIS_PROFILE
# picks one). "ci", the default, is derandomized: every run tries the same
# examples, so a red CI run is reproducible and no unrelated change turns it
# red by chance; new ground is covered by "full" (random, remembering failures
# in .hypothesis/), which the fuzz tests also run with 10× the examples.
# Neither sets max_examples: each test sets its own count (tests/helpers/fuzzing.py).
_PROFILE = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("ci", derandomize=True, database=None, **_PROFILE)
settings.register_profile("full", print_blob=True, **_PROFILE)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_configure(config):
    """Tests train by the app's rule (engine/threads.py): one torch thread,
    unless CNN_RNN_PLAYGROUND_THREADS says otherwise. A claim must hold at
    one and at two threads: run the claim tests again with it set to 2."""
    from engine.threads import use_training_threads

    use_training_threads()


@pytest.fixture(autouse=True)
def no_leaked_threads():
    before = set(threading.enumerate())
    yield
    leaked = []
    for thread in set(threading.enumerate()) - before:
        thread.join(timeout=5)
        if thread.is_alive() and not thread.daemon:
            leaked.append(thread.name)
    assert not leaked, f"test left threads running: {leaked}"
    # superqt workers run on Qt's global thread pool, invisible to threading.
    if "PySide6.QtCore" in sys.modules:
        from PySide6.QtCore import QThreadPool

        pool = QThreadPool.globalInstance()
        pool.waitForDone(5000)
        assert pool.activeThreadCount() == 0, "test left Qt pool workers running"
