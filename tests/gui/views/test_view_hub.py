"""The hub and timeline: views get every snapshot while live, the timeline
scrubs back (and the InspectionRunner gets that step's weights), and the store
stays bounded however long a run lasts."""

from __future__ import annotations

import numpy as np

from engine.events import Predictions, Snapshot
from gui.views.snapshot_store import SnapshotStore
from gui.views.view_hub import ViewHub
from gui.views.view_panel import ViewPanel
from tests.gui.conftest import FakeInspectionRunner


class RecordingView(ViewPanel):
    title = "Recorder"

    def __init__(self) -> None:
        super().__init__()
        self.drawn: list[int] = []
        self.predicted: list[int] = []

    def _draw_snapshot(self, snapshot) -> None:
        self.drawn.append(snapshot.step)

    def _draw_predictions(self, predictions) -> None:
        self.predicted.append(predictions.step)

    def export_data(self):
        return {"steps": np.asarray(self.drawn, float)}


def settle(qtbot, hub) -> None:
    """Let the hub's deferred draw run (it coalesces snapshots of one tick,
    and spaces draws to keep within its time budget)."""
    qtbot.waitUntil(lambda: not hub.drawing_pending, timeout=5_000)


def snap(step: int, size: int = 10) -> Snapshot:
    return Snapshot(step, 1 + step // 100, filters={0: np.zeros(size, np.float32)},
                    weights={"w": np.full(3, float(step), np.float32)})


def test_store_thins_to_its_bound_and_keeps_first_and_newest():
    store = SnapshotStore(max_snapshots=10)
    for step in range(0, 1000, 5):
        store.add_snapshot(snap(step))
    assert len(store) <= 10
    steps = [s.step for s in store.snapshots]
    assert steps[0] == 0 and steps[-1] == 995
    assert steps == sorted(steps)
    # Evenly spread over the whole run (the newest aside), not crowded at its end.
    assert len(set(np.diff(steps[:-1]).tolist())) == 1
    assert any(s < 500 for s in steps[1:])


def test_store_respects_its_memory_bound():
    store = SnapshotStore(max_snapshots=1000, max_bytes=4000 * 10)
    for step in range(300):
        store.add_snapshot(snap(step, size=1000))  # 4 kB each
    assert store.nbytes <= 4000 * 10 + 4000


