"""Arithmetic expression trees over token ids: the vocabulary of the
``expressions`` data set, a parser for its two notations, and the text of a
tree or subtree.

No torch here: the window imports this module to draw a sample's tree, and
the window's process never imports torch. The parser's core (``parse_ids``)
is plain Python over a list of ids, so the PyTorch source export can copy it
into a file that needs nothing but torch.

Token ids (``VOCAB[id]`` is the token's text):

====  =====================================
0     padding (only at the end of a sample)
1–10  the digits "0" … "9" (id = digit + 1)
11    "+"
12    "-"
13    "*"
14    "("
15    ")"
====  =====================================

Two notations, told apart by the brackets: **infix** is fully bracketed,
``( ( 3 + 4 ) * 2 )``, one pair of brackets around every operator and its
two operands; **postfix** has none, ``3 4 + 2 *``. A lone digit reads the
same in both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.errors import DataError

PAD = 0
DIGITS = tuple("0123456789")
OPERATORS = ("+", "-", "*")
VOCAB: tuple[str, ...] = ("", *DIGITS, *OPERATORS, "(", ")")
VOCAB_SIZE = len(VOCAB)
FIRST_DIGIT, FIRST_OPERATOR, OPEN, CLOSE = 1, 11, 14, 15
NOTATIONS = ("infix", "postfix")


class ExpressionError(DataError, ValueError):
    """A token sequence that is not a well-formed expression (one line)."""


@dataclass(frozen=True)
class Node:
    position: int  # the token this node stands for: a leaf's digit, an internal node's operator
    children: tuple[int, ...]  # node indices (left, right); () for a leaf
    label: str  # the token's text: "3", "+"
    height: int  # 0 for a leaf, else 1 + the higher child's height
    depth: int  # 0 for the root, else its parent's depth + 1

    @property
    def is_leaf(self) -> bool:
        return not self.children


@dataclass(frozen=True)
class Tree:
    """One sample's expression. ``nodes`` are in bottom-up order (every node
    after its children), so the root is the last node; ``root`` is -1 for an
    empty (all-padding) sample."""

    nodes: tuple[Node, ...]
    root: int
    notation: str
    length: int  # tokens before the padding

    def __len__(self) -> int:
        return len(self.nodes)

    @property
    def empty(self) -> bool:
        return self.root < 0

    @property
    def height(self) -> int:
        """The root's height (the tree's depth); -1 for an empty tree."""
        return self.nodes[self.root].height if self.nodes else -1


def token_text(token_id: int) -> str:
    return VOCAB[token_id] if 0 <= token_id < VOCAB_SIZE else "?"


def encode(text: str) -> np.ndarray:
    """``"((3+4)*2)"`` or ``"3 4 + 2 *"`` as int64 ids (spaces are ignored)."""
    try:
        return np.array([VOCAB.index(ch) for ch in text if not ch.isspace()], dtype=np.int64)
    except ValueError:
        bad = next(ch for ch in text if not ch.isspace() and ch not in VOCAB)
        raise ExpressionError(f"{bad!r} is not a token of expressions (digits, + - * and brackets)") from None


def detect_notation(ids: Sequence[int]) -> str:
    """"infix" when the sample has a bracket, else "postfix" (a lone digit is both)."""
    return "infix" if OPEN in ids or CLOSE in ids else "postfix"


def parse_ids(ids: Sequence[int], notation: str) -> list[tuple[int, int, int, int, int]]:
    """The nodes of one sample's expression, bottom-up: ``(position, token id,
    left, right, height)`` with left/right node indices, -1 for a leaf. The
    root is the last node; all padding gives no nodes. Raises ExpressionError."""
    ids = [int(i) for i in ids]
    length = len(ids)
    while length and ids[length - 1] == PAD:
        length -= 1
    for position in range(length):
        if not 0 < ids[position] < len(VOCAB):
            what = "padding (0)" if ids[position] == PAD else f"id {ids[position]}"
            raise ExpressionError(f"{notation} expression: {what} at position {position}, inside the expression")
    if notation == "postfix":
        return _postfix(ids, length)
    if notation == "infix":
        return _infix(ids, length)
    raise ExpressionError(f"unknown notation {notation!r} (known: infix, postfix)")


def _leaf(nodes: list[tuple[int, int, int, int, int]], position: int, token: int) -> int:
    nodes.append((position, token, -1, -1, 0))
    return len(nodes) - 1


def _join(nodes: list[tuple[int, int, int, int, int]], position: int, token: int, left: int, right: int) -> int:
    nodes.append((position, token, left, right, 1 + max(nodes[left][4], nodes[right][4])))
    return len(nodes) - 1


def _postfix(ids: list[int], length: int) -> list[tuple[int, int, int, int, int]]:
    nodes: list[tuple[int, int, int, int, int]] = []
    stack: list[int] = []
    for position in range(length):
        token = ids[position]
        if token < FIRST_OPERATOR:
            stack.append(_leaf(nodes, position, token))
        elif token < OPEN:
            if len(stack) < 2:
                raise ExpressionError(f"postfix expression: {VOCAB[token]!r} at position {position} "
                                      "needs two operands before it")
            right = stack.pop()
            stack.append(_join(nodes, position, token, stack.pop(), right))
        else:
            raise ExpressionError(f"postfix expression: a bracket at position {position} (postfix has none)")
    if len(stack) > 1:
        raise ExpressionError(f"postfix expression: {len(stack)} values left over; an operator is missing")
    return nodes


def _infix(ids: list[int], length: int) -> list[tuple[int, int, int, int, int]]:
    """Fully bracketed infix, E := digit | ( E op E ), read without recursion:
    each open bracket gets a frame [left, operator position, right, stage],
    stage 0 waiting for the left operand, 1 the operator, 2 the right operand, 3 ')'."""
    nodes: list[tuple[int, int, int, int, int]] = []
    frames: list[list[int]] = []
    done = False
    for position in range(length):
        token = ids[position]
        stage = frames[-1][3] if frames else 0
        wants = "the end" if done else ("an operand", "an operator", "an operand", "')'")[stage]
        value = -1
        if wants == "an operand" and token == OPEN:
            frames.append([-1, -1, -1, 0])
        elif wants == "an operand" and token < FIRST_OPERATOR:
            value = _leaf(nodes, position, token)
        elif wants == "an operator" and FIRST_OPERATOR <= token < OPEN:
            frames[-1][1:] = [position, -1, 2]
        elif wants == "')'" and token == CLOSE:
            left, op, right, _ = frames.pop()
            value = _join(nodes, op, ids[op], left, right)
        else:
            raise ExpressionError(f"infix expression: expected {wants} at position {position}, "
                                  f"got {VOCAB[token]!r}")
        if value < 0:
            continue
        if not frames:  # the whole expression is read
            done = True
        elif frames[-1][3] == 0:
            frames[-1][0], frames[-1][3] = value, 1
        else:
            frames[-1][2], frames[-1][3] = value, 3
    if frames:
        raise ExpressionError(f"infix expression: {len(frames)} bracket(s) left open at the end")
    return nodes


def parse(tokens: np.ndarray | Sequence[int], notation: str = "auto") -> Tree:
    """One sample's token ids ``(T,)`` (padding at the end) as a Tree;
    ``notation`` "infix", "postfix" or "auto" (told by the brackets)."""
    ids = [int(i) for i in np.asarray(tokens).reshape(-1)]
    if notation == "auto":
        notation = detect_notation(ids)
    raw = parse_ids(ids, notation)
    depth = [0] * len(raw)
    for index in range(len(raw) - 1, -1, -1):  # parents come after their children
        _, _, left, right, _ = raw[index]
        if left >= 0:
            depth[left] = depth[right] = depth[index] + 1
    nodes = tuple(Node(position, () if left < 0 else (left, right), VOCAB[token], height, depth[i])
                  for i, (position, token, left, right, height) in enumerate(raw))
    length = len(ids)
    while length and ids[length - 1] == PAD:
        length -= 1
    return Tree(nodes, len(nodes) - 1, notation, length)


def render(tree: Tree, node: int | None = None) -> str:
    """The expression (or the subtree under ``node``) as text in the tree's
    notation: ``((3 + 4) * 2)`` or ``3 4 + 2 *``; "" for an empty tree."""
    if tree.empty:
        return ""
    parts: list[str] = []
    # Iterative walk: (node, visited) pairs; infix writes "(", left, op, right, ")".
    todo: list[tuple[int | str, bool]] = [(tree.root if node is None else node, False)]
    while todo:
        item, _ = todo.pop()
        if isinstance(item, str):
            parts.append(item)
            continue
        n = tree.nodes[item]
        if n.is_leaf:
            parts.append(n.label)
        elif tree.notation == "postfix":
            todo.extend([(f" {n.label}", True), (n.children[1], False), (" ", True), (n.children[0], False)])
        else:
            todo.extend([(")", True), (n.children[1], False), (f" {n.label} ", True), (n.children[0], False),
                         ("(", True)])
    return "".join(parts)


def values(tree: Tree, modulus: int | None = None) -> tuple[int, ...]:
    """Each node's value (mod ``modulus`` when given: what the data set's label is at the root)."""
    out: list[int] = []
    for n in tree.nodes:
        if n.is_leaf:
            v = int(n.label)
        else:
            a, b = out[n.children[0]], out[n.children[1]]
            v = a + b if n.label == "+" else a - b if n.label == "-" else a * b
        out.append(v % modulus if modulus else v)
    return tuple(out)
