"""C2: parameter counts do not depend on the seed: they are the opened models' own."""

from engine.experiment_file import load_experiment
from engine.lesson_measure import model_fields


def runs(lesson, claims):
    opened = {step.record: step.open for step in lesson.steps if step.record and step.open}
    return [{name: model_fields(load_experiment(path)) for name, path in opened.items()}]