def test_store_finds_predictions_at_a_step():
    store = SnapshotStore()
    for step in (10, 20, 30):
        store.add_predictions(Predictions(step, step // 10, np.zeros(2), None, None))
    assert store.predictions_at(5) is None
    assert store.predictions_at(25).step == 20


def test_hub_shows_live_snapshots_and_scrubs_back(qtbot):
    inspector = FakeInspectionRunner()
    hub = ViewHub(inspector)
    view = RecordingView()
    qtbot.addWidget(view)
    hub.add_view("recorder", view)
    hub.on_started(object())
    for step in (0, 10):
        hub.on_snapshot(snap(step))
        settle(qtbot, hub)
    assert view.drawn == [0, 10]
    for step in (20, 30):  # two in one tick: drawn once, the newest
        hub.on_snapshot(snap(step))
    settle(qtbot, hub)
    assert view.drawn == [0, 10, 30]
    assert float(inspector.weights["w"][0]) == 30
    hub.on_predictions(Predictions(25, 1, np.zeros(2), None, None))
    settle(qtbot, hub)  # views draw one per turn of the event loop
    assert view.predicted[-1] == 25

    hub.show_index(1)  # the user drags the timeline to the second snapshot
    assert not hub.timeline.live
    assert view.drawn[-1] == 10
    assert float(inspector.weights["w"][0]) == 10  # the canvas is judged by that step's network
    assert "Step 10" in hub.timeline.readout.text()

    hub.on_snapshot(snap(40))  # training goes on; the view stays where the user is
    assert view.drawn[-1] == 10
    assert hub.timeline.slider.maximum() == 4

    hub.timeline.live_button.setChecked(True)  # Live: back to the newest, and follow it
    assert view.drawn[-1] == 40
    hub.on_snapshot(snap(50))
    settle(qtbot, hub)
    assert view.drawn[-1] == 50


def test_predictions_reach_views_at_most_twice_a_second_and_the_newest_wins(qtbot):
    hub = ViewHub(FakeInspectionRunner())
    view = RecordingView()
    qtbot.addWidget(view)
    hub.add_view("recorder", view)
    hub.on_started(object())
    for epoch in range(1, 6):  # five fast epochs in a row
        hub.on_predictions(Predictions(epoch * 10, epoch, np.zeros(2), None, None))
    settle(qtbot, hub)
    assert view.predicted == [10]
    qtbot.waitUntil(lambda: view.predicted == [10, 50], timeout=2_000)


def test_frozen_view_keeps_its_picture_and_catches_up(qtbot):
    hub = ViewHub(FakeInspectionRunner())
    view = RecordingView()
    qtbot.addWidget(view)
    hub.add_view("recorder", view)
    hub.on_started(object())
    hub.on_snapshot(snap(0))
    settle(qtbot, hub)
    view.set_frozen(True)
    hub.on_snapshot(snap(10))
    settle(qtbot, hub)
    hub.on_snapshot(snap(20))
    settle(qtbot, hub)
    assert view.drawn == [0]
    view.set_frozen(False)
    assert view.drawn == [0, 20]


def test_hidden_view_skips_drawing_until_shown(qtbot):
    hub = ViewHub(FakeInspectionRunner())
    view = RecordingView()
    view.draw_when_hidden = False
    qtbot.addWidget(view)
    hub.add_view("recorder", view)
    hub.on_started(object())
    hub.on_snapshot(snap(0))
    hub.on_snapshot(snap(10))
    settle(qtbot, hub)
    assert view.drawn == []
    view.show()
    qtbot.waitExposed(view)
    qtbot.waitUntil(lambda: view.drawn == [10], timeout=2_000)


def test_export_data_and_image(qtbot, tmp_path):
    view = RecordingView()
    qtbot.addWidget(view)
    view.set_run(object())
    view.show_snapshot(snap(7))
    csv = view.export_data_to(tmp_path / "steps.csv")
    assert np.loadtxt(csv, delimiter=",").ravel().tolist() == [7.0]
    npz = view.export_data_to(tmp_path / "steps.npz")
    assert np.load(npz)["steps"].tolist() == [7.0]
    view.resize(300, 200)
    png = view.export_image(tmp_path / "view.png")
    assert png.stat().st_size > 100 and png.read_bytes()[:4] == b"\x89PNG"
    # The picture, not the toolbar: the Freeze and Export buttons are not in it (issue #16, item 14).
    from PySide6.QtGui import QImage

    assert QImage(str(png)).height() == view.picture.height() < view.height()
    assert not view.picture.isAncestorOf(view.freeze_button)
    svg = view.export_image(tmp_path / "view.svg")
    assert b"<svg" in svg.read_bytes()[:2000]


def test_views_draw_one_per_turn_of_the_event_loop_and_the_newest_job_wins(qtbot):
    """With every view open, drawing all of them at once blocked the window for
    tens of milliseconds; between two views' draws the event loop now runs
    (here: a timer set by the first job fires before the second)."""
    from PySide6.QtCore import QTimer

    from gui.views.draw_queue import DrawQueue

    order: list[str] = []
    costs: list[float] = []
    queue = DrawQueue(costs.append)
    def b() -> None:
        order.append("b")
        QTimer.singleShot(0, lambda: order.append("event loop"))  # runs before the next view draws

    queue.put("a", lambda: order.append("a (old)"))
    queue.put("b", b)
    queue.put("a", lambda: order.append("a"))  # newer data for view a: replaces, goes to the back
    qtbot.waitUntil(lambda: not queue.pending, timeout=2_000)
    assert order == ["b", "event loop", "a"]
    assert len(costs) == 1 and costs[0] >= 0  # one report of the CPU time, once drained
    queue.put("c", lambda: order.append("c"))
    queue.flush()  # the end of a run: everything at once
    assert order[-1] == "c" and not queue.pending


def test_live_frames_take_the_views_budget_counted_from_each_frames_start(qtbot):
    """A frame costing c seconds of drawing (and about as much painting) is
    followed by the next 2c / budget after it *began*: counted from its end,
    a row GRU's views got 3 frames a second where their budget allowed 8."""
    import time

    class SlowView(RecordingView):
        def _draw_snapshot(self, snapshot) -> None:
            start = time.thread_time()
            while time.thread_time() - start < 0.03:  # 30 ms of drawing
                pass
            super()._draw_snapshot(snapshot)

    hub = ViewHub(FakeInspectionRunner())
    hub.budget = 0.5
    view = SlowView()
    qtbot.addWidget(view)
    view.show()
    hub.add_view("slow", view)
    hub.on_started(object())
    drains = []
    report = hub._queue._on_drained
    hub._queue._on_drained = lambda cost: (drains.append((time.monotonic(), cost)), report(cost))
    queued = time.monotonic()
    hub.on_snapshot(snap(0))
    settle(qtbot, hub)
    assert view.drawn == [0] and len(drains) == 1
    drained_at, cost = drains[0]
    assert cost >= 0.03
    # Due 2c / budget after the frame was queued, which is at least 30 ms before it drained.
    assert queued + 2 * cost / 0.5 <= hub._next_live_show <= drained_at - 0.03 + 2 * cost / 0.5
