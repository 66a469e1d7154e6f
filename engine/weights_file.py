"""Weights files: a trained model's numbers saved beside its experiment.

An experiment ``name.json`` keeps its trained weights in ``name.weights.npz``
in the same folder (``weights_path_for``). The file is a numpy ``.npz`` (a
zip of ``.npy`` arrays): one array per ``state_dict`` entry under its torch
name (``layers.0.weight``), plus ``__header__``, UTF-8 JSON stored as bytes,
naming the format, its version and the architecture the weights belong to
(layer types, parameter names and shapes).

Loading never executes code from the file: there is no pickle anywhere
(``allow_pickle=False``; object arrays are refused), every array's declared
shape is checked against the experiment's model *before* its data are read
(so a forged header cannot make us allocate gigabytes), and every problem is
a ``WeightsFileError`` with one readable line naming the file and the layer.
"""

from __future__ import annotations

import json
import lzma
import os
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from engine import datasets
from engine.datasets.base import DataInfo
from engine.errors import PlaygroundError
from engine.file_modes import give_ordinary_mode
from engine.params import shown, visible
from engine.shapes import build_model
from engine.spec import Experiment

FORMAT = "cnn-rnn-playground/weights"
VERSION = 1
HEADER = "__header__"
SUFFIX = ".weights.npz"
MAX_FILE_BYTES = 1 << 30  # far above any model this playground builds
MAX_HEADER_BYTES = 1_000_000
# What zipfile and numpy raise for a damaged archive or entry (found by
# fuzzing, issue #8): an "encrypted" flag is a RuntimeError, an unknown
# compression method NotImplementedError, a bad deflate/LZMA stream
# zlib.error/LZMAError, a cut header struct.error.
_DAMAGED = (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, KeyError, RuntimeError,
            NotImplementedError, struct.error, zlib.error, lzma.LZMAError)


class WeightsFileError(PlaygroundError):
    """A weights file that cannot be written, read, or does not fit the model."""


def weights_path_for(experiment_path: str | os.PathLike[str]) -> Path:
    """Where an experiment's weights live: ``a/name.json`` → ``a/name.weights.npz``."""
    p = Path(experiment_path)
    stem = p.name[: -len(".json")] if p.name.lower().endswith(".json") else p.name
    return p.with_name(stem + SUFFIX)


def state_to_numpy(model: nn.Module) -> dict[str, np.ndarray]:
    """A model's state_dict as CPU numpy copies (floats as float32; integer
    buffers such as BatchNorm's num_batches_tracked keep their type)."""
    return {name: (t.detach().to("cpu", torch.float32) if t.is_floating_point() else t.detach().cpu()).numpy().copy()
            for name, t in model.state_dict().items()}


def numpy_to_state(weights: Mapping[str, np.ndarray]) -> dict[str, torch.Tensor]:
    return {name: torch.from_numpy(np.array(value, copy=True)) for name, value in weights.items()}


def expected_state(experiment: Experiment, info: DataInfo | None = None) -> dict[str, tuple[tuple[int, ...], bool]]:
    """Parameter name → (shape, is floating point) of the experiment's model,
    built on the meta device: no memory, no compute. Raises the stack's
    ShapeError (or the data set's error) when the model cannot be built."""
    info = info or datasets.describe(experiment.dataset)
    with torch.device("meta"):
        model = build_model(experiment.model, info)
    return {name: (tuple(t.shape), t.is_floating_point()) for name, t in model.state_dict().items()}


def describe_parameter(name: str, experiment: Experiment) -> str:
    """``layers.2.weight`` → ``layer 2 (Conv2d) weight``; wrapper modules
    (the fused RNN inside ``Recurrent``, the conv inside ``ChannelsFirst``)
    are left out, since the user never sees them."""
    parts = name.split(".")
    if len(parts) >= 3 and parts[0] == "layers" and parts[1].isdigit():
        index = int(parts[1])
        layers = experiment.model.layers
        kind = f" ({layers[index].type})" if index < len(layers) else ""
        rest = ".".join(p for p in parts[2:] if p not in ("rnn", "inner"))
        return f"layer {index + 1}{kind} {rest}"
    return name


def shape_text(shape: tuple[int, ...]) -> str:
    return "×".join(str(n) for n in shape) if shape else "a single number"


def check_weights(weights: Mapping[str, np.ndarray], experiment: Experiment, where: str = "the weights",
                  info: DataInfo | None = None) -> None:
    """Raise WeightsFileError unless ``weights`` fit the experiment's model
    exactly: same names, same shapes, numbers (finite) of the right kind."""
    expected = expected_state(experiment, info)
    _check_names(set(weights), expected, experiment, where, None)
    for name, (shape, floating) in expected.items():
        _check_array(np.asarray(weights[name]), name, shape, floating, experiment, where)


