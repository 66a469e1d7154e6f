"""The README stays true: its reference tables are rendered from the same
declarations that validate files, and its preset list from presets/."""

from pathlib import Path

from engine.reference import embed

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_reference_and_presets_are_up_to_date():
    text = README.read_text(encoding="utf-8")
    assert embed(text) == text, "README is stale: run `python -m engine.reference --write README.md`"
