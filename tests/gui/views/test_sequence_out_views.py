"""The Encoder–decoder and Clip views, fed by short real training runs:
the decoder's steps read back as tokens with the exact-match verdict, the
encoder's states and context for a string, the picture for a caption; the
clip plays frame by frame beside its per-frame maps and the GRU's state."""

from __future__ import annotations

import numpy as np
import pytest

from tests.gui.views.test_view_rnn import Run


def collect(preset: str, snapshots: int = 2, epochs: int = 1) -> Run:
    from engine.events import RunStarted, Snapshot
    from engine.presets import load_preset
    from engine.probes import ProbeSettings
    from engine.training import train

    experiment = load_preset(preset).with_training(epochs=epochs, device="cpu")
    settings = ProbeSettings(min_interval=0.0, budget=1.0, gradients=False, histograms=False, gates=False,
                             spread=4)
    from engine.events import Predictions

    started, kept, predictions = None, [], None
    for event in train(experiment, probes=settings):
        if isinstance(event, RunStarted):
            started = event
        elif isinstance(event, Snapshot):
            kept.append(event)
        elif isinstance(event, Predictions):
            predictions = event
    run = Run(experiment, started, kept[-snapshots:])
    run.predictions = predictions  # the last epoch's, for the Predictions view
    return run


@pytest.fixture(scope="module")
def reverse_run():
    return collect("seq2seq_reverse")


@pytest.fixture(scope="module")
def caption_run():
    return collect("caption_scenes")


@pytest.fixture(scope="module")
def clip_run():
    return collect("video_cnn_gru")


def show(qtbot, cls, run):
    view = cls()
    qtbot.addWidget(view)
    view.resize(900, 560)
    view.show()
    view.set_experiment(run.experiment)
    view.set_run(run.started)
    view.show_snapshot(run.snapshots[-1])
    return view


def test_the_decoder_view_reads_a_string_in_and_its_output_step_by_step(qtbot, reverse_run):
    from engine.sequence_text import END
    from gui.views.decoder_view import DecoderView

    view = show(qtbot, DecoderView, reverse_run)
    assert view.applies_to(reverse_run.started)
    assert view.encoder_index is not None and view.decoder_index is not None
    assert view.encoder_item.image is not None and view.decoder_item.image is not None
    assert view.context_line.isVisible() and not view.input_plot.isVisible()
    text = view.caption.text()
    assert "→" in text and "target" in text and END in view.target_text
    assert view.exact in (True, False) and ("exactly right" in text) == view.exact
    units = view.decoder_item.image.shape[0]
    assert units == reverse_run.snapshots[-1].hidden_states[view.decoder_index].shape[-1]
    # ◀ ▶ walk the output steps; the bars are the step's likeliest tokens.
    view.show_step(0)
    first = np.asarray(view.bars.opts["height"]).copy()
    assert len(first) == 5 and first[0] >= first[-1] and abs(first.sum()) <= 1.0 + 1e-5
    view.next_button.click()
    assert view.step == min(1, view.slider.maximum())
    data = view.export_data()
    assert {"encoder_states", "decoder_states", "output_probabilities"} <= set(data)


def test_the_decoder_view_shows_the_picture_it_captions(qtbot, caption_run):
    from gui.views.decoder_view import DecoderView

    view = show(qtbot, DecoderView, caption_run)
    assert view.input_plot.isVisible() and view.input_item.image is not None
    assert not view.encoder_plot.isVisible()  # a CNN encoder: no recurrent states, the picture instead
    assert "the picture →" in view.caption.text()
    assert view.decoder_item.image is not None


def test_the_decoder_view_applies_only_to_decoders(qtbot, reverse_run, clip_run):
    from gui.views.decoder_view import DecoderView

    view = DecoderView()
    qtbot.addWidget(view)
    view.set_experiment(clip_run.experiment)
    assert not view.applies_to(clip_run.started)


def test_the_clip_plays_frame_by_frame_beside_its_maps_and_state(qtbot, clip_run):
    from gui.views.clip_view import ClipView

    view = show(qtbot, ClipView, clip_run)
    assert view.applies_to(clip_run.started) and view.frames == clip_run.started.probe_inputs.shape[1]
    assert view.layer_picker.count() >= 1 and view.maps_item.image is not None
    states = view.state_image
    assert states.shape[1] == view.frames  # (units, frames)
    frame0 = view.frame_item.image.copy()
    view.step_button.click()
    assert view.frame == 1 and view.now_line.value() == 2  # frames counted from 1, as the title says
    assert not np.array_equal(frame0, view.frame_item.image)  # the shape moved
    view.slider.setValue(view.frames - 1)
    assert view.frame == view.frames - 1
    view.step_button.click()
    assert view.frame == view.frames - 1  # stays on the last frame
    view.play_button.click()
    qtbot.waitUntil(lambda: view.frame != view.frames - 1, timeout=3000)  # plays, wrapping round
    view.play_button.click()
    assert "Clip 1" in view.caption.text() and "the model says" in view.caption.text()
    assert {"clip", "hidden_units_by_frame", "feature_maps_of_frame"} <= set(view.export_data())


