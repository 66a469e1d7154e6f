"""Checks every panel passes (the Orange habit): it builds on its own, has a
sensible minimum size, shows, and closes without leaving a thread behind."""

from __future__ import annotations

import pytest

from gui.builder.templates import default_experiment


def make_document():
    from gui.document.document import Document

    return Document(default_experiment())


def palette():
    from gui.builder.layer_palette import LayerPalette

    return LayerPalette()


def model_stack():
    from gui.builder.model_stack import ModelStack

    return ModelStack(make_document())


def layer_properties():
    from gui.builder.layer_properties import LayerProperties

    return LayerProperties(make_document())


def dataset_panel():
    from gui.data.dataset_panel import DatasetPanel

    return DatasetPanel(make_document())


def training_panel():
    from gui.training.training_panel import TrainingPanel

    return TrainingPanel(make_document())


def curves():
    from gui.training.curves import LossCurves

    return LossCurves()


def banner():
    from gui.widgets import MessageBanner

    return MessageBanner()


def preview():
    from gui.data.dataset_preview import DatasetPreview

    return DatasetPreview()


PANELS = [palette, model_stack, layer_properties, dataset_panel, training_panel, curves, banner, preview]


@pytest.mark.parametrize("factory", PANELS, ids=[f.__name__ for f in PANELS])
class TestEveryPanel:
    def test_builds_and_has_a_minimum_size(self, qtbot, factory):
        widget = factory()
        qtbot.addWidget(widget)
        size = widget.minimumSize().expandedTo(widget.minimumSizeHint())
        assert size.width() >= 100 and size.height() >= 30

    def test_shows_and_closes_cleanly(self, qtbot, factory):
        widget = factory()
        qtbot.addWidget(widget)
        widget.show()
        qtbot.waitExposed(widget)
        assert widget.close()
