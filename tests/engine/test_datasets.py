"""The built-in data sets: shapes promised by describe(), determinism, the
options that demonstrate claims (shift test, permutations, copy memory...),
validation of the spec and readable errors for bad text files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from engine import datasets as D
from engine.datasets import transforms as tf
from engine.datasets.base import CLASSIFICATION, IGNORE_INDEX, TOKENS, DataBundle, DataInfo
from engine.datasets.sequences import motifs
from engine.datasets.text import BUILTIN_CORPUS, REPLACEMENT
from engine.errors import DataError, SpecError
from engine.spec import DatasetSpec

VARIANTS: list[tuple[str, dict]] = [
    ("digits", {}),
    ("digits", {"as_sequence": True, "val_fraction": 0.3}),
    ("shapes", {"n_samples": 300}),
    ("shapes", {"n_samples": 200, "size": 12, "position": "train_left_val_right", "permute_pixels": True}),
    ("sine", {"n_samples": 200}),
    ("sine", {"n_samples": 100, "length": 20, "target": "every_step", "shuffle_steps": True}),
    ("adding", {"n_samples": 200}),
    ("adding", {"n_samples": 100, "length": 7, "val_fraction": 0.5}),
    ("copy_memory", {"n_samples": 200}),
    ("copy_memory", {"n_samples": 100, "length": 10, "n_symbols": 6, "n_memorize": 5}),
    ("long_range", {"n_samples": 200}),
    ("long_range", {"n_samples": 100, "n_classes": 2, "distance": 30, "length": 100}),
    ("motif", {"n_samples": 200}),
    ("motif", {"n_samples": 100, "motif_length": 2, "n_classes": 3, "n_symbols": 10}),
    ("text", {}),
    ("text", {"length": 16, "val_fraction": 0.1}),
    ("patterns", {}),
    ("patterns", {"source": "shapes", "size": 10, "n_patterns": 6, "corruption": "occlude", "amount": 0.5,
                  "n_samples": 100}),
    ("expressions", {"n_samples": 200}),
    ("expressions", {"n_samples": 100, "notation": "postfix", "min_depth": 1, "max_depth": 2, "modulus": 5}),
]


def spec(name: str, **options) -> DatasetSpec:
    return D.validate_dataset({"name": name, "options": options})


def generate(name: str, seed: int = 0, **options) -> DataBundle:
    """Bypass load()'s cache: every call really generates."""
    s = spec(name, **options)
    return D.DATASETS[s.name].generate(s.options, seed)


def check_matches(info: DataInfo, b: DataBundle) -> None:
    assert b.info == info
    for x, y in ((b.x_train, b.y_train), (b.x_val, b.y_val)):
        n = len(x)
        assert tuple(x.shape[1:]) == info.input_shape
        assert x.dtype == (torch.int64 if info.input_kind == TOKENS else torch.float32)
        if info.input_kind == TOKENS:
            assert 0 <= int(x.min()) and int(x.max()) < info.vocab_size
        else:
            assert torch.isfinite(x).all()
        # Per step of a sequence, or per pixel of an image (Hopfield patterns).
        t = info.input_shape[0] if info.input_kind != "image" else int(np.prod(info.input_shape[1:]))
        if info.task == CLASSIFICATION:
            assert y.dtype == torch.int64
            assert tuple(y.shape) == ((n, t) if info.per_step else (n,))
            scored = y[y != IGNORE_INDEX] if info.per_step else y
            assert len(scored) > 0
            assert 0 <= int(scored.min()) and int(scored.max()) < info.n_outputs
            assert len(info.class_names) == info.n_outputs
        else:
            assert y.dtype == torch.float32
            assert tuple(y.shape) == ((n, t, info.n_outputs) if info.per_step else (n, info.n_outputs))
            assert torch.isfinite(y).all()
        assert info.baseline is not None


@pytest.mark.parametrize("name,options", VARIANTS)
def test_describe_matches_generated_data(name, options):
    s = spec(name, **options)
    info = D.describe(s)
    b = D.load(s, 0)
    check_matches(info, b)
    n = len(b.x_train) + len(b.x_val)
    assert len(b.x_val) == round(n * s.options["val_fraction"])


