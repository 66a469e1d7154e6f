"""Helpers shared by the fuzz tests (tests/gui/data/test_fuzz_files.py, tests/gui/data/test_fuzz_data.py).

- ``examples(n)``: a test's example count: ``n`` under the default "ci"
  profile, ``10 * n`` under ``HYPOTHESIS_PROFILE=full`` (profiles: conftest.py).
- ``within(seconds)``: the hang check. Hypothesis' deadline only measures an
  example after it has finished, so a real hang would hang the test run; a
  SIGALRM timer interrupts it instead (also inside a blocking read) and the
  example fails with ``Hang``, which Hypothesis then shrinks like any failure.
  The limit is generous (examples take milliseconds) so a loaded CI machine
  does not trip it.
- ``note(outcome)``: counts how far an example got, shown by
  ``pytest --hypothesis-show-statistics`` (so one can see the examples reach
  the shape inference, not only the first check).
- ``rarely(odd, usual, one_in)``: ``odd`` once in ``one_in`` draws: inputs
  stay mostly valid, so examples get past the first check to the code behind.
- ``assert_clear(exc, *names)``: what every refusal must be: one of the app's
  own errors, one line, naming where the problem is.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator

import pytest
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from engine.errors import PlaygroundError

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
FULL_FACTOR = 10


def examples(ci: int) -> int:
    return ci * FULL_FACTOR if PROFILE == "full" else ci


class Hang(pytest.fail.Exception):
    """An example ran past its time limit. A test failure, not an Exception:
    the engine's own ``except Exception`` (shape inference turns torch's errors
    into ShapeErrors) must not swallow it, and Hypothesis still shrinks it."""


@contextlib.contextmanager
def within(seconds: float) -> Iterator[None]:
    def expired(signum, frame):  # noqa: ARG001 - the signal handler's signature
        raise Hang(f"one example took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def assert_clear(exc: BaseException, *names: str) -> None:
    """``exc`` is a PlaygroundError with a one-line message that mentions one of ``names``."""
    assert isinstance(exc, PlaygroundError), f"not the app's own error: {type(exc).__name__}: {exc}"
    text = str(exc)
    assert text.strip(), f"{type(exc).__name__} without a message"
    assert len(text.splitlines()) == 1, f"message is not one line: {text!r}"
    assert len(text) < 2000, f"message is {len(text)} characters long: {text[:200]!r}…"
    if names:
        assert any(name in text for name in names), f"message names none of {names}: {text!r}"


def note(outcome: str) -> None:
    if currently_in_test_context():
        event(outcome)


def rarely(odd: st.SearchStrategy, usual: st.SearchStrategy, one_in: int = 20) -> st.SearchStrategy:
    # Hypothesis starts from, and shrinks towards, the simplest choice (0):
    # that must be the usual one, or the first examples are all odd ones.
    return st.integers(0, one_in - 1).flatmap(lambda k: odd if k == 1 else usual)
