"""The explainers, in menu order. Each is a QWidget class built with the main
window, ``cls(window)``, shown as a tool window of its own; the window reads
``window.document`` (the current experiment and its analysis) and, when it
needs trained numbers, ``window.trained`` (gui/trained_model_actions.py) or
the live views' latest snapshot (``window.views``)."""

from __future__ import annotations

from dataclasses import dataclass


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
