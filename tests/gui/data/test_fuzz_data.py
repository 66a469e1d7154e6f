"""Fuzzing the user's own data files (issue #8): image folders, CSV files,
text files and weights files.

For any content, describing and loading the data set gives a usable bundle
(finite numbers, shapes as described, labels inside the classes, both parts
of the split non-empty) or one of the app's own errors in one line naming
the file or folder — never another exception, a crash or a hang.

The inputs are made the way damaged files are: real PNGs and JPEGs
(written by Qt) cut short or with bytes changed, PNG/JPEG signatures before
random bytes, PNG headers forged with valid checksums (odd sizes, bit depths
and colour types), zero-byte files, other formats under an image suffix;
CSV text from random rows of random lengths, delimiters, quotes, empty
cells, NaN/inf and numbers beyond float32; random bytes, invalid UTF-8 and
UTF-16 as a text file; a real weights file with its archive, header or
arrays damaged.

Example counts: the default profile ("ci", derandomized; tests/conftest.py)
runs the counts in ``examples(...)``; ``HYPOTHESIS_PROFILE=full`` runs 10×
as many fresh random examples::

    HYPOTHESIS_PROFILE=full QT_QPA_PLATFORM=offscreen .venv/bin/pytest tests/gui/data/test_fuzz_data.py

Every example must finish within 10 seconds (``fuzzing.within``).
"""

from __future__ import annotations

import csv
import io
import itertools
import struct
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import datasets as D
from engine.datasets import image_folder
from engine.errors import PlaygroundError
from engine.params import BOOL, CHOICE, FLOAT, INT
from tests.helpers.fuzzing import assert_clear, examples, note, rarely, within

LIMIT_S = 10.0
_counter = itertools.count()


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    """A folder for the examples (each gets a fresh subfolder: caches key on
    paths and modification times) with Qt's image reader registered."""
    from gui.data.image_reader import register_image_reader

    register_image_reader()
    image_folder.clear_cache()
    D.clear_cache()
    yield tmp_path_factory.mktemp("fuzz-data")
    image_folder.set_image_reader(None)
    image_folder.clear_cache()
    D.clear_cache()


def fresh(root: Path) -> Path:
    path = root / f"e{next(_counter)}"
    path.mkdir()
    return path


def options_for(name: str, **fixed) -> st.SearchStrategy[dict]:
    """A data set's options: each setting left out, or a value in its declared range."""
    optional = {}
    for p in D.DATASETS[name].params:
        if p.name in fixed:
            continue
        if p.kind == INT:
            optional[p.name] = st.integers(int(p.minimum), int(min(p.maximum, 64)))
        elif p.kind == FLOAT:
            optional[p.name] = st.floats(p.minimum, p.maximum)
        elif p.kind == BOOL:
            optional[p.name] = st.booleans()
        elif p.kind == CHOICE:
            optional[p.name] = st.sampled_from(p.choices)
    return st.fixed_dictionaries({k: st.just(v) for k, v in fixed.items()}, optional=optional)


def check_data_set(name: str, options: dict, *names: str) -> None:
    """Describe and load as the window and the training do; every refusal is
    one line naming one of ``names`` (the file or folder)."""
    try:
        spec = D.validate_dataset({"name": name, "options": options})
        info = D.describe(spec)
        bundle = D.load(spec, seed=0)
    except PlaygroundError as exc:
        assert_clear(exc, *names)
        note(f"refused: {_gist(str(exc))}")
        return
    note("loaded")
    assert bundle.info == info
    assert len(bundle.x_train) >= 1 and len(bundle.x_val) >= 1
    for x, y in ((bundle.x_train, bundle.y_train), (bundle.x_val, bundle.y_val)):
        assert tuple(x.shape[1:]) == tuple(info.input_shape)
        if x.dtype.is_floating_point:
            assert bool(x.isfinite().all()), "the inputs hold NaN or infinite values"
        if info.task == "classification":
            scored = y[y != -100]
            assert int(scored.min()) >= 0 and int(scored.max()) < info.n_outputs
        else:
            assert bool(y.isfinite().all()), "the targets hold NaN or infinite values"
    if info.input_kind == "tokens":
        assert int(bundle.x_train.max()) < info.vocab_size


def _gist(message: str) -> str:
    """The kind of refusal, without the file's name and numbers (for the statistics)."""
    text = message.split(": ", 1)[-1] if "/" in message.split(": ", 1)[0] else message
    return "".join("#" if ch.isdigit() else ch for ch in text)[:50]


# ------------------------------------------------------------------ image folders

