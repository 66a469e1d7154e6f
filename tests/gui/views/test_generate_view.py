"""The Generate view: a trained character model writes from a seed, one
character at a time; Stop stops; the temperature changes the text; bad
requests get one line and run nothing; samples appear while training."""

from __future__ import annotations

import pytest

from tests.gui.views.test_view_rnn import collect


@pytest.fixture(scope="module")
def text_run():
    return collect("text_lstm", snapshots=3)


def open_generate(qtbot, run):
    from gui.views.generate_view import GenerateView

    view = GenerateView()
    qtbot.addWidget(view)
    view.resize(760, 520)
    view.show()
    view.pace = 0.0
    view.set_experiment(run.experiment)
    view.set_run(run.started)
    view.live_box.setChecked(False)
    view.show_snapshot(run.snapshots[-1])
    return view


def finish(qtbot, view):
    # busy turns False just before on_finished flushes the last characters: wait for them too
    qtbot.waitUntil(lambda: not view.task.busy and (view.stopped or not view.problem.isHidden()
                                                    or len(view.generated) >= view.length.value()), timeout=20_000)


def test_text_appears_character_by_character_with_probabilities_and_states(qtbot, text_run):
    view = open_generate(qtbot, text_run)
    view.seed_edit.setText("The ")
    view.length.setValue(60)
    assert view.generate()
    finish(qtbot, view)
    assert len(view.written) == 60 and set(view.written) <= set(text_run.started.vocab)
    assert view.text.toPlainText() == "The " + view.written
    assert all(0.0 < g.probability <= 1.0 for g in view.generated)
    assert len(view.states) == 60 and view.states[0].shape == (128,)
    assert view.heat_item.image is not None and view.heat_item.image.shape == (128, 60)
    assert "done: 60 of 60" in view.caption.text() and "occur in the training text" in view.caption.text()
    assert 0 <= view.real_words <= 1
    data = view.export_data()
    assert data["probabilities"].shape == (60,) and data["hidden_states"].shape == (60, 128)
    # The characters carry their own tooltip: probability and alternatives.
    from PySide6.QtGui import QTextCursor

    cursor = view.text.textCursor()
    cursor.setPosition(5)
    cursor.movePosition(QTextCursor.MoveOperation.Right, QTextCursor.MoveMode.KeepAnchor)
    assert "probability" in cursor.charFormat().toolTip()


def test_stop_stops_and_generate_again_writes_anew(qtbot, text_run):
    view = open_generate(qtbot, text_run)
    view.pace = 0.01
    view.length.setValue(5000)
    assert view.generate()
    qtbot.waitUntil(lambda: len(view.generated) >= 5, timeout=10_000)
    assert view.stop_button.isEnabled() and not view.generate_button.isEnabled()
    view.stop_button.click()
    finish(qtbot, view)
    written = len(view.generated)
    assert 5 <= written < 5000 and view.caption.text().startswith("stopped")
    assert view.generate_button.isEnabled() and not view.stop_button.isEnabled()


def test_the_temperature_changes_the_output(qtbot, text_run):
    view = open_generate(qtbot, text_run)
    view.length.setValue(120)
    texts = {}
    for t in (0.2, 2.5):
        view.temperature.setValue(t)
        view._sample_seed = -1  # the same sampling seed: only the temperature differs
        view.generate()
        finish(qtbot, view)
        texts[t] = view.written
    assert texts[0.2] != texts[2.5]
    # Colder sampling picks likelier characters.
    view.temperature.setValue(0.2)
    view._sample_seed = -1
    view.generate()
    finish(qtbot, view)
    cold = sum(g.probability for g in view.generated)
    view.temperature.setValue(2.5)
    view._sample_seed = -1
    view.generate()
    finish(qtbot, view)
    assert cold > sum(g.probability for g in view.generated)


@pytest.mark.parametrize("seed, length, temperature, says", [
    ("", 50, 0.7, "seed is empty"),
    ("The €", 50, 0.7, "never saw: “€”"),
])
def test_a_bad_seed_says_what_is_wrong_and_nothing_runs(qtbot, text_run, seed, length, temperature, says):
    view = open_generate(qtbot, text_run)
    view.seed_edit.setText(seed)
    assert not view.generate()
    assert not view.task.busy and says in view.problem.text() and not view.problem.isHidden()
    assert view.generated == []


def test_bad_lengths_and_temperatures_are_refused_in_one_line():
    from engine.generation import GenerationError, check_request

    vocab = "abc "
    for length, temperature, says in ((0, 0.7, "length"), (10**9, 0.7, "length"), (10, 0.0, "temperature"),
                                      (10, -1.0, "temperature"), (10, float("nan"), "temperature")):
        with pytest.raises(GenerationError, match=says) as caught:
            check_request("ab", length, temperature, vocab)
        assert "\n" not in str(caught.value)
    with pytest.raises(GenerationError, match="character model"):
        check_request("ab", 10, 0.7, None)


def test_no_weights_yet_says_train_first(qtbot, text_run):
    from dataclasses import replace

    from gui.views.generate_view import GenerateView

    fresh = GenerateView()  # the window before any run: Ctrl+G says to train first
    qtbot.addWidget(fresh)
    assert not fresh.generate() and "train the model first" in fresh.problem.text()
    view = open_generate(qtbot, text_run)
    view.set_run(text_run.started)
    view.show_snapshot(replace(text_run.snapshots[-1], weights=None))
    assert not view.generate() and "train one" in view.problem.text()


def test_samples_appear_while_training(qtbot, text_run):
    from gui.views import generate_view

    view = open_generate(qtbot, text_run)
    view.set_run(text_run.started)
    view.live_box.setChecked(True)
    for snapshot in text_run.snapshots:
        view._last_live = -generate_view.LIVE_INTERVAL  # every snapshot is due
        view.show_snapshot(snapshot)
        qtbot.waitUntil(lambda: not view.live_task.busy, timeout=10_000)
    assert len(view.live_samples) == len(text_run.snapshots)
    assert all(len(text) == generate_view.LIVE_LENGTH and 0 <= real <= 1
               for _step, _epoch, text, real in view.live_samples)
    assert view.samples.toPlainText().count("step ") == len(text_run.snapshots)
    view.run_ended()  # a finished run samples no more
    view.show_snapshot(text_run.snapshots[-1])
    assert not view.live_task.busy


def test_the_view_applies_to_character_models_only(qtbot, text_run):
    from engine.presets import load_preset
    from gui.views.generate_view import GenerateView
    from gui.views.view_fit import view_needs

    view = GenerateView()
    qtbot.addWidget(view)
    assert view.applies_to(text_run.started)
    for key in ("digits_cnn", "expressions_gru"):
        from engine import datasets

        exp = load_preset(key)
        assert view_needs(exp, datasets.describe(exp.dataset))["generate"] is not None


def test_generate_describes_what_it_wrote(qtbot, text_run):
    view = open_generate(qtbot, text_run)
    assert view.describe_now() == ""  # nothing written yet: the caption says what to do
    view.seed_edit.setText("The ")
    view.length.setValue(50)
    assert view.generate()
    finish(qtbot, view)
    text = view.describe()
    assert view.accessibleDescription() == text
    assert text.startswith("Generate: Done: 50 of 50 characters at temperature 0.7, mean probability 0."), text
    assert "of its words in the training text; it ends “…" in text
    assert text.endswith(view.written[-40:].replace("\n", "↵") + "”.")