def save_weights(path: str | os.PathLike[str], experiment: Experiment, weights: Mapping[str, np.ndarray]) -> None:
    """Write ``weights`` (a numpy state dict of the experiment's model) atomically:
    a temporary file beside ``path``, flushed, then renamed over it, so a
    failed save leaves the old file whole and no stray temporary file."""
    target = Path(path)
    check_weights(weights, experiment, f"cannot save weights to {target.name}")
    header = {
        "format": FORMAT,
        "version": VERSION,
        "experiment": experiment.name,
        "dataset": experiment.dataset.name,
        "layers": [layer.type for layer in experiment.model.layers],
        "parameters": {name: list(np.shape(value)) for name, value in weights.items()},
    }
    arrays = {name: np.asarray(value) for name, value in weights.items()}
    arrays[HEADER] = np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise WeightsFileError(f"cannot save weights to {target}: {exc.strerror or exc}") from None
    try:
        give_ordinary_mode(tmp)  # mkstemp's files are private to their owner
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, allow_pickle=False, **arrays)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise WeightsFileError(f"cannot save weights to {target}: {exc.strerror or exc}") from None
        raise


def read_header(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The file's header (format, version, experiment name, layers, parameter
    shapes), checked for format and version; reads no weights."""
    shown = str(path)
    with _open_zip(path) as archive:
        return _header(archive, shown)


def load_weights(path: str | os.PathLike[str], experiment: Experiment) -> dict[str, np.ndarray]:
    """Read a weights file for ``experiment``'s model: a numpy state dict that
    ``train(initial_weights=...)`` or ``numpy_to_state`` take. Raises
    WeightsFileError with one line naming the file (and the layer) otherwise."""
    shown = str(path)
    where = f"weights file {shown}"
    expected = expected_state(experiment)
    with _open_zip(path) as archive:
        header = _header(archive, shown)
        members = {n[: -len(".npy")]: n for n in archive.namelist() if n.endswith(".npy")}
        members.pop(HEADER, None)
        if len(members) != len(archive.namelist()) - 1:
            raise WeightsFileError(f"{where}: holds entries that are not arrays; not a weights file")
        _check_names(set(members), expected, experiment, where, header.get("layers"))
        weights: dict[str, np.ndarray] = {}
        for name, (shape, floating) in expected.items():
            weights[name] = _read_array(archive, members[name], name, shape, floating, experiment, where)
    return weights


# ---------------------------------------------------------------- internals


def _open_zip(path: str | os.PathLike[str]) -> zipfile.ZipFile:
    shown = str(path)
    try:
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            raise WeightsFileError(f"weights file {shown}: too large ({size:,} bytes)")
        with open(path, "rb") as handle:
            magic = handle.read(4)
        if magic != b"PK\x03\x04":
            raise WeightsFileError(f"weights file {shown}: not a weights file (expected a .npz archive)")
        return zipfile.ZipFile(path)
    except WeightsFileError:
        raise
    except FileNotFoundError:
        raise WeightsFileError(f"weights file {shown}: no such file") from None
    except IsADirectoryError:
        raise WeightsFileError(f"weights file {shown}: is a folder, not a weights file") from None
    except OSError as exc:
        raise WeightsFileError(f"weights file {shown}: cannot read: {exc.strerror or exc}") from None
    except _DAMAGED as exc:
        raise WeightsFileError(f"weights file {shown}: damaged or truncated ({_first_line(exc)})") from None


def _header(archive: zipfile.ZipFile, file_name: str) -> dict[str, Any]:
    where = f"weights file {file_name}"
    if HEADER + ".npy" not in archive.namelist():
        raise WeightsFileError(f"{where}: no header; not a CNN-RNN Playground weights file")
    raw = _read_member(archive, HEADER + ".npy", where, lambda shape, dtype: (
        dtype == np.uint8 and len(shape) == 1 and shape[0] <= MAX_HEADER_BYTES))
    if raw is None:
        raise WeightsFileError(f"{where}: damaged header (not a short byte string)")
    try:
        header = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise WeightsFileError(f"{where}: damaged header (not UTF-8 JSON)") from None
    except RecursionError:
        raise WeightsFileError(f"{where}: damaged header (JSON nested too deeply)") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise WeightsFileError(f"{where}: not a CNN-RNN Playground weights file (format is not {FORMAT!r})")
    version = header.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise WeightsFileError(f"{where}: damaged header (version must be a positive integer)")
    if version > VERSION:
        raise WeightsFileError(f"{where}: version {shown(version)}, written by a newer CNN-RNN Playground; "
                               f"this one reads up to version {VERSION} — please update the app")
    return header


def _read_member(archive: zipfile.ZipFile, member: str, where: str,
                 shape_ok: Callable[[tuple[int, ...], np.dtype], bool]) -> np.ndarray | None:
    """Read one ``.npy`` entry, never unpickling, and only after ``shape_ok``
    has accepted the shape and dtype its own header declares."""
    try:
        with archive.open(member) as fp:
            version = np.lib.format.read_magic(fp)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(fp)
            elif version == (2, 0):
                shape, _, dtype = np.lib.format.read_array_header_2_0(fp)
            else:  # 3.0 exists only for non-Latin-1 field names, which weights never have
                raise ValueError(f"unsupported .npy version {version}")
        if dtype.hasobject:
            raise WeightsFileError(f"{where}: entry {member} holds Python objects (pickled data); "
                                   "weights files hold numbers only — refused")
        if not shape_ok(tuple(shape), dtype):
            return None  # the caller words the mismatch
        with archive.open(member) as fp:
            return np.lib.format.read_array(fp, allow_pickle=False)
    except WeightsFileError:
        raise
    except _DAMAGED as exc:
        raise WeightsFileError(f"{where}: damaged or truncated ({_first_line(exc)})") from None


def _read_array(archive: zipfile.ZipFile, member: str, name: str, shape: tuple[int, ...], floating: bool,
                experiment: Experiment, where: str) -> np.ndarray:
    declared: list[tuple[tuple[int, ...], np.dtype]] = []

    def remember(got: tuple[int, ...], dtype: np.dtype) -> bool:
        declared.append((got, dtype))
        return got == shape and _kind_ok(dtype, floating)

    value = _read_member(archive, member, where, remember)
    if value is None:  # the declared shape or type is wrong: say which, without reading the data
        got, dtype = declared[0]
        _check_array(np.empty((0,), dtype=dtype), name, shape, floating, experiment, where, got)
    if value.shape != shape:  # pragma: no cover - read_array honours the declared shape
        raise WeightsFileError(f"{where}: damaged entry {member}")
    _check_array(value, name, shape, floating, experiment, where)
    return value.astype(np.float32) if floating else value.astype(np.int64)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return visible(text.splitlines()[0][:200]) if text else type(exc).__name__


def _kind_ok(dtype: np.dtype, floating: bool) -> bool:
    return dtype.kind == "f" if floating else dtype.kind in "iu"


def _check_names(names: set[str], expected: Mapping[str, Any], experiment: Experiment, where: str,
                 saved_layers: Any) -> None:
    missing = [n for n in expected if n not in names]
    unexpected = sorted(names - set(expected))
    if not missing and not unexpected:
        return
    ours = [layer.type for layer in experiment.model.layers]
    if isinstance(saved_layers, list) and saved_layers != ours:
        pairs = zip(saved_layers, ours, strict=False)
        first = next((i for i, (a, b) in enumerate(pairs) if a != b), min(len(saved_layers), len(ours)))
        theirs = saved_layers[first] if first < len(saved_layers) else "nothing"
        if not (isinstance(theirs, str) and len(theirs) <= 40 and theirs.isprintable()):
            theirs = shown(theirs)  # the file's own text: quoted short, on one line
        mine = ours[first] if first < len(ours) else "nothing"
        raise WeightsFileError(f"{where}: saved from a different model (layer {first + 1} is {theirs} there, "
                               f"{mine} here; {len(saved_layers)} layers there, {len(ours)} here)")
    if missing:
        raise WeightsFileError(f"{where}: has no values for {describe_parameter(missing[0], experiment)}"
                               f"{_more(missing)}; it belongs to a different model")
    raise WeightsFileError(f"{where}: holds {unexpected[0]}{_more(unexpected)}, which this model does not have; "
                           "it belongs to a different model")


def _more(items: list[str]) -> str:
    return f" (and {len(items) - 1} more)" if len(items) > 1 else ""


def _check_array(value: np.ndarray, name: str, shape: tuple[int, ...], floating: bool, experiment: Experiment,
                 where: str, declared: tuple[int, ...] | None = None) -> None:
    what = describe_parameter(name, experiment)
    got = declared if declared is not None else tuple(value.shape)
    if got != shape:
        raise WeightsFileError(f"{where}: {what} is {shape_text(got)}, the model needs {shape_text(shape)}")
    if value.dtype.hasobject or not _kind_ok(value.dtype, floating):
        need = "floating-point numbers" if floating else "integers"
        raise WeightsFileError(f"{where}: {what} holds {value.dtype} values, the model needs {need}")
    if floating and value.size and not np.isfinite(value).all():
        raise WeightsFileError(f"{where}: {what} holds NaN or infinite values (a diverged run?)")


__all__ = ["FORMAT", "VERSION", "WeightsFileError", "weights_path_for", "save_weights", "load_weights",
           "read_header", "check_weights", "expected_state", "state_to_numpy", "numpy_to_state",
           "describe_parameter", "shape_text"]
