"""The recursive network over an expression tree: ``TreeRNN``.

One composition cell, with one set of weights, is applied at every node of
each sample's tree, bottom-up: a leaf's state from its digit's embedding
(its two children count as zero states), an operator's from its embedding
and its children's states. The root's state is the layer's output. A CNN
shares one kernel over a grid and an RNN one cell over a chain; here one
cell is shared over a tree, so the parameter count does not depend on the
tree (claim C17).

The layer reads the structure from the token ids themselves: a sample with
brackets is fully bracketed infix, one without is postfix (a lone digit is
both), so the layer needs no setting that could disagree with the data set.

Batched level by level: every node of one height, across the whole batch,
goes through the cell at once, so a batch costs a few tensor operations per
level of the deepest tree, not per node. Each sample's parse is cached by
its tokens, since training shows the same samples every epoch.

This file needs only torch and ``parse_ids`` from engine/tree_structure.py:
the PyTorch source export copies ``plan_batch``, the cells and ``TreeRNN``
into the exported file, with the parser.
"""

from __future__ import annotations

import threading
from typing import NamedTuple

import torch
from torch import nn

from engine.tree_structure import ExpressionError, detect_notation, parse_ids

CELLS = ("rnn", "lstm")
_CACHE_LIMIT = 200_000  # parsed samples kept (a few hundred bytes each)
_parsed: dict[tuple[int, ...], torch.Tensor] = {}
_parsed_lock = threading.Lock()


def parsed_sample(ids: list[int]) -> torch.Tensor:
    """One sample's nodes as int64 ``(n, 5)``: position, token id, left,
    right (-1: none) and height, bottom-up (the root last); cached."""
    key = tuple(ids)
    found = _parsed.get(key)
    if found is None:
        rows = parse_ids(ids, detect_notation(ids))
        found = torch.tensor(rows, dtype=torch.long).reshape(len(rows), 5)
        with _parsed_lock:
            if len(_parsed) >= _CACHE_LIMIT:
                _parsed.clear()
            _parsed[key] = found
    return found


class BatchPlan(NamedTuple):
    """Where each node of a batch sits in the state table. The table's row 0
    is a zero state (a leaf's missing children; brackets, padding and empty
    samples); row k + 1 is node k, nodes ordered by height."""

    level_sizes: list[int]  # nodes of height 0, 1, …
    tokens: torch.Tensor  # (M,) each node's token id
    left: torch.Tensor  # (M,) the table row of each node's left child
    right: torch.Tensor  # (M,)
    roots: torch.Tensor  # (N,) the table row of each sample's root
    at_position: torch.Tensor  # (N·T,) the table row of the node each token stands for


def plan_batch(x: torch.Tensor) -> BatchPlan:
    """Parse every sample of ``x`` ``(N, T)`` and lay the batch's nodes out by height."""
    n, t = x.shape
    samples = []
    for index, ids in enumerate(x.tolist()):
        try:
            samples.append(parsed_sample(ids))
        except ExpressionError as exc:  # which sample, for a batch the user made
            raise ExpressionError(f"TreeRNN input, sample {index}: {exc}") from None
    counts = torch.tensor([len(s) for s in samples], dtype=torch.long)
    nodes = torch.cat(samples) if samples else torch.zeros((0, 5), dtype=torch.long)
    offsets = torch.cumsum(counts, 0) - counts
    sample = torch.repeat_interleave(torch.arange(n), counts)
    heights = nodes[:, 4]
    order = torch.sort(heights, stable=True).indices
    row = torch.empty_like(order)
    row[order] = torch.arange(1, len(order) + 1)  # node (in batch order) -> its table row

    def child(local: torch.Tensor) -> torch.Tensor:
        rows = row[(local + offsets[sample]).clamp(min=0)]
        return torch.where(local >= 0, rows, 0)[order]

    # A sample's root is its last node; an empty sample's "root" is the zero row.
    roots = torch.where(counts > 0, row[(offsets + counts - 1).clamp(min=0)], 0) if len(row) else counts
    at_position = torch.zeros(n * t, dtype=torch.long)
    at_position[sample * t + nodes[:, 0]] = row
    level_sizes = torch.bincount(heights).tolist() if len(heights) else []
    return BatchPlan(level_sizes, nodes[order, 1], child(nodes[:, 2]), child(nodes[:, 3]), roots, at_position)


