"""The claims C1–C17 in one line each, for the gallery's tags and filter.

The texts are in gui/resources/claims.json (the claims table's "claim"
column, shortened where it ran past a line): what a learner reads when
hovering a tag such as "C8". The ids are the contract; the wording may be
polished freely.
"""

from __future__ import annotations

import re

from gui.common.resources import resource_json

CLAIMS: dict[str, str] = resource_json("claims.json")["claims"]

# "C8" but not "C80" nor "ABC8": claim ids as presets write them in their text.
_CLAIM_ID = re.compile(r"(?<![A-Za-z0-9])C(1[0-9]|[1-9])(?![0-9])")


def claim_ids_in(text: str) -> tuple[str, ...]:
    """The known claim ids named in ``text``, in claim order, each once."""
    found = {f"C{m.group(1)}" for m in _CLAIM_ID.finditer(text)}
    return tuple(c for c in CLAIMS if c in found)


def claim_sort_key(claim: str) -> int:
    return int(claim[1:]) if claim[1:].isdigit() else 99
