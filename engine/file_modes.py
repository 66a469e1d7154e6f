"""The permissions of files written through a temporary file.

``tempfile.mkstemp`` creates files only their owner can read (0600), and
``os.replace`` keeps that mode: a saved experiment, weights file or export
would then be unreadable to anyone the user shares a folder with. Such files
get the mode ``open()`` would have given them, 0666 less the umask. The umask
can only be read by setting it, so it is read once, at import (before any
worker threads exist)."""

from __future__ import annotations

import os

_UMASK = os.umask(0o022)
os.umask(_UMASK)


def give_ordinary_mode(path: str | os.PathLike[str]) -> None:
    os.chmod(path, 0o666 & ~_UMASK)
