"""The base of the views that look inside recurrent layers (trajectories,
hidden states, gates, gradient through time): they learn from the spec which
layers are recurrent, and say so when a model has none."""

from __future__ import annotations

from gui.views.recurrent_picker import RecurrentPicker, recurrent_layer_types
from gui.views.view_panel import ViewPanel


class RecurrentView(ViewPanel):
    layer_types: dict[int, str] | None = None  # recurrent layers of the spec, when known
    picks_probe = False  # whether the picker also offers the probe sequence to show

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.picker = RecurrentPicker(with_probe=self.picks_probe)
        self.picker.changed.connect(self.redraw)
        self.controls.addWidget(self.picker)

    def set_experiment(self, experiment) -> None:
        """The spec being trained (the hub calls this before set_run): names the recurrent layers."""
        self.layer_types = recurrent_layer_types(experiment)

    def applies_to(self, run) -> bool:
        return self.layer_types is None or bool(self.layer_types)

    def not_applicable_text(self) -> str:
        return f"{self.title}: this model has no recurrent (RNN, LSTM or GRU) layer."
