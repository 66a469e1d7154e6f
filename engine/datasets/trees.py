"""Generated arithmetic expression trees: the label needs the structure.

Each sample is a random expression of single digits joined by + − ×, as
token ids (engine/tree_structure.py lists them) in fully bracketed infix or
in postfix, padded at the end to the longest expression ``max_depth``
allows. The label is the expression's value mod ``modulus``: the same
tokens in another arrangement have another value, so a bag of tokens
cannot tell, and a network must combine the parts the way the tree does
(claim C17).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import numpy as np

from engine.datasets import transforms as tf
from engine.datasets.base import CLASSIFICATION, TOKENS, DataBundle, DataInfo, DatasetKind
from engine.errors import DataError, SpecError
from engine.params import CHOICE, INT, Param
from engine.tree_structure import CLOSE, FIRST_DIGIT, FIRST_OPERATOR, NOTATIONS, OPEN, VOCAB, VOCAB_SIZE

# Every sample is padded to the longest expression of max_depth: a full
# tree of depth d has 2^d digits and 2^d - 1 operators, 4·2^d - 3 infix tokens;
# at depth 9 that is 2,045 tokens a sample, mostly padding.
MAX_DEPTH = 8
_ATTEMPTS_PER_SAMPLE = 200  # balanced labels are drawn by rejection; every residue is common enough


def max_tokens(max_depth: int, notation: str) -> int:
    """Tokens of the longest expression of this depth: the samples' padded length."""
    leaves = 2 ** max_depth
    return leaves + (leaves - 1) * (3 if notation == "infix" else 1)


def _describe(o: Mapping[str, Any]) -> DataInfo:
    k = o["modulus"]
    return DataInfo(TOKENS, (max_tokens(o["max_depth"], o["notation"]),), CLASSIFICATION, False, k,
                    vocab_size=VOCAB_SIZE, class_names=tuple(str(c) for c in range(k)), baseline=1 / k,
                    token_texts=VOCAB)


def _check(o: Mapping[str, Any], path: str) -> None:
    # The depth limit itself is the options' declared maximum (which also bounds
    # the window's spin boxes); this is the check across the two.
    if o["min_depth"] > o["max_depth"]:
        raise SpecError(f"{path}.min_depth", f"must be at most max_depth ({o['max_depth']}), "
                        f"got {o['min_depth']}")


def _expression(rng: random.Random, depth: int, k: int, infix: bool) -> tuple[list[int], int]:
    """A random tree of exactly this depth: (tokens, value mod k). One child
    carries the depth, the other gets a random depth below it."""
    if depth == 0:
        digit = rng.randrange(10)
        return [FIRST_DIGIT + digit], digit % k
    op = rng.randrange(3)
    deep = _expression(rng, depth - 1, k, infix)
    other = _expression(rng, rng.randrange(depth), k, infix)
    (left, a), (right, b) = (deep, other) if rng.random() < 0.5 else (other, deep)
    value = (a + b if op == 0 else a - b if op == 1 else a * b) % k
    tokens = [OPEN, *left, FIRST_OPERATOR + op, *right, CLOSE] if infix else [*left, *right, FIRST_OPERATOR + op]
    return tokens, value


def _generate(o: Mapping[str, Any], seed: int) -> DataBundle:
    rng = tf.data_rng(seed)
    n, k, infix = o["n_samples"], o["modulus"], o["notation"] == "infix"
    info = _describe(o)
    labels = tf.balanced_labels(rng, n, k)
    # Python's generator, seeded from the data stream: a draw per tree node
    # from numpy would cost microseconds each.
    draw = random.Random(int(rng.integers(2**63)))
    # Slots waiting for a tree, per class; a tree fills the next slot of its value's class.
    waiting = [list(np.flatnonzero(labels == c)[::-1]) for c in range(k)]
    x = np.zeros((n, info.input_shape[0]), dtype=np.int64)
    left = n
    for _ in range(_ATTEMPTS_PER_SAMPLE * n):
        tokens, value = _expression(draw, draw.randint(o["min_depth"], o["max_depth"]), k, infix)
        if waiting[value]:
            x[waiting[value].pop(), :len(tokens)] = tokens
            left -= 1
            if left == 0:
                return tf.split_bundle(info, x, labels, o, seed)
    raise DataError("expressions: could not draw trees for every class; use a smaller modulus or deeper trees")


EXPRESSIONS = DatasetKind(
    name="expressions", title="Expression trees",
    help=("Random arithmetic expressions of single digits joined by +, − and ×, such as ((3 + 4) × 2), "
          "read as tokens (digits, operators and, in infix, brackets). The class is the value modulo "
          "'modulus' (14 mod 3 = 2 for the one above), with every class equally common. The same tokens in another "
          "order have another value, so counting tokens does not help: a network must combine each "
          "operator with its two operands, bottom-up, as the tree does. A recursive network (TreeRNN) "
          "applies one cell at every node of the tree; a GRU must find the structure in the flat "
          "sequence; a bag-of-tokens MLP cannot see it at all."),
    params=(
        tf.n_samples_param(6000),
        Param("min_depth", INT, 2, "Depth of the shallowest trees (1: one operator on two digits).",
              minimum=1, maximum=MAX_DEPTH),
        Param("max_depth", INT, 4, "Depth of the deepest trees. Every sample is padded to the longest "
              f"expression of this depth ({max_tokens(4, 'infix')} infix tokens at 4, "
              f"{max_tokens(MAX_DEPTH, 'infix'):,} at {MAX_DEPTH}).", minimum=1, maximum=MAX_DEPTH, key=True),
        # 3 by default: a Tree-LSTM learns value mod 3 of depth-4 trees in a few
        # epochs on a CPU, mod 5 took far longer (0.35 after 15 epochs).
        Param("modulus", INT, 3, "Classes: the label is the value modulo this.", minimum=2, maximum=10,
              key=True),
        Param("notation", CHOICE, "infix", "infix: fully bracketed, ((3 + 4) × 2); postfix: no brackets, "
              "3 4 + 2 ×.", choices=NOTATIONS),
        tf.VAL_FRACTION,
    ),
    describe=_describe, generate=_generate,
)

KINDS = (EXPRESSIONS,)
CHECKS = {"expressions": _check}