def test_the_clip_view_without_a_recurrent_layer_says_so(qtbot):
    from gui.views.clip_view import ClipView

    run = collect("video_stacked_cnn", snapshots=1)
    view = show(qtbot, ClipView, run)
    assert view.state_item.image is None or not view.now_line.isVisible()
    assert "no recurrent layer" in view.caption.text()



def show_predictions(qtbot, run):
    from gui.views.predictions_view import PredictionsView

    view = PredictionsView()
    qtbot.addWidget(view)
    view.resize(900, 500)
    view.show()
    view.set_run(run.started)
    view.show_predictions(run.predictions)
    return view


def test_predictions_show_each_string_and_the_output_written(qtbot, reverse_run):
    from engine.sequence_text import render_input

    view = show_predictions(qtbot, reverse_run)
    assert view.mode == "outputs" and view.pages.currentWidget() is view.steps_text
    text = view.steps_text.toPlainText()
    first = render_input(reverse_run.started.sample_inputs[0], reverse_run.started.info.token_texts)
    assert first in text and "→" in text
    assert view.caption.text().startswith("Exactly right:") and "of output steps right" in view.caption.text()
    view.mistakes_only.setChecked(True)  # the wrong ones only: each is marked with its target
    shown = view.steps_text.toPlainText()
    assert shown.count("✗") == len(view.shown_indices) > 0 and "✓" not in shown


def test_predictions_show_each_picture_with_its_caption(qtbot, caption_run):
    view = show_predictions(qtbot, caption_run)
    assert view.mode == "outputs" and view.pages.currentWidget() is view.thumbnails
    assert len(view.shown_indices) > 0
    assert "the caption written" in view.caption.text()


def test_feature_maps_of_a_clip_show_its_last_frame(qtbot, clip_run):
    from gui.views.feature_maps import FeatureMaps

    view = FeatureMaps()
    qtbot.addWidget(view)
    view.resize(900, 560)
    view.show()
    view.set_experiment(clip_run.experiment)
    view.set_run(clip_run.started)
    view.show_snapshot(clip_run.snapshots[-1])
    frames, _c, h, w = clip_run.started.probe_inputs.shape[1:]
    assert view.shown_input.shape == (h, w) and "frame 8 of 8" in view.caption.text()
    assert view.blocks and all(m.ndim == 3 for m in view.shown_maps.values())


def test_predictions_of_clips_are_filmstrips(qtbot, clip_run):
    from gui.views.sample_tiles import sample_tiles

    x = clip_run.started.sample_inputs
    frames, _c, h, w = x.shape[1:]
    tiles = sample_tiles(x, "video", np.arange(3))
    assert tiles.shape == (3, h, frames * w) and 0.0 <= tiles.min() and tiles.max() <= 1.0
    view = show_predictions(qtbot, clip_run)
    assert view.mode == "strip" and len(view.shown_indices) > 0


def test_the_decoder_and_clip_views_describe_the_step_and_frame_shown(qtbot, reverse_run, clip_run):
    from gui.views.clip_view import ClipView
    from gui.views.decoder_view import DecoderView

    decoder = show(qtbot, DecoderView, reverse_run)
    text = decoder.describe()
    assert decoder.accessibleDescription() == text
    assert text.startswith(f"Encoder–decoder: Probe 1: {decoder._input_text(0)} → {decoder.output_text} (target "
                           f"{decoder.target_text}): "), text
    assert "At output step 1 of" in text and "the decoder's likeliest tokens are" in text
    decoder.next_button.click()  # outside a redraw: the description follows the step
    if decoder.step == 1:
        assert "At output step 2 of" in decoder.accessibleDescription()

    clip = show(qtbot, ClipView, clip_run)
    text = clip.describe()
    assert clip.accessibleDescription() == text
    assert text.startswith("Clip: Clip 1, class “") and f"frame 1 of {clip.frames}; the model says" in text, text
    assert f"the recurrent state: {clip.state_image.shape[0]} units over {clip.frames} frames" in text
    assert "maps of this frame: activations from" in text
    clip.step_button.click()
    assert f"frame 2 of {clip.frames}" in clip.accessibleDescription()
