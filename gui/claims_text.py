"""The claims C1–C15 in one line each, for the gallery's tags and filter.

Taken from the project's claims table (the "claim" column, shortened where
it ran past a line): what a learner reads when hovering a tag such as "C8".
The ids are the contract; the wording may be polished freely.
"""

from __future__ import annotations

import re

CLAIMS: dict[str, str] = {
    "C1": "A convolution slides one small kernel over the input and takes a dot product at every position.",
    "C2": "Weight sharing: a conv layer's parameter count does not depend on the image size; "
          "far fewer parameters than a dense layer.",
    "C3": "A CNN finds the same pattern wherever it is (position invariance) — thanks to pooling.",
    "C4": "First-layer filters become edge and stroke detectors; deeper layers combine them.",
    "C5": "Pooling reduces the spatial size; max pooling of [[1,2],[3,0]] is 3.",
    "C6": "“CNNs take fixed-size inputs; RNNs take any length” — but a fully convolutional net "
          "takes any size too.",
    "C7": "An RNN carries a hidden state: h_t comes from x_t and h_{t-1}, with the same weights at every step.",
    "C8": "RNNs capture long-range dependencies; CNNs capture local patterns — unless the CNN's "
          "receptive field is large.",
    "C9": "Plain RNNs suffer vanishing gradients; LSTM and GRU were built to fix that.",
    "C10": "Order matters: you cannot shuffle the input (an MLP does not care about a fixed permutation).",
    "C11": "“Time” is only the order of processing: an image can be read as a sequence.",
    "C12": "RNNs process steps one after another, so long sequences cost more; "
           "convolutions run all positions at once.",
    "C13": "Recurrent nets map sequences to items and back: one-to-many, many-to-one, many-to-many.",
    "C14": "Context changes meaning (“river bank” vs “bank deposit”).",
    "C15": "The two combine: a convolutional front end and a recurrent back end.",
}

# "C8" but not "C80" nor "ABC8": claim ids as presets write them in their text.
_CLAIM_ID = re.compile(r"(?<![A-Za-z0-9])C(1[0-5]|[1-9])(?![0-9])")


def claim_ids_in(text: str) -> tuple[str, ...]:
    """The known claim ids named in ``text``, in claim order, each once."""
    found = {f"C{m.group(1)}" for m in _CLAIM_ID.finditer(text)}
    return tuple(c for c in CLAIMS if c in found)


def claim_sort_key(claim: str) -> int:
    return int(claim[1:]) if claim[1:].isdigit() else 99
