"""Measures, off the GUI thread, what the Text probe's comparison needs: the
context a character model uses on held-out text (engine.claims.context_curve)
and how far apart its predictions after two typed prefixes are
(engine.claims.compare_prefixes).

A superqt worker does the torch work (DESIGN.md, Known pitfalls: none on the
GUI thread). Requests coalesce: while one runs, only the newest waiting one
is kept. The curve is measured again only when the weights have changed and
at most every CURVE_INTERVAL seconds while they keep changing (training),
since it reads a few hundred held-out windows; the prefixes are compared on
every request.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

from gui.common.task import Task

CURVE_INTERVAL = 5.0  # seconds between two measurements of the curve while the weights change
CURVE_SAMPLES = 128  # held-out windows: enough for a steady mean, a fraction of a second


@dataclass(frozen=True)
class ContextReport:
    curve: Any  # engine.claims.ContextCurve, or None before the first measurement
    comparison: Any  # engine.claims.PrefixComparison, or None with one prefix
    vocab: str


class _Memo:
    """What one measurement leaves for the next: the data set, the curve and
    the weights it was measured on. A plain object, so that the worker
    thread touches no Qt wrapper (the runner is a QObject)."""

    def __init__(self) -> None:
        self.curve: Any = None
        self.curve_weights: object = None
        self.curve_time = 0.0
        self.data: tuple[object, Any] | None = None  # (dataset spec and seed, its bundle)


def _measure(memo: _Memo, experiment: Any, weights: dict, a: str, b: str) -> ContextReport:
    """Worker thread; one at a time, so ``memo`` needs no lock."""
    from engine import claims, datasets

    key = (experiment.dataset, experiment.training.seed)
    if memo.data is None or memo.data[0] != key:
        memo.data = (key, datasets.load(experiment.dataset, experiment.training.seed))
    bundle = memo.data[1]
    model = claims.model_with(experiment, weights, bundle.info)
    stale = memo.curve is None or (weights is not memo.curve_weights
                                   and time.monotonic() - memo.curve_time >= CURVE_INTERVAL)
    if stale:
        memo.curve = claims.context_curve(model, bundle.x_val, bundle.y_val, samples=CURVE_SAMPLES)
        memo.curve_weights, memo.curve_time = weights, time.monotonic()
    usable = "".join(ch for ch in a if ch in bundle.vocab), "".join(ch for ch in b if ch in bundle.vocab)
    comparison = claims.compare_prefixes(model, *usable, bundle.vocab) if all(usable) else None
    return ContextReport(memo.curve, comparison, bundle.vocab)


class ContextRunner(QObject):
    measured = Signal(object)  # ContextReport
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.task = Task(self)
        self._pending: tuple | None = None
        self._memo = _Memo()

    @property
    def busy(self) -> bool:
        return self.task.busy

    def request(self, experiment: Any, weights: dict | None, a: str, b: str) -> None:
        """Compare the prefixes ``a`` and ``b`` (``b`` may be empty) under these weights."""
        if experiment is None or weights is None:
            return
        self._pending = (experiment, weights, a, b)
        if not self.task.busy:
            self._start()

    def _start(self) -> None:
        job, self._pending = self._pending, None
        self.task.start(_measure, self._memo, *job, on_returned=self._on_returned, on_errored=self._on_errored,
                        on_finished=self._on_finished)

    def _on_returned(self, report: ContextReport) -> None:
        self.measured.emit(report)

    def _on_errored(self, exc: BaseException) -> None:
        from gui.training.training_runner import describe_error

        self.failed.emit(describe_error(exc))

    def _on_finished(self) -> None:
        if self._pending is not None:
            self._start()

    def shutdown(self, timeout_ms: int = 5000) -> None:
        self._pending = None
        self.task.shutdown(timeout_ms)
