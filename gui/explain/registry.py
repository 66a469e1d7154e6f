"""The explainers, in menu order. Each is a QWidget class built with an
ExplainContext, ``cls(context)``, shown as a tool window of its own: the
context holds what an explainer may use of the main window — the document
(the current experiment and its analysis), the trained weights, the live
views' latest snapshot, the runner and Train — and nothing else."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ExplainContext:
    """What the explainers use of the main window."""

    parent: Any  # QWidget: owns the explainers' tool windows
    get_document: Callable[[], Any]  # gui.document.document.Document, None until the engine has loaded
    weights: Any  # gui.trained.trained_weights.TrainedWeights: weights_for(experiment), changed
    views: Any  # gui.views.view_hub.ViewHub: the latest snapshot, shown
    runner: Any  # gui.training.training_runner.TrainingRunner: finished
    train_action: Any  # QAction: Train, and whether it can be pressed
    get_preview: Callable[[], Any] = lambda: None  # the data set preview (its samples, shown), when there is one

    @property
    def document(self) -> Any:
        return self.get_document()

    @property
    def preview(self) -> Any:
        return self.get_preview()


@dataclass(frozen=True)
class Explainer:
    key: str
    title: str  # menu text, with its mnemonic
    module: str
    cls: str
    shortcut: str
    tip: str  # status tip: one line for a learner


EXPLAINERS = (
    Explainer("convolution", "&Convolution and Pooling Step by Step", "gui.explain.convolution",
              "ConvolutionExplainer", "Ctrl+Alt+C",
              "Slide a kernel over a small grid and watch each product and sum; then max and average pooling."),
    Explainer("parameters", "Where the &Parameters Are", "gui.explain.parameters", "ParameterExplainer",
              "Ctrl+Alt+P",
              "Every layer's parameter count taken apart, beside what a dense layer would need."),
    Explainer("unrolled", "The &Unrolled RNN", "gui.explain.unrolled", "UnrolledExplainer", "Ctrl+Alt+U",
              "One sequence as a chain of cells sharing the same weights; step through time."),
    Explainer("reach", "&Receptive Field and Memory", "gui.explain.reach", "ReachExplainer", "Ctrl+Alt+R",
              "How far a CNN sees, and how far back an RNN's gradient still reaches."),
)
