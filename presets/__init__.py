"""The built-in experiment and comparison files (``*.json``), installed with
the app as package data; engine.presets finds them with importlib.resources."""