def _qt_bytes(width: int, height: int, fmt: str, alpha: bool = False) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QColor, QImage

    image = QImage(width, height, QImage.Format.Format_ARGB32 if alpha else QImage.Format.Format_RGB32)
    image.fill(QColor(30 + width % 200, 120, 200, 90 if alpha else 255))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    assert image.save(buffer, fmt)
    buffer.close()
    return bytes(data)


_REAL: list[bytes] = []


def real_images() -> list[bytes]:
    """PNGs and JPEGs of a few sizes, made once (Qt is imported by then)."""
    if not _REAL:
        for w, h in ((1, 1), (5, 4), (33, 17), (300, 2)):
            _REAL.extend([_qt_bytes(w, h, "PNG"), _qt_bytes(w, h, "PNG", alpha=True), _qt_bytes(w, h, "JPG")])
    return _REAL


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@st.composite
def forged_png(draw: st.DrawFn) -> bytes:
    """A PNG whose header (valid checksum) claims any size, depth and colour type."""
    width = draw(st.integers(0, 3000) | st.sampled_from([2**31 - 1, 2**32 - 1, 65535]))
    height = draw(st.integers(0, 3000) | st.sampled_from([2**31 - 1, 2**32 - 1, 65535]))
    depth = draw(st.sampled_from([1, 2, 4, 8, 16, 3, 0, 255]))
    colour = draw(st.sampled_from([0, 2, 3, 4, 6, 1, 7]))
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, draw(st.integers(0, 1)), 0,
                       draw(st.integers(0, 1)))
    rows = min(height, 200)
    raw = draw(st.sampled_from([b"", b"\x00" * (rows * (1 + min(width, 3000) * 4)), b"\xff" * 64]))
    idat = draw(st.sampled_from([zlib.compress(raw), raw[:50], b""])) if raw else draw(st.binary(max_size=64))
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


@st.composite
def image_bytes(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["real", "real", "real", "cut", "changed", "png_sig", "jpeg_sig", "forged",
                                 "empty", "random", "gif", "bmp"]))
    if kind == "real":
        return draw(st.sampled_from(real_images()))
    if kind == "cut":
        data = draw(st.sampled_from(real_images()))
        return data[: draw(st.integers(0, len(data) - 1))]
    if kind == "changed":
        data = bytearray(draw(st.sampled_from(real_images())))
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        return bytes(data)
    if kind == "png_sig":
        return b"\x89PNG\r\n\x1a\n" + draw(st.binary(max_size=200))
    if kind == "jpeg_sig":
        return b"\xff\xd8\xff" + draw(st.sampled_from([b"\xe0", b"\xe1", b"\xdb", b""])) + draw(st.binary(max_size=200))
    if kind == "forged":
        return draw(forged_png())
    if kind == "gif":
        return b"GIF89a" + draw(st.binary(max_size=60))
    if kind == "bmp":
        return b"BM" + draw(st.binary(max_size=60))
    return b"" if kind == "empty" else draw(st.binary(max_size=300))


CLASS_NAMES = ["Ünïcödé", "with space", "日本", "a\nb", "-1", "x" * 200, ".hidden"]
IMAGE_NAMES = ["a.png", "b.PNG", "c.jpg", "d.jpeg", "e.JPG", "g\u2028.png", "i i.png", "ü.jpg"]
OTHER_NAMES = ["f.txt", ".hidden.png", "h.gif", "noext"]


@st.composite
def image_folders(draw: st.DrawFn) -> dict[str, dict[str, bytes | None]]:
    """Class folder → file name → bytes (None: a subfolder with an image's name).
    Mostly two or three classes of real images; half the folders have a damaged file or an odd name."""
    odd = draw(st.booleans())
    n_classes = draw(rarely(st.integers(0, 1), st.integers(2, 3), 10))
    names = ["cats", "dogs", "birds"][:n_classes]
    if odd and names:
        names[-1] = draw(st.sampled_from(CLASS_NAMES))
    files = rarely(image_bytes() | st.none(), st.sampled_from(real_images()), 8) if odd \
        else st.sampled_from(real_images())
    file_names = rarely(st.sampled_from(OTHER_NAMES), st.sampled_from(IMAGE_NAMES), 10) if odd \
        else st.sampled_from(IMAGE_NAMES)
    return {c: draw(st.dictionaries(file_names, files, min_size=draw(rarely(st.just(0), st.just(1), 10)),
                                    max_size=6)) for c in names}


def write_folder(root: Path, layout: dict[str, dict[str, bytes | None]]) -> Path:
    folder = root / "images"
    folder.mkdir()
    for name, files in layout.items():
        (folder / name).mkdir()
        for file, data in files.items():
            if data is None:
                (folder / name / file).mkdir()
            else:
                (folder / name / file).write_bytes(data)
    return folder


