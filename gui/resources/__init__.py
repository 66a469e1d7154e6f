"""The app's files that are not code: the window icon, the one colour
palette, help and about texts, the claims' one-line texts. Read with
importlib.resources (gui/common/resources.py), so they come with a wheel
like the presets do."""
