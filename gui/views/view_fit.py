"""Which live views can show something for an experiment, decided from its
layers and its data before any run (Qt-free). Twelve view tabs overflowed
the strip and the five RNN-only ones stood empty for a CNN: the window
hides the views that cannot apply and View ▸ Live views still lists them,
marked with what they need."""

from __future__ import annotations

from engine.layers import CONVOLUTION, RECURRENT, in_group, layer_kind
from engine.receptive_field import has_window

FOR_CONVOLUTIONS = "for models with convolution layers"
FOR_WINDOWS = "for models with convolution or pooling layers"
FOR_RECURRENT = "for models with an RNN, LSTM or GRU layer"
FOR_GATES = "for models with an LSTM or GRU layer"
FOR_IMAGE_CLASSIFIERS = "for models that classify images"
FOR_TEXT = "for models that read text"
FOR_CHARACTERS = "for character models (the text data set)"
FOR_CLASSIFIERS = "for classification"
FOR_FEEDBACK = "for Hopfield (feedback) networks"
FOR_TREES = "for recursive (TreeRNN) networks"
FOR_DECODERS = "for models that end with a Decoder (sequence to sequence, captions)"
FOR_CLIPS = "for models that watch video clips"


def view_needs(experiment, info) -> dict[str, str | None]:
    """For every live view's dock name: None when it applies to ``experiment``
    (model and data; ``info`` is its DataInfo, or None when the data cannot be
    described), else what it is for. Unknown data hides none of the data views."""
    types = [layer.type for layer in experiment.model.layers]
    convolution = any(in_group(t, CONVOLUTION) for t in types)
    window = any(has_window(t) for t in types)
    recurrent = any(in_group(t, RECURRENT) for t in types)
    gates = any(layer_kind(t) is not None and layer_kind(t).gates for t in types)
    image_classifier = info is None or (info.input_kind == "image" and info.task == "classification"
                                        and not info.per_step)
    text = info is None or info.input_kind == "tokens"
    classifier = info is None or info.task == "classification"
    characters = info is None or (info.input_kind == "tokens" and not info.token_texts)
    feedback = "Hopfield" in types
    recursive = "TreeRNN" in types
    decoder = "Decoder" in types
    clips = info is None or info.input_kind == "video"

    def unless(condition: bool, need: str) -> str | None:
        return None if condition else need

    return {
        "filters": unless(convolution, FOR_CONVOLUTIONS),
        "feature_maps": unless(window, FOR_WINDOWS),
        "drawing": unless(image_classifier, FOR_IMAGE_CLASSIFIERS),
        "trajectories": unless(recurrent, FOR_RECURRENT),
        "hidden_heatmap": unless(recurrent, FOR_RECURRENT),
        "gates": unless(gates, FOR_GATES),
        "gradient_time": unless(recurrent, FOR_RECURRENT),
        "text_probe": unless(text, FOR_TEXT),
        "generate": unless(characters, FOR_CHARACTERS),
        "predictions": None,
        "confusion": unless(classifier, FOR_CLASSIFIERS),
        "histograms": None,
        "settling": unless(feedback, FOR_FEEDBACK),
        "tree": unless(recursive, FOR_TREES),
        "decoder": unless(decoder, FOR_DECODERS),
        "clip": unless(clips, FOR_CLIPS),
    }
