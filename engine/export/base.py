"""What the exporters share and the package re-exports: the error they raise
and whether ONNX's packages are installed. Apart from the package's
``__init__`` so that the writers import it without a circle through it."""

from __future__ import annotations

import importlib.util

from engine.errors import PlaygroundError

# What torch's default (torch.export-based) ONNX exporter needs beyond torch.
ONNX_PACKAGES = ("onnx", "onnxscript")
ONNX_INSTALL = 'pip install "cnn-rnn-playground[onnx]" (that is: pip install onnx onnxscript)'


class ExportError(PlaygroundError):
    """A model that cannot be exported in the asked format, or a file that cannot be written."""


def onnx_missing() -> list[str]:
    """The ONNX exporter's packages that are not installed (found without importing them)."""
    return [name for name in ONNX_PACKAGES if importlib.util.find_spec(name) is None]


def onnx_unavailable_reason() -> str | None:
    """Why ONNX export cannot run here, as one line that says what to install; None when it can."""
    missing = onnx_missing()
    if not missing:
        return None
    return f"ONNX export needs the {' and '.join(missing)} package{'s' if len(missing) > 1 else ''}: {ONNX_INSTALL}"
