"""The engine: everything that is not Qt. It never imports PySide6,
pyqtgraph, superqt or gui/ (tests/project/test_architecture.py keeps it so)."""

try:  # the installed distribution's version (pyproject.toml), for files that record it
    from importlib.metadata import PackageNotFoundError, version

    __version__ = version("cnn-rnn-playground")
except PackageNotFoundError:  # run from a checkout that was never installed
    __version__ = "0.1.0"
