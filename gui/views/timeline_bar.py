"""The timeline under the views: a slider over the run's kept snapshots, a
readout of the step shown, and a Live button that follows the newest.

Dragging the slider (or the arrow keys on it) goes back in the run: every
view — filters, feature maps, trajectories, gates, histograms, and the
drawing canvas's prediction — shows the network as it was then. Live
returns to the newest snapshot and follows training again.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QToolButton, QWidget

from gui.common.style import subdued


class TimelineBar(QWidget):
    scrubbed = Signal(int)  # index of the snapshot the user chose
    went_live = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.setWhatsThis("<b>Timeline</b><p>Every live view keeps snapshots of the run. Drag the slider back "
                          "to see the filters, hidden states and predictions as they were at that step: watch "
                          "a kernel turn from noise into an edge detector, or a hidden state learn to remember. "
                          "<i>Live</i> follows training again.</p>")
        self.slider.setRange(0, 0)
        self.slider.setEnabled(False)
        self.slider.setToolTip("Scrub back through the run: every view shows the network as it was at that step "
                               "(arrow keys, Page Up/Down, Home/End)")
        self.slider.valueChanged.connect(self._on_value_changed)
        self.readout = QLabel("No snapshots yet")
        subdued(self.readout)
        self.readout.setMinimumWidth(230)
        self.live_button = QToolButton()
        self.live_button.setText("Live")
        self.live_button.setCheckable(True)
        self.live_button.setChecked(True)
        self.live_button.setToolTip("Follow the newest snapshot while training runs")
        self.live_button.toggled.connect(self._on_live_toggled)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.addWidget(QLabel("Timeline:"))
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.readout)
        layout.addWidget(self.live_button)
        self._updating = False

    @property
    def live(self) -> bool:
        return self.live_button.isChecked()

    def set_count(self, count: int, shown: int, label: str) -> None:
        """``count`` snapshots kept; ``shown`` is the index on screen."""
        self._updating = True
        try:
            self.slider.setEnabled(count > 1)
            self.slider.setRange(0, max(0, count - 1))
            self.slider.setValue(shown)
        finally:
            self._updating = False
        self.readout.setText(label)

    def clear(self) -> None:
        self.set_count(0, 0, "No snapshots yet")
        self.live_button.setChecked(True)

    def scrub_to(self, index: int) -> None:
        """What dragging the slider does (tests call it)."""
        self.slider.setValue(index)

    def _on_value_changed(self, value: int) -> None:
        if self._updating:
            return
        if value == self.slider.maximum() and self.live:
            return
        self.live_button.blockSignals(True)
        self.live_button.setChecked(value == self.slider.maximum())
        self.live_button.blockSignals(False)
        self.scrubbed.emit(value)

    def _on_live_toggled(self, live: bool) -> None:
        if live:
            self.went_live.emit()
