"""The model as ONNX, through torch's default (torch.export-based) exporter.

That exporter needs the ``onnx`` and ``onnxscript`` packages, an optional
extra (``pip install "cnn-rnn-playground[onnx]"``); without them
``save_onnx`` raises an ExportError saying what to install. The batch size
is a dynamic axis; everything else is fixed by the data set."""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path

import torch

from engine.export.base import ExportError, onnx_unavailable_reason
from engine.export.model import PreparedModel, atomic_path

OPSET = 18


def save_onnx(path: Path, prepared: PreparedModel) -> None:
    reason = onnx_unavailable_reason()
    if reason:
        raise ExportError(reason)
    example = prepared.example_input()
    with atomic_path(path) as tmp:
        try:
            with torch.no_grad(), warnings.catch_warnings(), _quiet_exporter():
                warnings.simplefilter("ignore")
                torch.onnx.export(prepared.model, (example,), str(tmp), input_names=["input"],
                                  output_names=["output"], opset_version=OPSET,
                                  dynamic_shapes=({0: torch.export.Dim("batch")},),
                                  external_data=False, dynamo=True, verbose=False)
        except ImportError as exc:  # a package the exporter needs beyond the two we check
            raise ExportError(f"ONNX export needs a missing package ({exc}); "
                              f"pip install \"cnn-rnn-playground[onnx]\"") from None
        except OSError as exc:  # the exporter's own write: a full disk, a quota
            raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None
        except Exception as exc:
            text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ExportError(f"ONNX export failed: {text}") from None


@contextlib.contextmanager
def _quiet_exporter() -> Iterator[None]:
    """The exporter logs notes meant for its developers (e.g. that torchvision's
    operators are skipped): keep them off the user's terminal."""
    logger = logging.getLogger("torch.onnx")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
