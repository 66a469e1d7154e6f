"""What an exported model with a TreeRNN layer needs beside its class: the
expression parser and the recursive layer, copied from the engine's own
source (engine/tree_structure.py, engine/tree_modules.py), so the file runs
with torch alone and computes exactly what the engine trained.

Only the functions and classes listed here are copied; the constants they
read are written out as their values. A helper added to either module
without being listed here makes the exported file fail on import, which
the export tests catch.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from engine import tree_modules, tree_structure

IMPORTS = ["from __future__ import annotations", "", "import threading", "from collections.abc import Sequence",
           "from typing import NamedTuple"]

_PARSER = (tree_structure.detect_notation, tree_structure.parse_ids, tree_structure._leaf, tree_structure._join,
           tree_structure._postfix, tree_structure._infix)
_LAYER = (tree_modules.parsed_sample, tree_modules.BatchPlan, tree_modules.plan_batch, tree_modules.TreeRNNCell,
          tree_modules.BinaryTreeLSTMCell, tree_modules.TreeRNN)
_EXAMPLES = {"infix": "(3 + 4)", "postfix": "3 4 +"}  # depth 1: fits every max_depth


def support_source() -> str:
    """The parser and the layer, as module-level code for the exported file."""
    ts = tree_structure
    constants = [
        "# --- expression trees: the token ids, the parser and the recursive layer ---------------",
        "",
        "# index = token id; 0 is padding (only at the end of a sample)",
        f"VOCAB = {ts.VOCAB!r}",
        f"PAD, FIRST_DIGIT, FIRST_OPERATOR, OPEN, CLOSE = {ts.PAD}, {ts.FIRST_DIGIT}, {ts.FIRST_OPERATOR}, "
        f"{ts.OPEN}, {ts.CLOSE}",
        f"CELLS = {tree_modules.CELLS!r}",
        f"_CACHE_LIMIT = {tree_modules._CACHE_LIMIT}",
        "_parsed: dict[tuple[int, ...], torch.Tensor] = {}",
        "_parsed_lock = threading.Lock()",
        "",
        "",
        "class ExpressionError(ValueError):",
        '    """A token sequence that is not a well-formed expression."""',
        "",
        "",
        "def encode(text: str, length: int) -> list[int]:",
        '    """An expression\'s text as token ids, padded to ``length``."""',
        "    ids = [VOCAB.index(ch) for ch in text if not ch.isspace()]",
        "    return ids + [PAD] * (length - len(ids))",
    ]
    parts = ["\n".join(constants)]
    parts.extend(inspect.getsource(item).rstrip() for item in (*_PARSER, *_LAYER))
    return "\n\n\n".join(parts) + "\n"


def smoke_input(options: Mapping[str, Any]) -> str:
    """A batch of two small expressions in the data set's notation, for the file's smoke check."""
    example = _EXAMPLES.get(options.get("notation", "infix"), _EXAMPLES["infix"])
    return f"torch.tensor([encode({example!r}, INPUT_SHAPE[0])] * 2)"