class TreeRNNCell(nn.Module):
    """h = tanh(W [h_left; h_right; e] + b): the recursive net's plain cell,
    its W split in two blocks so the part that reads the token is applied to
    every node of the batch at once (``project``), outside the level loop."""

    def __init__(self, embedding_dim: int, hidden_size: int) -> None:
        super().__init__()
        self.hidden_size = hidden_size
        self.state_size = hidden_size
        self.from_input = nn.Linear(embedding_dim, hidden_size)
        self.from_children = nn.Linear(2 * hidden_size, hidden_size, bias=False)

    def project(self, e: torch.Tensor) -> torch.Tensor:
        return self.from_input(e)

    def forward(self, projected: torch.Tensor, children: torch.Tensor | None) -> torch.Tensor:
        """``children`` (n, 2, state): the left and the right child's state;
        None for leaves, whose children are zero states."""
        if children is None:
            return torch.tanh(projected)
        return torch.tanh(projected + self.from_children(children.flatten(1)))


class BinaryTreeLSTMCell(nn.Module):
    """The binary (N-ary, N = 2) Tree-LSTM of Tai, Socher and Manning (2015):
    an input gate, one forget gate per child, an output gate and a candidate,
    each from the node's input e and both children's hidden states:

        i = σ(W_i e + U_i [h_l; h_r] + b_i)      o = σ(W_o e + U_o [h_l; h_r] + b_o)
        f_l = σ(W_f e + U_fl [h_l; h_r] + b_f)   f_r = σ(W_f e + U_fr [h_l; h_r] + b_f)
        u = tanh(W_u e + U_u [h_l; h_r] + b_u)
        c = i ⊙ u + f_l ⊙ c_l + f_r ⊙ c_r,       h = o ⊙ tanh(c)

    The state is [h; c]; the two forget gates share W_f, as in the paper."""

    def __init__(self, embedding_dim: int, hidden_size: int) -> None:
        super().__init__()
        self.hidden_size = hidden_size
        self.state_size = 2 * hidden_size
        self.from_input = nn.Linear(embedding_dim, 4 * hidden_size)  # i, f, o, u
        self.from_children = nn.Linear(2 * hidden_size, 5 * hidden_size, bias=False)  # i, f_l, f_r, o, u

    def project(self, e: torch.Tensor) -> torch.Tensor:
        """W e + b for every node at once, W_f's rows repeated for the second forget gate."""
        i, f, o, u = self.from_input(e).chunk(4, dim=1)
        return torch.cat((i, f, f, o, u), dim=1)

    def forward(self, projected: torch.Tensor, children: torch.Tensor | None) -> torch.Tensor:
        """``children`` (n, 2, state): the left and the right child's [h; c];
        None for leaves, whose children are zero states."""
        # chunk, not slices: autograd then adds one gradient node per split, not one per slice.
        if children is None:
            pre = projected
        else:
            (h_l, c_l), (h_r, c_r) = (s.chunk(2, dim=1) for s in children.unbind(1))
            pre = projected + self.from_children(torch.cat((h_l, h_r), dim=1))
        gates, u = pre.split((4 * self.hidden_size, self.hidden_size), dim=1)
        i, f_l, f_r, o = torch.sigmoid(gates).chunk(4, dim=1)
        c = i * torch.tanh(u) if children is None else i * torch.tanh(u) + f_l * c_l + f_r * c_r
        return torch.cat((o * torch.tanh(c), c), dim=1)


class TreeRNN(nn.Module):
    """Token ids ``(N, T)`` → the root's hidden state ``(N, hidden_size)``
    (zeros for an empty sample). ``forward_states`` also gives each token
    position's node state ``(N, T, hidden_size)``, zeros at brackets and padding."""

    def __init__(self, vocab_size: int, embedding_dim: int, hidden_size: int, cell: str = "lstm") -> None:
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"unknown cell {cell!r} (known: rnn, lstm)")
        self.hidden_size = hidden_size
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.cell = (BinaryTreeLSTMCell if cell == "lstm" else TreeRNNCell)(embedding_dim, hidden_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_states(x, positions=False)[0]

    def forward_states(self, x: torch.Tensor, positions: bool = True) -> tuple[torch.Tensor, torch.Tensor | None]:
        n, t = x.shape
        if x.device.type == "meta":  # shape inference of a huge layer: no values to parse
            return x.new_empty((n, self.hidden_size), dtype=torch.float32), None
        plan = plan_batch(x.cpu())
        device = self.embedding.weight.device
        projected = self.cell.project(self.embedding(plan.tokens.to(device)))
        children = torch.stack((plan.left, plan.right), dim=1).to(device)
        levels = [projected.new_zeros((1, self.cell.state_size))]
        for inputs, below in zip(projected.split(plan.level_sizes), children.split(plan.level_sizes), strict=True):
            if len(levels) == 1:  # height 0: leaves, whose children are zero states
                levels.append(self.cell(inputs, None))
                continue
            table = torch.cat(levels)  # children sit on lower levels
            levels.append(self.cell(inputs, table[below]))
        hidden = torch.cat(levels)[:, :self.hidden_size]
        root = hidden[plan.roots.to(device)]
        if not positions:
            return root, None
        return root, hidden[plan.at_position.to(device)].reshape(n, t, self.hidden_size)