@pytest.mark.parametrize("name,options", VARIANTS)
def test_same_seed_same_data_other_seed_other_data(name, options):
    a, b, c = generate(name, 3, **options), generate(name, 3, **options), generate(name, 4, **options)
    for field in ("x_train", "y_train", "x_val", "y_val"):
        assert torch.equal(getattr(a, field), getattr(b, field))
    assert not torch.equal(a.x_train, c.x_train)


def test_load_caches_and_describe_is_cheap():
    s = spec("adding", n_samples=100)
    assert D.load(s, 1) is D.load(s, 1)
    assert D.load(s, 1) is not D.load(s, 2)
    # A spec built in code with options left out gets the defaults.
    assert D.describe(DatasetSpec("shapes")).input_shape == (1, 16, 16)


def test_describe_does_not_import_sklearn():
    code = ("import sys; from engine import datasets as D; from engine.spec import DatasetSpec; "
            "D.describe(DatasetSpec('digits')); print('sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "False"


def test_registry_declares_help_for_everything():
    names = list(D.DATASETS)
    assert names[:2] == ["digits", "shapes"] and names[-4:] == ["text", "expressions", "seq2seq", "scenes"]
    for kind in D.DATASETS.values():
        assert kind.title and len(kind.help) > 80
        for p in kind.params:
            assert p.help, (kind.name, p.name)
        assert "val_fraction" in {p.name for p in kind.params}
    for path in Path(tf.__file__).parent.glob("*.py"):
        source = path.read_text()
        assert "PySide" not in source and "pyqtgraph" not in source, path


# ---------------------------------------------------------------- images


def test_digits_are_the_sklearn_digits():
    b = generate("digits")
    assert len(b.x_train) + len(b.x_val) == 1797
    assert float(b.x_train.min()) >= 0.0 and float(b.x_train.max()) == 1.0
    seq = generate("digits", as_sequence=True)
    assert tuple(seq.x_train.shape[1:]) == (8, 8)
    # Rows of the image are the time steps of the sequence.
    assert torch.equal(seq.x_train, b.x_train[:, 0])


def test_shapes_classes_are_balanced():
    b = generate("shapes", n_samples=400)
    counts = torch.bincount(torch.cat([b.y_train, b.y_val]), minlength=4)
    assert counts.tolist() == [100, 100, 100, 100]


def _column_of_mass(x: torch.Tensor) -> np.ndarray:
    img = x[:, 0].numpy()
    cols = np.arange(img.shape[-1]) + 0.5
    return (img.sum(axis=1) * cols).sum(axis=1) / img.sum(axis=(1, 2))


def test_shapes_position_confines_the_shapes():
    size = 16
    left = generate("shapes", n_samples=200, noise=0.0, position="left")
    right = generate("shapes", n_samples=200, noise=0.0, position="right")
    assert (left.x_train[..., size // 2:] == 0).all()  # nothing at all on the right
    assert (right.x_train[..., : size // 2] == 0).all()
    assert (_column_of_mass(left.x_train) < size / 2).all()
    assert (_column_of_mass(right.x_train) > size / 2).all()
    shift = generate("shapes", n_samples=200, noise=0.0, position="train_left_val_right")
    assert (shift.x_train[..., size // 2:] == 0).all() and (shift.x_val[..., : size // 2] == 0).all()
    assert len(shift.x_val) == 40


def test_permute_pixels_is_one_fixed_permutation():
    plain = generate("shapes", 5, n_samples=100)
    permuted = generate("shapes", 5, n_samples=100, permute_pixels=True)
    perm = tf.fixed_permutation(16 * 16, 5)
    assert sorted(perm.tolist()) == list(range(256))
    for a, b in ((plain.x_train, permuted.x_train), (plain.x_val, permuted.x_val)):
        assert torch.equal(a.flatten(2)[:, :, perm], b.flatten(2))
        assert torch.equal(a.flatten(1).sort(dim=1).values, b.flatten(1).sort(dim=1).values)
    assert torch.equal(plain.y_val, permuted.y_val)


# ---------------------------------------------------------------- sequences


def test_shuffle_steps_moves_inputs_and_per_step_targets_together():
    plain = generate("copy_memory", 2, n_samples=100, length=8)
    shuffled = generate("copy_memory", 2, n_samples=100, length=8, shuffle_steps=True)
    perm = tf.fixed_permutation(3 + 8 + 3, 2)
    for part in ("train", "val"):
        x0, x1 = getattr(plain, f"x_{part}"), getattr(shuffled, f"x_{part}")
        assert torch.equal(x0[:, perm], x1)
        assert torch.equal(getattr(plain, f"y_{part}")[:, perm], getattr(shuffled, f"y_{part}"))
    # Sequence-level targets stay as they are.
    a = generate("sine", 2, n_samples=50, length=12)
    b = generate("sine", 2, n_samples=50, length=12, shuffle_steps=True)
    assert torch.equal(a.x_val[:, tf.fixed_permutation(12, 2)], b.x_val)
    assert torch.equal(a.y_val, b.y_val)
    assert torch.equal(a.x_val.sort(dim=1).values, b.x_val.sort(dim=1).values)


def test_sine_every_step_targets_are_the_next_inputs_without_noise():
    b = generate("sine", n_samples=50, length=30, noise=0.0, target="every_step")
    assert torch.allclose(b.y_train[:, :-1, 0], b.x_train[:, 1:, 0], atol=1e-6)
    nxt = generate("sine", n_samples=50, length=30, noise=0.0)
    assert float(nxt.y_train.abs().max()) <= 1.0


def test_adding_target_is_the_sum_of_the_marked_values():
    b = generate("adding", n_samples=200, length=20)
    x, y = b.x_train, b.y_train[:, 0]
    markers = x[:, :, 1]
    assert (markers.sum(1) == 2).all()
    assert (markers[:, :10].sum(1) == 1).all() and (markers[:, 10:].sum(1) == 1).all()
    assert torch.allclose((x[:, :, 0] * markers).sum(1), y)


def test_copy_memory_scores_only_the_recall_steps():
    k, m, delay = 5, 4, 9
    b = generate("copy_memory", n_samples=100, length=delay, n_symbols=k, n_memorize=m)
    x, y = b.x_train, b.y_train
    assert x.shape[1:] == (m + delay + m, k + 2)
    assert (y[:, :-m] == IGNORE_INDEX).all()
    assert torch.equal(y[:, -m:], x[:, :m].argmax(-1))
    ids = x.argmax(-1)
    assert (ids[:, m + delay - 1] == k + 1).all()  # the delimiter
    assert (ids[:, m : m + delay - 1] == k).all() and (ids[:, -m:] == k).all()  # blanks


def test_long_range_class_is_the_first_of_distant_keys():
    c, gap, length = 3, 10, 50
    b = generate("long_range", n_samples=100, n_classes=c, distance=gap, length=length)
    ids = b.x_train.argmax(-1)
    for seq, label in zip(ids, b.y_train, strict=True):
        where = [(int(t), int(s)) for t, s in enumerate(seq) if s < c]
        assert sorted(s for _, s in where) == list(range(c))  # every key once
        assert where[0][1] == label
        steps = [0 - gap] + [t for t, _ in where] + [length - 1 + gap]
        assert min(np.diff(steps)) >= gap


def test_motif_sequences_hold_their_own_motif_only():
    b = generate("motif", n_samples=100)
    table = motifs(8, 4, 3)
    assert len({tuple(r) for r in table.tolist()}) == 4
    # The motifs are orderings of the same symbols: counts say nothing.
    assert len({tuple(sorted(r)) for r in table.tolist()}) == 1
    for seq, label in zip(b.x_train.argmax(-1).tolist(), b.y_train.tolist(), strict=True):
        windows = {tuple(seq[i : i + 3]) for i in range(len(seq) - 2)}
        found = [c for c in range(4) if tuple(table[c]) in windows]
        assert found == [label]


# ---------------------------------------------------------------- validation


def test_validate_fills_defaults():
    s = D.validate_dataset({"name": "copy_memory"})
    assert s.options == {"n_samples": 4000, "length": 50, "n_symbols": 4, "n_memorize": 3,
                         "shuffle_steps": False, "val_fraction": 0.2}


@pytest.mark.parametrize("obj,path", [
    ({"name": "sine", "options": {"bogus": 1}}, "dataset.options.bogus"),
    ({"name": "sine", "options": {"n_samples": "many"}}, "dataset.options.n_samples"),
    ({"name": "sine", "options": {"shuffle_steps": 1}}, "dataset.options.shuffle_steps"),
    ({"name": "sine", "options": {"val_fraction": 0.9}}, "dataset.options.val_fraction"),
    ({"name": "sine", "options": []}, "dataset.options"),
    ({"name": "sine", "foo": 1}, "dataset.foo"),
    ({"name": "cifar10"}, "dataset.name"),
    ({"options": {}}, "dataset.name"),
    ("sine", "dataset"),
    ({"name": "long_range", "options": {"length": 30}}, "dataset.options.length"),
    ({"name": "long_range", "options": {"n_classes": 8}}, "dataset.options.n_classes"),
    ({"name": "motif", "options": {"n_symbols": 2, "length": 200}}, "dataset.options.length"),
    ({"name": "sine", "options": {"n_samples": 100000, "length": 1000}}, "dataset.options.n_samples"),
])
def test_validate_names_the_bad_field(obj, path):
    with pytest.raises(SpecError) as err:
        D.validate_dataset(obj)
    assert err.value.path == path


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(SpecError, match='unknown data set "cifar10".*digits'):
        D.get_dataset("cifar10")


# ---------------------------------------------------------------- text


def test_builtin_corpus_is_readable_english_with_both_banks():
    text = BUILTIN_CORPUS.read_text(encoding="utf-8")
    assert len(text) >= 30_000
    assert "river bank" in text and "bank deposit" in text
    b = D.load(spec("text"), 0)
    assert b.vocab == "".join(sorted(set(text)))
    assert "".join(b.vocab[i] for i in b.x_train[0].tolist()) in text
    assert torch.equal(b.x_train[:, 1:], b.y_train[:, :-1])  # targets are the next characters


def test_user_text_file(tmp_path):
    path = tmp_path / "mine.txt"
    path.write_text("abcab\n" * 40, encoding="utf-8")
    s = spec("text", path=str(path), length=8)
    info = D.describe(s)
    assert info.vocab_size == 4 and info.class_names == ("newline", "a", "b", "c")
    b = D.load(s, 0)
    assert b.vocab == "\nabc"
    # Editing the file is noticed, by describe and by load.
    path.write_text("xyz " * 40, encoding="utf-8")
    os.utime(path, ns=(path.stat().st_mtime_ns + 10**9,) * 2)
    assert D.describe(s).class_names == ("space", "x", "y", "z")
    assert D.load(s, 0).vocab == " xyz"


def test_rare_characters_beyond_the_cap_become_one_symbol(tmp_path):
    path = tmp_path / "many.txt"
    path.write_text("".join(chr(0x4E00 + i) for i in range(300)) + "ab" * 500, encoding="utf-8")
    b = D.load(spec("text", path=str(path), length=10), 0)
    assert len(b.vocab) == 128 and REPLACEMENT in b.vocab


@pytest.mark.parametrize("content,problem", [
    (None, "not found"),
    (b"\xff\xfe\x00\x01binary\x80\x81", "not UTF-8"),
    (b"text\x00with\x00nul" * 30, "binary"),
    (b"too short", "too short"),
])
def test_bad_text_files_raise_a_readable_data_error(tmp_path, content, problem):
    path = tmp_path / "bad-file.txt"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(DataError, match=problem) as err:
        D.load(spec("text", path=str(path)), 0)
    assert "bad-file.txt" in str(err.value)
    assert "\n" not in str(err.value)
