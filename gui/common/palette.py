"""The one palette (gui/resources/palette.json): every colour the app draws
with, by what it means. Strings like "#1f77b4", which pyqtgraph and Qt
style sheets take as they are; ``qcolor`` for the model/view roles.

The series colours are Okabe and Ito's colour-blind-safe set unless the
user turned the setting off (View ▸ Colour-blind-safe colours); lines that
colour alone would tell apart differ in dash or symbol too
(gui/common/line_styles.py)."""

from __future__ import annotations

from gui.common.resources import resource_json
from gui.common.settings import app_settings

_P = resource_json("palette.json")
COLOUR_BLIND_KEY = "appearance/colour_blind_safe"


def colour_blind_safe_setting() -> bool:
    """View ▸ Colour-blind-safe colours (on unless turned off)."""
    return bool(app_settings().value(COLOUR_BLIND_KEY, True, type=bool))


def set_colour_blind_safe(on: bool) -> None:
    """Store the setting. The colours below are module constants, read by
    every plot as it is built: a change applies at the next start."""
    app_settings().setValue(COLOUR_BLIND_KEY, bool(on))


# Read once, at import (hence at start-up).
COLOUR_BLIND_SAFE = colour_blind_safe_setting()
_SERIES = _P["colour_blind_safe"] if COLOUR_BLIND_SAFE else _P
SERIES: tuple[str, ...] = tuple(_SERIES["series"])  # Okabe–Ito, or matplotlib's tab10 with the setting off
BLUE, ORANGE, GREEN, RED, PURPLE, BROWN, PINK, GREY, OLIVE, CYAN = SERIES
TRAIN, VALIDATION, RAW = BLUE, ORANGE, _SERIES["raw"]  # the live curves; RAW: each batch's loss, under its average
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
DIVERGING: tuple[str, str, str] = tuple(_P["diverging"])  # negative, zero, positive: weights and activations
FOCUS = _P["focus"]  # the outline of the control with the keyboard focus
SHARED = _P["shared"]  # weights shared across steps
FAMILIES: dict[str, str] = dict(_P["families"])  # CNN, RNN, MLP, hybrid on the gallery's thumbnails
BANNER: dict[str, tuple[str, str, str]] = {k: tuple(v) for k, v in _P["banner"].items()}  # background, border, text

ERROR_STYLE = f"color: {ERROR};"


def qcolor(colour: str):
    from PySide6.QtGui import QColor

    return QColor(colour)


def with_alpha(colour: str, alpha: int):
    """``colour`` as a QColor with opacity ``alpha`` (0–255): fills, bands and fading curves."""
    shade = qcolor(colour)
    shade.setAlpha(int(alpha))
    return shade
