"""Dash patterns and symbols that tell lines apart without colour (for the
colour-blind, and on a grey printout): the i-th series of a plot gets the
i-th of each, beside the i-th colour of the palette."""

from __future__ import annotations

from PySide6.QtCore import Qt

DASHES = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine, Qt.PenStyle.DashDotLine,
          Qt.PenStyle.DashDotDotLine)
SYMBOLS = ("o", "s", "t", "d", "star", "p", "h", "t1")
# Overlays of earlier runs on the live curves: never solid or dashed, which the live training and
# validation curves are.
OVERLAY_DASHES = (Qt.PenStyle.DotLine, Qt.PenStyle.DashDotLine, Qt.PenStyle.DashDotDotLine)
OVERLAY_SYMBOLS = ("t", "s", "d", "star", "p", "h")


def dash(index: int) -> Qt.PenStyle:
    return DASHES[index % len(DASHES)]


def symbol(index: int) -> str:
    return SYMBOLS[index % len(SYMBOLS)]
