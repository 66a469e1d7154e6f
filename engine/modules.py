"""Small nn.Modules that the layer registry builds beyond torch's own.

Sequences travel through the model time-first, ``(N, T, F)``, the layout of
``batch_first`` recurrent layers. torch's 1-D convolution, pooling and batch
norm want channels first, ``(N, F, T)``; ``ChannelsFirst`` wraps them so a
user can stack Conv1d → GRU without thinking about transposes.

Video clips travel frames first, ``(N, T, C, H, W)``; ``PerFrame`` runs an
image layer on every frame with the same weights (Keras's TimeDistributed)
and ``Frames`` turns a clip into a sequence, a stack of channels or one frame.
"""

from __future__ import annotations

import torch
from torch import nn


class ChannelsFirst(nn.Module):
    """Apply a channels-first 1-D module to a time-first sequence."""

    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.inner(x.transpose(1, 2)).transpose(1, 2)


class PerFrame(nn.Module):
    """Apply an image module to every frame of a clip, with the same weights:
    ``(N, T, C, H, W)`` → fold T into the batch → ``(N, T, C', H', W')``.
    Output frame t depends on input frame t only (BatchNorm's statistics, in
    training, are the batch's and every frame's together)."""

    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, t = x.shape[0], x.shape[1]
        y = self.inner(x.reshape(n * t, x.shape[2], x.shape[3], x.shape[4]))
        return y.reshape(n, t, y.shape[1], y.shape[2], y.shape[3])


FRAME_MODES = ("sequence", "stack", "one")


class Frames(nn.Module):
    """A clip ``(N, T, C, H, W)`` reshaped: ``sequence`` → ``(N, T, C·H·W)``
    (each frame's values one time step, for a recurrent layer); ``stack`` →
    ``(N, T·C, H, W)`` (frames as channels, for a 2-D CNN that sees them all
    at once); ``one`` → ``(N, C, H, W)``, frame ``frame`` (negative: from the end)."""

    def __init__(self, mode: str, frame: int = -1) -> None:
        super().__init__()
        self.mode = mode
        self.frame = frame

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.mode == "sequence":
            return x.flatten(2)
        if self.mode == "stack":
            return x.flatten(1, 2)
        return x[:, self.frame]


class Recurrent(nn.Module):
    """A fused torch RNN/LSTM/GRU that returns a tensor, not a tuple.

    ``output="last"`` gives one vector per sequence: the final hidden state of
    the last layer (both directions concatenated when bidirectional — the
    backward direction's final state is the one that has read the whole
    sequence, which ``output[:, -1]`` would not be). ``output="all"`` gives the
    top layer's state at every step.
    """

    def __init__(self, rnn: nn.RNNBase, output: str) -> None:
        super().__init__()
        self.rnn = rnn
        self.output = output

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, state = self.rnn(x)
        if self.output == "all":
            return out
        h_n = state[0] if isinstance(state, tuple) else state
        if self.rnn.bidirectional:
            return torch.cat((h_n[-2], h_n[-1]), dim=1)
        return h_n[-1]


class GlobalPool(nn.Module):
    """Average or max over every spatial/time position: ``(N, C, H, W)`` →
    ``(N, C)`` for images, ``(N, T, F)`` → ``(N, F)`` for sequences, and per
    frame for clips, ``(N, T, C, H, W)`` → ``(N, T, C)``.

    This is what makes a CNN accept inputs of any size (claim C6) and find a
    pattern wherever it is (claim C3)."""

    def __init__(self, mode: str, image: bool, video: bool = False) -> None:
        super().__init__()
        self.mode = mode
        self.dims = (3, 4) if video else (2, 3) if image else (1,)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.mode == "max":
            return x.amax(dim=self.dims)
        return x.mean(dim=self.dims)


class ToSequence(nn.Module):
    """Read an image or feature map as a sequence: ``(N, C, H, W)`` →
    rows ``(N, H, C·W)``, columns ``(N, W, C·H)`` or positions ``(N, H·W, C)``.

    Time is only the order of processing (claim C11), and this is the joint
    between a convolutional front end and a recurrent back end (C15)."""

    def __init__(self, order: str) -> None:
        super().__init__()
        self.order = order

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        if self.order == "rows":
            return x.permute(0, 2, 1, 3).reshape(n, h, c * w)
        if self.order == "columns":
            return x.permute(0, 3, 1, 2).reshape(n, w, c * h)
        return x.flatten(2).transpose(1, 2)


class Stack(nn.Module):
    """The user's layers in order; ``forward_all`` keeps every layer's output
    so probes can read feature maps and hidden states in one pass."""

    def __init__(self, layers: list[nn.Module]) -> None:
        super().__init__()
        self.layers = nn.ModuleList(layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = layer(x)
        return x

    def forward_all(self, x: torch.Tensor) -> list[torch.Tensor]:
        outputs = []
        for layer in self.layers:
            x = layer(x)
            outputs.append(x)
        return outputs
