"""The Decoder layer: one vector in (a context), a sequence of tokens out.

The context (an encoder's final state, a CNN's features) becomes the initial
hidden state through a Linear and tanh. At every step the cell reads the
embedding of one token and its output projection scores the next: step 0
reads a start token (an extra embedding row, id ``n_outputs``); each later
step reads the token before it — in training with teacher forcing the
target's, otherwise (evaluation, inference, teacher forcing off) the argmax
of its own previous output. The number of steps is fixed by the data set
(``out_steps``), so the loop is the same tensor ops for every input, which a
trace records faithfully.

Teacher forcing needs the batch's targets during ``forward``: the training
loop (engine/training.py) sets ``targets`` on every module whose
``teacher_forced`` is true, for the training step only, and clears it after.
A target of IGNORE_INDEX (a step after the end token) is fed back as the
last scored target before it — the end token — so the input stays a real
token, the one a decoder that has finished keeps reading; those steps are not
scored, so what follows the end does not change the loss.
"""

from __future__ import annotations

import torch
from torch import nn

DECODER_CELLS = ("gru", "lstm")
_IGNORE_INDEX = -100  # engine.datasets.base.IGNORE_INDEX; written out so the export can copy this class


class Decoder(nn.Module):
    def __init__(self, context_size: int, n_outputs: int, steps: int, cell: str = "gru", hidden_size: int = 64,
                 embedding_dim: int = 16, teacher_forcing: bool = True) -> None:
        super().__init__()
        self.n_outputs, self.steps, self.hidden_size = n_outputs, steps, hidden_size
        self.lstm = cell == "lstm"
        self.initial = nn.Linear(context_size, hidden_size)
        self.embedding = nn.Embedding(n_outputs + 1, embedding_dim)  # id n_outputs: the start token
        self.cell = (nn.LSTMCell if self.lstm else nn.GRUCell)(embedding_dim, hidden_size)
        self.output = nn.Linear(hidden_size, n_outputs)
        self.teacher_forced = teacher_forcing
        self.targets: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_states(x)[0]

    def forward_states(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(logits (N, steps, n_outputs), hidden states (N, steps, hidden_size))."""
        h = torch.tanh(self.initial(x))
        c = torch.zeros_like(h)
        forced = self.targets if self.training and self.teacher_forced else None
        token = torch.full((x.shape[0],), self.n_outputs, dtype=torch.long, device=x.device)
        logits: list[torch.Tensor] = []
        states: list[torch.Tensor] = []
        for t in range(self.steps):
            e = self.embedding(token)
            if self.lstm:
                h, c = self.cell(e, (h, c))
            else:
                h = self.cell(e, h)
            out = self.output(h)
            logits.append(out)
            states.append(h)
            if forced is not None:
                given = forced[:, t]
                # After the end token: keep feeding the last scored target (the end token).
                token = torch.where(given == _IGNORE_INDEX, token, given)
            else:
                token = out.argmax(dim=-1)
        return torch.stack(logits, dim=1), torch.stack(states, dim=1)
