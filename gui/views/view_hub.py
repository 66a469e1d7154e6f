"""Feeds every live view from the training runner, and the timeline.

The runner hands over a run's start, its probe snapshots (at most a couple
a second) and its per-epoch predictions. The hub keeps them in a bounded
SnapshotStore, shows the newest in every view while the timeline is live —
or the one the user scrubbed to — and hands the shown snapshot's weights
to the InspectionRunner, so a drawn digit is judged by the network as it was at
that step. Views for which a model has nothing (gates for a CNN) say so
instead of staying blank.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer, Signal

from gui.views.draw_queue import DrawQueue
from gui.views.snapshot_store import SnapshotStore
from gui.views.timeline_bar import TimelineBar

# Epochs of a small model take tens of milliseconds: predictions reach the
# views at most this often (the newest wins), like the engine's snapshots.
PREDICTIONS_INTERVAL = 0.5
# Drawing the visible views (and painting them, about as long again) may take
# this share of the GUI thread's time while a run is live; with many views
# floated at once, they refresh less often rather than slow training down.
# The window sets ``budget`` per run from the runner's (smaller when training
# shares this process and its GIL).
VIEW_BUDGET = 0.04


class ViewHub(QObject):
    shown = Signal(object)  # the Snapshot now on screen

    def __init__(self, inspector, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.inspector = inspector
        self.budget = VIEW_BUDGET
        self.views: dict[str, object] = {}
        self.store = SnapshotStore()
        self.timeline = TimelineBar()
        self.timeline.scrubbed.connect(self._on_scrubbed)
        self.timeline.went_live.connect(self._on_went_live)
        self.run = None
        self.experiment = None
        self.origin = ""  # what the snapshots are when not a run of this session ("trained weights from …")
        self.earlier = False  # the run shown is of another model or data than the window's (set_earlier)
        self.shown_index = -1
        self._predictions_shown_at = -float("inf")
        self._predictions_timer = QTimer(self)
        self._predictions_timer.setSingleShot(True)
        self._predictions_timer.timeout.connect(self._deliver_predictions)
        self._show_newest_pending = False
        self._next_live_show = 0.0
        # Live drawing goes one view per event-loop turn (gui/views/draw_queue.py).
        self._queue = DrawQueue(self._on_live_drawn, self)

    def add_view(self, name: str, view, order: list[str] | None = None) -> None:
        """Add a view (kept in ``order`` when given: the views draw, and are
        searched for one that applies, in the docks' order). A view built while
        a run is on screen (the window builds them in turns at start) is brought
        up to date: the run, the history it keeps, the snapshot shown."""
        self.views[name] = view
        if order is not None:
            rank = {n: i for i, n in enumerate(order)}
            self.views = dict(sorted(self.views.items(), key=lambda item: rank.get(item[0], len(rank))))
        if self.run is None:
            return
        if hasattr(view, "set_experiment") and self.experiment is not None:
            view.set_experiment(self.experiment)
        view.set_run(self.run)
        if not view.applies_to(self.run):
            view.caption.setText(view.not_applicable_text())
        for snapshot in self.store.snapshots:
            view.record_snapshot(snapshot)
        shown = self.shown_snapshot
        if shown is not None:
            self._draw_in(view, shown, self.store.predictions_at(shown.step))

    # --- runner events ------------------------------------------------------------
    def begin_run(self, experiment) -> None:
        """Called as a run is started, with the spec it trains."""
        self.experiment = experiment

    def set_earlier(self, earlier: bool) -> None:
        """Label what is shown as an earlier run's: the model or data in the
        window has changed since (an edit, an undo across data sets)."""
        if earlier != self.earlier:
            self.earlier = earlier
            self._update_timeline()

    def reset(self) -> None:
        """Forget the run (Reset): views empty, timeline cleared."""
        self.run = None
        self.earlier = False
        self.origin = ""
        self._predictions_timer.stop()
        self._queue.clear()
        self.store.clear()
        self.shown_index = -1
        self.timeline.clear()
        for view in self.views.values():
            view.set_run(None)
            view.caption.setText("Train a model to see this view.")

    def on_started(self, run, origin: str = "") -> None:
        """A run started (``origin`` empty), or other weights are shown as one
        would be: ``origin`` says what they are, in the timeline."""
        self.run = run
        self.origin = origin
        self.earlier = False
        self._predictions_timer.stop()
        self._predictions_shown_at = -float("inf")
        self._next_live_show = 0.0
        self._queue.clear()
        self.store.clear()
        self.shown_index = -1
        self.timeline.clear()
        if self.experiment is not None:
            self.inspector.set_run(self.experiment, run)
        for view in self.views.values():
            if hasattr(view, "set_experiment") and self.experiment is not None:
                view.set_experiment(self.experiment)
            view.set_run(run)
            if not view.applies_to(run):
                view.caption.setText(view.not_applicable_text())
        self._bring_forward_a_view_that_applies(run)

    def _bring_forward_a_view_that_applies(self, run) -> None:
        """Training an RNN with the Filters tab in front would show an empty
        tab: bring the first view with something to show to the front."""
        from PySide6.QtWidgets import QDockWidget

        shown = [view for view in self.views.values() if view.on_screen()]
        if not shown or any(view.applies_to(run) for view in shown):
            return
        for view in self.views.values():
            dock = view.parentWidget()
            if view.applies_to(run) and isinstance(dock, QDockWidget):
                dock.raise_()
                return

    def on_snapshot(self, snapshot) -> None:
        shown = self.shown_snapshot
        self.store.add_snapshot(snapshot)
        for view in self.views.values():
            view.record_snapshot(snapshot)
        if shown is not None and not self.timeline.live:
            # Thinning may have moved (or dropped) the snapshot on screen: find it by step.
            steps = [s.step for s in self.store.snapshots]
            self.shown_index = min(range(len(steps)), key=lambda i: abs(steps[i] - shown.step))
        if self.timeline.live:
            # Several snapshots in one tick (a slow tick, a fast model) draw once: the newest.
            if not self._show_newest_pending:
                self._show_newest_pending = True
                QTimer.singleShot(0, self._show_newest)
        else:
            self._update_timeline()

    def shutdown(self) -> None:
        """Wait for the views' own background jobs (the Settling view's capacity probe)."""
        for view in self.views.values():
            if hasattr(view, "shutdown"):
                view.shutdown()

    def on_finished(self, *_args) -> None:
        """The run ended: training no longer competes, so draw the final state now."""
        self._next_live_show = 0.0
        if self._show_newest_pending:
            self._show_newest()
        if self._predictions_timer.isActive():
            self._predictions_timer.stop()
            self._deliver_predictions()
        self._queue.flush()
        for view in self.views.values():
            view.run_ended()

    @property
    def drawing_pending(self) -> bool:
        """A live snapshot is waiting to be drawn (next tick, when the budget
        allows, or in views still waiting their turn)."""
        return self._show_newest_pending or self._queue.pending

    def _show_newest(self) -> None:
        wait = self._next_live_show - time.monotonic()
        if wait > 0:  # over budget: come back when it allows, then show the newest
            QTimer.singleShot(int(wait * 1000) + 1, self._show_newest)
            return
        self._show_newest_pending = False
        if self.timeline.live and len(self.store):
            index = len(self.store) - 1
            snapshot, predictions = self._select(index)
            for name, view in self._live_views():
                self._queue.put((name, "snapshot"), lambda v=view: self._draw_in(v, snapshot, predictions))
            self._queue.put("shown", lambda: self.shown.emit(snapshot))

    def _live_views(self):
        """The views a live snapshot is drawn in: not those with nothing to show
        for the run (gates for a CNN), which say so once, at its start — drawing
        them at every snapshot cost a CNN's frame ~2 ms for nothing."""
        run = self.run
        return [(name, view) for name, view in self.views.items() if run is None or view.applies_to(run)]

    def _on_live_drawn(self, cpu_seconds: float) -> None:
        cost = 2 * cpu_seconds  # drawing, and the painting that follows
        # The next frame is due cost / budget after this one began, not after it ended: from
        # its end, the views got well under their share (a row GRU's frames came 3 a second
        # where the budget allowed 8).
        started = self._queue.began if self._queue.began is not None else time.monotonic()
        self._next_live_show = started + cost / self.budget

    def on_predictions(self, predictions) -> None:
        self.store.add_predictions(predictions)
        if not self.timeline.live:
            return
        wait = self._predictions_shown_at + PREDICTIONS_INTERVAL - time.monotonic()
        if wait <= 0:
            self._deliver_predictions()
        elif not self._predictions_timer.isActive():
            self._predictions_timer.start(int(wait * 1000) + 1)

    def _deliver_predictions(self) -> None:
        self._predictions_shown_at = time.monotonic()
        if not self.timeline.live or not self.store.predictions:
            return
        latest = self.store.predictions[-1]
        for name, view in self._live_views():
            self._queue.put((name, "predictions"),
                            lambda v=view: v.predictions is latest or v.show_predictions(latest))

    # --- the timeline ---------------------------------------------------------------
    def show_index(self, index: int) -> None:
        """Show the ``index``-th kept snapshot in every view (the slider calls this)."""
        self.timeline.scrub_to(index)

    def _on_scrubbed(self, index: int) -> None:
        self._show(index)

    def _on_went_live(self) -> None:
        if len(self.store):
            self._show(len(self.store) - 1)

    def _show(self, index: int) -> None:
        """Show a kept snapshot in every view at once (a scrub, going live)."""
        if not 0 <= index < len(self.store):
            return
        self._queue.clear()  # live drawing still waiting would cover what the user chose
        snapshot, predictions = self._select(index)
        for view in self.views.values():
            self._draw_in(view, snapshot, predictions)
        self.shown.emit(snapshot)

    def _select(self, index: int):
        """Make the ``index``-th snapshot the one shown (timeline, InspectionRunner
        weights); returns it and the predictions of its time."""
        snapshot = self.store.snapshots[index]
        self.shown_index = index
        with_weights = self.store.latest_with_weights(index)
        if with_weights is not None:
            self.inspector.set_weights(with_weights.weights)
        self._update_timeline()
        return snapshot, self.store.predictions_at(snapshot.step)

    @staticmethod
    def _draw_in(view, snapshot, predictions) -> None:
        view.show_snapshot(snapshot)
        if predictions is not None and predictions is not view.predictions:
            view.show_predictions(predictions)

    def _update_timeline(self) -> None:
        count = len(self.store)
        if not count:
            return
        index = count - 1 if self.timeline.live else min(max(self.shown_index, 0), count - 1)
        snapshot = self.store.snapshots[index]
        where = "live" if self.timeline.live else f"{index + 1} of {count}"
        what = self.origin or f"Step {snapshot.step} · epoch {snapshot.epoch}"
        if self.earlier:
            what = f"Earlier run, of another model or data · {what}"
        self.timeline.set_count(count, index, f"{what} ({where})")

    @property
    def shown_snapshot(self):
        return self.store.snapshots[self.shown_index] if 0 <= self.shown_index < len(self.store) else None
