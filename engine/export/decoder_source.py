"""What an exported model with a Decoder layer needs beside its class: the
Decoder itself, copied from the engine's own source (engine/decoder_module.py)
so the file runs with torch alone and computes exactly what the engine
trained. The constant it reads is written out as its value.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from engine import decoder_module
from engine.layers import BuildContext


def support_source() -> str:
    """The Decoder class, as module-level code for the exported file."""
    header = [
        "# --- the Decoder: a sequence written from one vector, each output token fed back ---------",
        "",
        f"_IGNORE_INDEX = {decoder_module._IGNORE_INDEX}  # targets of steps after the end token (not scored)",
    ]
    return "\n".join(header) + "\n\n\n" + inspect.getsource(decoder_module.Decoder).rstrip() + "\n"


def writer(a: str, p: Mapping[str, Any], ctx: BuildContext) -> tuple[str, list[str]]:
    init = (f"Decoder({ctx.features}, {ctx.n_outputs}, {ctx.out_steps}, cell={p['cell']!r}, "
            f"hidden_size={p['hidden_size']}, embedding_dim={p['embedding_dim']}, "
            f"teacher_forcing={p['teacher_forcing']!r})")
    return init, [f"x = self.{a}(x)  # {ctx.out_steps} steps, each step's most likely token fed back as the next input"]
