"""Where a data set's own file or folder is, and how an experiment stores it.

Every data set that reads the user's data names its location option ``path``.
An experiment file stores that path relative to the file's own folder when
the data sits beside or below it (so a folder with the experiment and its
data can be moved or shared as a whole), absolute otherwise. On load the
stored path is resolved against the experiment's folder and the in-memory
spec holds the absolute path; a path typed in the GUI or set in code is
relative to the working directory, as before.

When the data is not where the experiment says, ``locate`` raises one line
naming the stored and the resolved path and saying the data has moved.
"""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path, PurePosixPath
from typing import Any

from engine.errors import DataError
from engine.params import visible
from engine.spec import DatasetSpec

PATH_OPTION = "path"
# Data sets whose path is a folder (the GUI's Locate… picks a folder for these).
FOLDER_KINDS: set[str] = {"image_folder"}

# resolved absolute path -> the path as the experiment file stored it, so a
# "not found" message can show both. Filled by ``resolve_spec`` (file loads).
_stored_as: dict[str, str] = {}
_lock = threading.Lock()


def absolute(path: str) -> Path:
    """``path`` with ``~`` expanded, made absolute against the working directory."""
    return Path(os.path.abspath(os.path.expanduser(path)))


def resolve(stored: str, base: str | os.PathLike[str] | None) -> str:
    """The absolute path a stored ``path`` means for an experiment in folder ``base``."""
    if not stored:
        return stored
    expanded = os.path.expanduser(stored)
    if base is not None and not os.path.isabs(expanded):
        expanded = os.path.join(base, expanded)
    return str(Path(os.path.abspath(expanded)))


def relative(path: str, base: str | os.PathLike[str]) -> str:
    """How an experiment saved in folder ``base`` stores ``path``: relative (with
    ``/``) when the data is beside or below the folder, else absolute."""
    if not path:
        return path
    target, folder = absolute(path), absolute(os.fspath(base))
    if target.is_relative_to(folder):
        return PurePosixPath(*target.relative_to(folder).parts).as_posix() or "."
    return str(target)


def resolve_spec(spec: DatasetSpec, base: str | os.PathLike[str] | None) -> DatasetSpec:
    """The spec read from an experiment file in folder ``base``, with its path absolute."""
    stored = spec.options.get(PATH_OPTION)
    if not isinstance(stored, str) or not stored or base is None:
        return spec
    resolved = resolve(stored, base)
    if resolved != stored:
        with _lock:
            _stored_as[resolved] = stored
    return spec.with_options(**{PATH_OPTION: resolved})


def store_options(options: dict[str, Any], base: str | os.PathLike[str] | None) -> dict[str, Any]:
    """A data set's options as an experiment file in folder ``base`` stores them."""
    value = options.get(PATH_OPTION)
    if base is None or not isinstance(value, str) or not value:
        return options
    return {**options, PATH_OPTION: relative(value, base)}


def stamp(path: str) -> tuple[str, int, int]:
    """A file's version, for caches: (absolute path, mtime in ns, size);
    raises DataError like ``locate`` when it is missing."""
    file = locate(path, "data file")
    st = file.stat()
    return str(file), st.st_mtime_ns, st.st_size


def locate(path: str, what: str, folder: bool = False) -> Path:
    """The file (or ``folder``) a data set reads, or a DataError that names
    it. ``what`` says what it is ("CSV file", "image folder")."""
    if not path:
        raise DataError(f"{what}: no path given; choose one (dataset.options.path)")
    target = absolute(path)
    try:
        is_dir = target.is_dir()
        exists = is_dir or target.exists()
    except OSError as exc:
        raise DataError(f'{what} "{visible(path)}": cannot be read ({exc.strerror or exc})') from None
    if not exists:
        raise DataError(moved_message(path, what))
    if folder and not is_dir:
        raise DataError(f'{what} "{visible(path)}": is a file, not a folder')
    if not folder and is_dir:
        raise DataError(f'{what} "{visible(path)}": is a folder, not a file')
    # A device or pipe (/dev/zero, a FIFO) may never end or block on open.
    if not folder and not _is_plain_file(target):
        raise DataError(f'{what} "{visible(path)}": is not a plain file (a device or pipe?)')
    return target


def _is_plain_file(target: Path) -> bool:
    try:
        return stat.S_ISREG(target.stat().st_mode)
    except (OSError, ValueError):
        return False


def moved_message(path: str, what: str) -> str:
    target = str(absolute(path))
    with _lock:
        stored = _stored_as.get(target)
    if stored is not None:
        return (f'{what} "{visible(stored)}" not found at {visible(target)} '
                "(resolved against the experiment's folder): "
                "the data has moved or was deleted; locate it again (dataset.options.path)")
    return (f'{what} "{visible(path)}" not found: the data has moved or was deleted; '
            "locate it again (dataset.options.path)")


def is_missing(spec: DatasetSpec) -> bool:
    """True when the spec reads a file or folder of the user's that is not there."""
    value = spec.options.get(PATH_OPTION)
    return isinstance(value, str) and bool(value) and not absolute(value).exists()