@settings(max_examples=examples(150))
@given(layout=image_folders(), options=options_for("image_folder", path=""), loose=st.booleans(),
       val=rarely(st.floats(0.05, 0.5), st.sampled_from([0.25, 0.5]), 5))
def test_image_folders_with_damaged_files_load_or_name_the_problem(scratch, layout, options, loose, val):
    folder = write_folder(fresh(scratch), layout)
    if loose:  # an image beside the class folders, not in one
        (folder / "loose.png").write_bytes(real_images()[0])
    with within(LIMIT_S):
        check_data_set("image_folder", {**options, "val_fraction": val, "path": str(folder)}, f'"{folder}"')


# ------------------------------------------------------------------ CSV files

NUMBERS = ["0", "1", "-1", "2.5", " 3 ", "1e3", "1E-3", "-0", "+4", "nan", "NaN", "inf", "-Infinity", "1e38",
           "3.5e38", "1e300", "-1e308", "1e309", "1_000", "0x10", "١٢", "½"]
WORDS = ["", " ", "abc", "up", "down", "a", "b", "é", '"', '""', '"quoted"', "a,b", "a;b", "a\tb", "line\nbreak",
         "\x00", "\u2028", "\ufeff", "id", "time", "value", "label"]
odd_cells = st.sampled_from(NUMBERS) | st.sampled_from(WORDS) | st.floats().map(repr) | st.integers().map(str) \
    | st.text(max_size=6)
numeric_cells = st.floats(-1e6, 1e6).map(lambda v: f"{v:g}") | st.integers(-999, 999).map(str)
# Any finite float (up to ±1.8e308) now and then: numbers, just not ones a float32 holds.
wide_range_cells = rarely(st.floats(allow_nan=False, allow_infinity=False).map(repr), numeric_cells, 10)


# Half the files have no odd cell at all; in the others one cell in 25 is odd.
cells = rarely(odd_cells, numeric_cells, 25)
clean_labels = st.sampled_from(["a", "b", "c", "1", "2", "10"])
labels = rarely(odd_cells, clean_labels, 25)
file_cells = st.sampled_from([(numeric_cells, clean_labels), (cells, labels), (wide_range_cells, clean_labels)])


@st.composite
def wide_rows(draw: st.DrawFn) -> tuple[list[list[str]], dict]:
    """One row per sequence: a label, then the values (ragged: lengths differ)."""
    length, ragged = draw(st.integers(1, 25)), draw(rarely(st.just(True), st.just(False), 3))
    values, names = draw(file_cells)
    rows = [["label", *(f"t{i}" for i in range(length))]]
    for _ in range(draw(rarely(st.integers(0, 3), st.integers(4, 14), 10))):
        n = draw(rarely(st.just(0), st.integers(1, length), 50)) if ragged else length
        rows.append([draw(names), *(draw(values) for _ in range(n))])
    return rows, {"layout": "wide", "label_column": draw(rarely(column_names, st.just("label"), 10))}


@st.composite
def long_rows(draw: st.DrawFn) -> tuple[list[list[str]], dict]:
    """One row per time step: id, time, two values and a label per sequence."""
    rows = [["id", "time", "value", "other", "label"]]
    values, names = draw(file_cells)
    for k in range(draw(rarely(st.integers(0, 1), st.integers(2, 6), 10))):
        label = draw(names)
        steps = list(range(draw(st.integers(1, 25))))
        if draw(st.booleans()):
            steps = draw(st.permutations(steps))  # the time column gives the order, not the file
        for t in steps:
            time = draw(rarely(odd_cells, st.just(str(t)), 100))
            rows.append([f"s{k}", time, draw(values), draw(values), draw(rarely(names, st.just(label), 100))])
    options = {"layout": "long", "id_column": draw(rarely(column_names, st.just("id"), 10)),
               "time_column": draw(st.sampled_from(["time", ""])),
               "value_columns": draw(st.sampled_from(["value", "value, other", "other,value"])),
               "label_column": draw(rarely(column_names, st.just("label"), 10))}
    return rows, options


@st.composite
def random_rows(draw: st.DrawFn) -> tuple[list[list[str]], dict]:
    """Rows of any lengths and cells, and any column settings."""
    rows = draw(st.lists(st.lists(odd_cells | cells, max_size=9), max_size=14))
    if draw(st.booleans()):
        rows.insert(0, draw(st.sampled_from([["id", "time", "value", "label"], ["x", "x"], ["", "v"],
                                             [" id ", "label,"]])))
    options = {"layout": draw(st.sampled_from(["wide", "long"])), "label_column": draw(column_names),
               "id_column": draw(column_names), "time_column": draw(column_names),
               "value_columns": draw(column_names)}
    return rows, options


