"""A setting named by its dotted path: listed, read, changed and validated."""

from __future__ import annotations

import pytest

from engine.errors import SpecError
from engine.presets import load_preset
from engine.setting_paths import get_setting, parse_value, setting_paths, with_setting


def test_the_settings_of_an_experiment_are_its_files_leaves():
    paths = setting_paths(load_preset("long_range_gru"))
    assert "training.learning_rate" in paths and "dataset.options.distance" in paths
    assert "model.layers[0].hidden_size" in paths
    assert "model.layers[0].type" not in paths and "dataset.name" not in paths and "name" not in paths


def test_one_setting_changed_and_nothing_else():
    gru = load_preset("long_range_gru")
    wider = with_setting(gru, "model.layers[0].hidden_size", 128)
    assert wider.model.layers[0].params["hidden_size"] == 128 and wider.training == gru.training
    nearer = with_setting(gru, "dataset.options.distance", 4)
    assert nearer.dataset.options["distance"] == 4 and nearer.model == gru.model
    assert get_setting(with_setting(gru, "training.learning_rate", 0.01), "training.learning_rate") == 0.01


def test_a_path_that_does_not_exist_or_an_impossible_value_is_refused_by_name():
    gru = load_preset("long_range_gru")
    with pytest.raises(SpecError, match="no setting “hidden”"):
        with_setting(gru, "model.layers[0].hidden", 3)
    with pytest.raises(SpecError, match="has no item 5"):
        with_setting(gru, "model.layers[5].hidden_size", 3)
    with pytest.raises(SpecError, match="starts with"):
        with_setting(gru, "name", "x")
    with pytest.raises(SpecError, match="batch_size"):
        with_setting(gru, "training.batch_size", -4)


def test_typed_values():
    assert parse_value("0.001") == 0.001 and parse_value("true") is True and parse_value("sgd") == "sgd"
    assert parse_value('"adam"') == "adam" and parse_value("null") is None
