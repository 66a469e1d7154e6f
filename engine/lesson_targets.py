"""What a lesson file may name: the controls it highlights or locks, the live
views it opens or hides, the actions that complete a step, and the values a
prediction or a goal reads from a run. Declared here, without Qt, so that
``--validate`` names an unknown one headless; the GUI maps each name to its
widget (gui/lesson/targets.py) and a test keeps the two in step."""

from __future__ import annotations

# Controls: the main window's panels and the settings a teacher can lock.
# A lock disables the widget *and* undoes an edit of the part of the
# experiment it guards (the second column), however the edit came (a menu,
# a shortcut, Undo, a template): so a locked control cannot be changed.
CONTROLS: dict[str, str | None] = {
    "train": None, "pause": None, "step": None, "stop": None, "reset": None,
    "layers": "model", "model": "model", "properties": "model",
    "data": "dataset", "dataset": "dataset", "dataset_options": "dataset.options",
    "training": "training",
    "optimizer": "training.optimizer", "learning_rate": "training.learning_rate",
    "momentum": "training.momentum", "batch_size": "training.batch_size", "epochs": "training.epochs",
    "weight_decay": "training.weight_decay", "grad_clip": "training.grad_clip", "seed": "training.seed",
    "device": "training.device",
    "curves": None, "timeline": None, "runs": None, "explain_menu": None, "test_menu": None,
}

# The live views, by their dock names (gui/shell/dock_layout.VIEW_DOCKS).
VIEWS: tuple[str, ...] = (
    "filters", "feature_maps", "drawing", "trajectories", "hidden_heatmap", "gates", "gradient_time",
    "text_probe", "predictions", "confusion", "histograms", "settling", "tree", "generate", "decoder", "clip")

# The explainers (gui/explain/registry.py keys).
EXPLAINERS: tuple[str, ...] = ("convolution", "parameters", "unrolled", "reach")

# The tests of a trained model (engine/model_tests.MODEL_TESTS keys).
MODEL_TESTS: tuple[str, ...] = ("shift", "permute_pixels", "shuffle_steps", "new_size")

# What completes a step, and the keys each takes besides "action".
ACTIONS: dict[str, tuple[str, ...]] = {
    "read": (),  # Next is open at once
    "train": ("min_epochs",),  # a run in the window finished
    "metric": ("metric", "at_least", "at_most"),  # a finished run's final metric reached a value
    "edit_model": ("contains", "lacks"),  # the model changed (to one with / without a layer type)
    "edit": ("path", "equals"),  # a setting (dotted path) changed, or became a value
    "open_view": ("view",),  # a live view brought to the front
    "timeline": (),  # the timeline scrubbed back from live
    "test": ("test",),  # a test of the trained model ran (Train ▸ Test the Trained Model)
    "explain": ("explainer",),  # an explainer opened (Explain menu)
}

# What a recorded run's first convolution learned (claim C4; engine/lesson_measure.filter_fields):
# how far its kernel moved from the run's start (a share of the starting weights' norm), and the
# correlation of neighbouring weights inside a filter, trained and at the start. Empty for a model
# without a convolution.
FILTER_FIELDS: tuple[str, ...] = ("filters_moved", "filter_smoothness", "filter_smoothness_start")
# What a recorded run offers a prediction or a goal: "<record>.<field>".
RUN_FIELDS: tuple[str, ...] = (
    "val_accuracy", "val_mse", "val_loss", "train_loss", "params", "epochs", "seconds_per_epoch",
    "samples_per_second", "best_val_accuracy", *FILTER_FIELDS)
# A test of the trained model adds "<test>_before" and "<test>_after" (its
# metric on the usual and on the changed data) and "<test>_refused" (1 or 0).
TEST_FIELDS: tuple[str, ...] = tuple(f"{t}_{part}" for t in MODEL_TESTS for part in ("before", "after", "refused"))
# The experiment open in the window when a step completes, without a run: its
# parameter count, whether it builds (1/0), and the side of the maps after its
# first convolution and after its first (windowed) pooling layer (an image's
# height, a sequence's length; absent when the model has none).
MODEL_FIELDS: tuple[str, ...] = ("params", "valid", "size_after_conv", "size_after_pool")


def field_names() -> tuple[str, ...]:
    return RUN_FIELDS + TEST_FIELDS + tuple(f for f in MODEL_FIELDS if f not in RUN_FIELDS)
