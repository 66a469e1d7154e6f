"""Seeds: how many training runs stand behind one result.

One run is one trajectory, and another seed (or another machine's float
kernels) can land somewhere else; a comparison or a claim is judged over
several seeds. ``seeds`` is a count N (each experiment trains seeds s, s+1,
…, s+N−1 from its own ``training.seed`` s, so a count of 1 is the file's own
run) or an explicit list (those seeds for every experiment, so runs with the
same seed see the same generated data and are compared in pairs).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from engine.errors import SpecError
from engine.params import shown

MAX_SEEDS = 50  # a comparison of 8 experiments at 50 seeds is already 400 runs
MAX_SEED = 2**31 - 1  # as training.seed


@dataclass(frozen=True)
class Seeds:
    """A count (``count``) or an explicit list (``values``); exactly one is set."""

    count: int | None = 1
    values: tuple[int, ...] | None = None

    def __len__(self) -> int:
        return len(self.values) if self.values is not None else int(self.count or 1)

    def for_seed(self, own: int) -> tuple[int, ...]:
        """The seeds of an experiment whose own ``training.seed`` is ``own``."""
        if self.values is not None:
            return self.values
        return tuple((own + i) % (MAX_SEED + 1) for i in range(len(self)))

    def to_json(self) -> int | list[int]:
        return list(self.values) if self.values is not None else len(self)

    def describe(self) -> str:
        if self.values is not None:
            return f"seed{'s' if len(self.values) > 1 else ''} {', '.join(map(str, self.values))}"
        return f"{len(self)} seed{'s' if len(self) != 1 else ''}"


ONE = Seeds()


def parse_seeds(obj: Any, path: str = "seeds") -> Seeds:
    """``obj`` from a file or the command line; a SpecError naming ``path``
    for anything but a count from 1 to MAX_SEEDS or a list of distinct seeds."""
    if isinstance(obj, bool) or not isinstance(obj, int | list):
        raise SpecError(path, f"must be a number of seeds (1 to {MAX_SEEDS}) or a list of seeds such as "
                        f"[0, 1, 2], got {shown(obj)}")
    if isinstance(obj, int):
        return Seeds(count=check_count(obj, path))
    if not obj:
        raise SpecError(path, "is an empty list; give at least one seed, or a count such as 3")
    if len(obj) > MAX_SEEDS:
        raise SpecError(path, f"lists {len(obj)} seeds; at most {MAX_SEEDS} are allowed")
    seen: dict[int, int] = {}
    for i, seed in enumerate(obj):
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise SpecError(f"{path}[{i}]", f"must be a whole number from 0 to {MAX_SEED}, got {shown(seed)}")
        if not 0 <= seed <= MAX_SEED:
            raise SpecError(f"{path}[{i}]", f"must be from 0 to {MAX_SEED}, got {shown(seed)}")
        if seed in seen:
            raise SpecError(f"{path}[{i}]", f"{seed} is already {path}[{seen[seed]}]; each seed is trained once")
        seen[seed] = i
    return Seeds(count=None, values=tuple(obj))


def check_count(n: int, path: str = "seeds") -> int:
    if not 1 <= n <= MAX_SEEDS:
        raise SpecError(path, f"must be from 1 to {MAX_SEEDS} seeds, got {shown(n)}")
    return n


def seed_list(seeds: Sequence[int]) -> str:
    """"seeds 0, 1, 2" for a table's note."""
    return f"seed{'s' if len(seeds) != 1 else ''} {', '.join(map(str, seeds))}"
