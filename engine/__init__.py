"""The engine: everything that is not Qt. It never imports PySide6,
pyqtgraph, superqt or gui/ (tests/project/test_architecture.py keeps it so)."""