column_names = st.sampled_from(["", "id", "time", "value", "label", "a", "b", "c", "1", "2", "3", "9", "value, a",
                                "a,b,c", "nope", " label ", "line\nbreak"])


@st.composite
def csv_files(draw: st.DrawFn) -> tuple[bytes, dict]:
    """The file's bytes and the column settings that (mostly) fit it."""
    rows, options = draw(rarely(random_rows(), wide_rows() | long_rows(), 10))
    header = draw(rarely(st.just(False), st.just(True), 8))
    if not header:  # columns are numbered from 1, and the settings (mostly) say so
        numbers = {name: str(j + 1) for j, name in enumerate(rows[0])} if rows else {}
        rows = rows[1:]
        renamed = {k: ", ".join(numbers.get(n.strip(), n) for n in v.split(",")) for k, v in options.items()
                   if k != "layout"}
        options = {**options, **draw(rarely(st.just({}), st.just(renamed), 10))}
    delimiter = draw(rarely(st.just("|"), st.sampled_from([",", ";", "\t"]), 20))
    ending = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    if draw(rarely(st.just(False), st.just(True), 5)):  # written by a csv writer: quoted where needed
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=delimiter, lineterminator=ending).writerows(rows)
        text = buffer.getvalue()
    else:  # joined by hand: quotes and delimiters inside cells break rows
        text = ending.join(delimiter.join(row) for row in rows)
    text = draw(st.sampled_from(["", "", "\ufeff"])) + text + draw(st.sampled_from(["", ending, ending * 3]))
    data = text.encode("utf-8", "surrogatepass")
    damage = draw(rarely(st.sampled_from(["latin1", "byte", "utf16"]), st.just("none"), 20))
    if damage == "latin1":
        data = text.encode("latin-1", "replace")
    elif damage == "byte":
        i = draw(st.integers(0, len(data)))
        data = data[:i] + draw(st.sampled_from([b"\xff", b"\xc3", b"\x00"])) + data[i:]
    elif damage == "utf16":
        data = text.encode("utf-16", "surrogatepass")
    known = {",": ",", ";": ";", "\t": "tab"}
    options["header"] = header
    options["delimiter"] = draw(rarely(st.sampled_from(["auto", ",", ";", "tab"]),
                                       st.sampled_from(["auto", known.get(delimiter, "auto")]), 20))
    return data, options


@settings(max_examples=examples(400))
@given(file=csv_files(), options=options_for("csv_sequences", path=""), window=rarely(st.integers(1, 1000),
                                                                                    st.integers(1, 12), 10))
def test_ragged_and_malformed_csv_files_load_or_name_the_row_and_column(scratch, file, options, window):
    from engine.datasets import csv_sequences

    data, columns = file
    path = fresh(scratch) / "data.csv"
    path.write_bytes(data)
    options = {**options, **columns, "path": str(path), "window": window}
    with within(LIMIT_S):
        check_data_set("csv_sequences", options, "data.csv", "dataset.options")
        try:  # the import dialog's preview
            table = csv_sequences.read_table(str(path), options["header"], options["delimiter"], limit=5)
        except PlaygroundError as exc:
            assert_clear(exc, "data.csv")
        else:
            assert 1 <= len(table.rows) <= 5


# ------------------------------------------------------------------ text files

@st.composite
def text_bytes(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["random", "text", "text", "bom", "utf16", "cut", "wide_vocab", "nul"]))
    text = draw(st.text(min_size=0, max_size=400)) * draw(st.integers(1, 4))
    if kind == "random":
        return draw(st.binary(max_size=600))
    if kind == "bom":
        return b"\xef\xbb\xbf" + text.encode()
    if kind == "utf16":
        return text.encode("utf-16")
    if kind == "cut":
        data = (text + "é日🙂").encode()
        return data[:-1]
    if kind == "wide_vocab":  # more distinct characters than the vocabulary holds
        return "".join(chr(0x4E00 + i) for i in draw(st.lists(st.integers(0, 500), min_size=130))).encode()
    if kind == "nul":
        return text.encode() + b"\x00" + text.encode()
    return text.replace("\n", draw(st.sampled_from(["\n", "\r\n", "\r"]))).encode()


@settings(max_examples=examples(200))
@given(data=text_bytes(), options=options_for("text", path=""))
def test_binary_or_odd_text_files_load_or_say_why(scratch, data, options):
    path = fresh(scratch) / "corpus.txt"
    path.write_bytes(data)
    with within(LIMIT_S):
        check_data_set("text", {**options, "path": str(path)}, "corpus.txt")
