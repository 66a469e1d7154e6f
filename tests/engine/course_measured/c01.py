"""C1 (and C5 in the same lesson): the worked examples are computed, not trained, so they do
not depend on the seed; the lesson's predictions read the sizes of the maps after the first
convolution and pooling, which are the opened model's own, and must be what C5 measured of the
digits CNN's layers (docs/claims.json: "8×8 input: Conv2d 8×8 → ReLU 8×8 → MaxPool2d 4×4 → …")."""

import re

from engine.experiment_file import load_experiment
from engine.lesson_measure import model_fields


def runs(lesson, claims):
    assert claims["C1"]["verdict"].startswith("holds") and claims["C5"]["verdict"].startswith("holds")
    opened = {step.record: step.open for step in lesson.steps if step.record and step.open}
    values = {name: model_fields(load_experiment(path)) for name, path in opened.items()}
    shapes = {}
    for layer, side in re.findall(r"(Conv2d|MaxPool2d) (\d+)×\d+", claims["C5"]["numbers"]):
        shapes.setdefault(layer, side)  # the first of each
    for fields in values.values():
        assert (fields["size_after_conv"], fields["size_after_pool"]) == (int(shapes["Conv2d"]),
                                                                           int(shapes["MaxPool2d"])), (fields, shapes)
    return [values]
