"""The one palette (gui/resources/palette.json): every colour the app draws
with, by what it means. Strings like "#1f77b4", which pyqtgraph and Qt
style sheets take as they are; ``qcolor`` for the model/view roles."""

from __future__ import annotations

from gui.common.resources import resource_json

_P = resource_json("palette.json")

SERIES: tuple[str, ...] = tuple(_P["series"])  # matplotlib's tab10
BLUE, ORANGE, GREEN, RED, PURPLE, BROWN, PINK, GREY, OLIVE, CYAN = SERIES
TRAIN, VALIDATION, RAW = BLUE, ORANGE, _P["raw"]  # the live curves; RAW: each batch's loss, under its average
ERROR = _P["error"]  # text and marks of what went wrong
ERROR_BACKGROUND = _P["error_background"]
TEXT, LABEL = _P["text"], _P["label"]  # text drawn into plots and pictures; secondary text there
WRONG, RIGHT = _P["wrong"], TEXT  # a wrong and a right prediction
MUTED = _P["muted"]  # unscored, unchecked, secondary marks
FRAME, FAINT, LINE, BAND = _P["frame"], _P["faint"], _P["line"], _P["band"]  # frames, guides, grid lines, bands
TAG: tuple[str, str] = tuple(_P["tag"])  # a claim tag's background and text
EQUATION: dict[str, str] = dict(_P["equation"])  # the parts of a recurrent step's equation
REFUSED = _P["refused"]  # a test the model cannot take
HIGHLIGHT = _P["highlight"]  # the window a convolution reads, an outline on a picture
SHARED = _P["shared"]  # weights shared across steps
FAMILIES: dict[str, str] = dict(_P["families"])  # CNN, RNN, MLP, hybrid on the gallery's thumbnails
BANNER: dict[str, tuple[str, str, str]] = {k: tuple(v) for k, v in _P["banner"].items()}  # background, border, text

ERROR_STYLE = f"color: {ERROR};"


def qcolor(colour: str):
    from PySide6.QtGui import QColor

    return QColor(colour)
