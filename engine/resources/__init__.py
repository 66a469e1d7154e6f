"""The engine's data files, not code: the built-in text corpus. Read with
importlib.resources, so a wheel carries them as the checkout has them."""
