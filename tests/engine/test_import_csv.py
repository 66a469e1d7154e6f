"""Importing the user's data (issue #7): CSV sequences (wide and long, class and
forecasting targets, every kind of broken file), text files, and data paths
stored relative to the experiment file."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from engine import datasets as D
from engine.cli import main
from engine.datasets import data_paths
from engine.errors import DataError, SpecError
from engine.events import Finished
from engine.experiment_file import load_experiment, parse_experiment, save_experiment
from engine.training import train


def csv_spec(path, **options):
    return D.validate_dataset({"name": "csv_sequences", "options": {"path": str(path), **options}})


def wide_file(tmp_path, n=12, t_len=6, name="wide.csv"):
    """Class 'up' rises, class 'down' falls: easy to learn."""
    lines = ["label," + ",".join(f"t{i}" for i in range(t_len))]
    for k in range(n):
        label = "up" if k % 2 == 0 else "down"
        values = np.arange(t_len) * (1 if label == "up" else -1) + k * 0.1
        lines.append(label + "," + ",".join(f"{v:g}" for v in values))
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def long_file(tmp_path, ids=("a", "b", "c", "d"), t_len=30, name="long.csv", labels=True):
    lines = ["id,time,value,other" + (",label" if labels else "")]
    rows = []
    for n, ident in enumerate(ids):
        for t in range(t_len):
            label = f",{'even' if n % 2 == 0 else 'odd'}" if labels else ""
            rows.append(f"{ident},{t},{np.sin(t * 0.3 + n):.4f},{t * 0.5 + n}{label}")
    rows.reverse()  # order comes from the time column, not the file
    path = tmp_path / name
    path.write_text("\n".join(lines + rows) + "\n", encoding="utf-8")
    return path


# ------------------------------------------------------------------ good files


def test_wide_file_with_a_label_column_gives_class_sequences(tmp_path):
    s = csv_spec(wide_file(tmp_path), label_column="label", val_fraction=0.25)
    info = D.describe(s)
    assert info.input_kind == "sequence" and info.input_shape == (6, 1)
    assert info.task == "classification" and not info.per_step
    assert info.class_names == ("down", "up") and info.baseline == 0.5
    b = D.load(s, seed=1)
    assert len(b.x_train) == 9 and len(b.x_val) == 3
    assert b.x_train.dtype.is_floating_point and b.y_train.dtype == np.int64 or str(b.y_train.dtype) == "torch.int64"
    # z-score: the whole file has mean 0 and standard deviation 1.
    every = np.concatenate([b.x_train.numpy(), b.x_val.numpy()])
    assert abs(every.mean()) < 1e-5 and abs(every.std() - 1) < 1e-4


def test_wide_file_without_header_names_columns_by_number(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("1;2;3;x\n3;2;1;y\n1;2;4;x\n4;2;1;y\n1;3;3;x\n", encoding="utf-8")
    s = csv_spec(path, header=False, label_column="4", normalisation="none", val_fraction=0.2)
    assert D.describe(s).input_shape == (3, 1)
    b = D.load(s, 0)
    assert sorted(np.concatenate([b.x_train, b.x_val])[:, 0, 0].tolist()) == [1, 1, 1, 3, 4]


def test_long_file_sorts_by_time_and_takes_several_value_columns(tmp_path):
    s = csv_spec(long_file(tmp_path), layout="long", label_column="label", value_columns="value, other",
                 normalisation="none", val_fraction=0.25)
    info = D.describe(s)
    assert info.input_shape == (30, 2) and info.class_names == ("even", "odd")
    b = D.load(s, 0)
    x = np.concatenate([b.x_train, b.x_val])
    # Every sequence's "other" column rises with time: sorted despite the reversed file.
    assert (np.diff(x[:, :, 1], axis=1) > 0).all()


def test_next_value_forecasting_keeps_each_sequence_end_for_validation(tmp_path):
    s = csv_spec(long_file(tmp_path, labels=False), layout="long", target="next_value", window=5,
                 normalisation="none", val_fraction=0.2)
    info = D.describe(s)
    assert info.task == "regression" and info.input_shape == (5, 1) and info.n_outputs == 1
    assert info.baseline > 0
    b = D.load(s, 0)
    # 4 sequences × (30 - 5) windows; targets from step 24 on (of 30) validate: 6 per sequence.
    assert len(b.x_train) + len(b.x_val) == 100 and len(b.x_val) == 24
    # A window's target is the value right after it. The reversed file
    # lists id "d" (the 4th, phase 3) first: sequences come in file order.
    t0 = np.sin(np.arange(30) * 0.3 + 3)
    assert np.allclose(b.x_train[0, :, 0].numpy(), t0[:5], atol=1e-4)
    assert abs(float(b.y_train[0, 0]) - t0[5]) < 1e-4


def test_wide_rows_can_be_forecast_too(tmp_path):
    s = csv_spec(wide_file(tmp_path, n=4, t_len=20), target="next_value", window=4, label_column="label")
    b = D.load(s, 0)
    assert b.x_train.shape[1:] == (4, 1) and b.y_train.shape[1:] == (1,)


def test_ragged_rows_are_padded_in_front_when_asked(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("label,a,b,c,d\nx,1,2,3,4\ny,5,6,,\nx,1,2,3\ny,7,8,9,1\n", encoding="utf-8")
    s = csv_spec(path, label_column="label", ragged="pad", normalisation="none", val_fraction=0.25)
    b = D.load(s, 0)
    x = np.concatenate([b.x_train, b.x_val])[:, :, 0]
    assert [0, 0, 5, 6] in x.tolist() and [0, 1, 2, 3] in x.tolist()


def test_gru_and_conv1d_train_on_imported_sequences(tmp_path):
    for layers in ([{"type": "GRU", "hidden_size": 8}, {"type": "Linear"}],
                   [{"type": "Conv1d", "out_channels": 4, "kernel_size": 3}, {"type": "ReLU"},
                    {"type": "GlobalAvgPool"}, {"type": "Linear"}]):
        exp = parse_experiment({
            "format": "cnn-rnn-playground/experiment", "version": 1, "name": "csv", "description": "",
            "dataset": {"name": "csv_sequences", "options": {"path": str(wide_file(tmp_path, n=40)),
                                                              "label_column": "label"}},
            "model": {"layers": layers}, "training": {"epochs": 2, "batch_size": 8},
        })
        final = [e for e in train(exp) if isinstance(e, Finished)][0].summary["final"]
        assert np.isfinite(final["train_loss"]) and 0 <= final["val_accuracy"] <= 1


# ------------------------------------------------------------------ broken files


def broken(tmp_path, content: bytes | str, name="data.csv", **options):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    options.setdefault("label_column", "label")
    with pytest.raises(DataError) as err:
        D.load(csv_spec(path, **options), 0)
    message = str(err.value)
    assert "\n" not in message and name in message
    return message


def test_a_non_numeric_cell_is_named_with_its_row_and_column(tmp_path):
    rows = "label,t1,t2\n" + "a,1,2\nb,2,1\n" * 7 + "a,abc,2\n"
    assert broken(tmp_path, rows) == "data.csv row 16, column 't1': 'abc' is not a number"


def test_long_layout_names_the_value_column(tmp_path):
    message = broken(tmp_path, "id,time,value\ns,1,1\ns,2,x\n", layout="long", target="next_value",
                     label_column="")
    assert message == "data.csv row 3, column 'value': 'x' is not a number"


@pytest.mark.parametrize("content,options,words", [
    ("", {}, "is empty"),
    ("\n\n", {}, "is empty"),
    ("label,t1,t2\n", {}, "no data rows"),
    (b"label,t1\nx,1\n\xe9,2\n", {}, "not UTF-8 at byte 13; save it as UTF-8"),
    ("label,t1,t2\na,1,2\nb,2,1\n", {"label_column": "class"}, "no column 'class' (label_column)"),
    ("id,t,v\na,1,2\n", {"layout": "long", "target": "next_value"}, "no column 'time' (time_column)"),
    ("label,t1,t2\na,1,2\nb,2\na,1,2\nb,1,1\n", {}, "sequences differ in length (row 3 has 1 values"),
    ("label,t1,t2\na,1,2\nb,2,1\n", {}, "too few samples for a validation split: 2 sequences"),
    ("label,t1,t2\na,1,2\na,2,1\na,2,2\na,1,1\n", {}, "only one class ('a')"),
    ("label,t1,t2\na,1,nan\nb,2,1\n", {}, "row 2, column 't2': 'nan' is not a finite number"),
    ("label,t1,t2\na,1,,3\nb,2,1\n", {}, "row 2, column 't2': the cell is empty"),
    ("label,t1,t1\na,1,2\n", {}, "names column 't1' twice"),
    ("label,t1\n,1\nb,2\n", {}, "row 2, column 'label': the cell is empty"),
    ("id,time,value,label\na,1,1,x\na,2,1,y\nb,1,1,x\nb,2,1,x\n", {"layout": "long"},
     "id 'a' has two labels, 'x' (row 2) and 'y' (row 3)"),
    ("id,time,value\na,1,1\na,1,2\n", {"layout": "long", "target": "next_value", "label_column": ""},
     "id 'a' has time 1 twice (rows 2 and 3)"),
    ("v1,v2,v3\n1,2,3\n", {"target": "next_value", "window": 5, "label_column": ""},
     "too few samples for a validation split: the longest sequence has 3 values; window 5"),
    ("v1,v2,v3,v4\n1,2,3,4\n", {"target": "next_value", "window": 3, "label_column": ""},
     "too few samples for a validation split: no training windows"),
    ('label,t1\n"a,1\n', {}, "data.csv"),
])
def test_broken_csv_files_get_one_line_naming_what_and_where(tmp_path, content, options, words):
    assert words in broken(tmp_path, content, **options)


def test_a_missing_csv_file_says_the_data_has_moved(tmp_path):
    message = broken(tmp_path, "x", name="gone.csv")  # written, then removed below
    assert message  # (the file existed: some other complaint)
    (tmp_path / "gone.csv").unlink()
    with pytest.raises(DataError, match='CSV file ".*gone.csv" not found: the data has moved'):
        D.describe(csv_spec(tmp_path / "gone.csv", label_column="label"))


def test_option_combinations_are_checked_as_spec_errors(tmp_path):
    with pytest.raises(SpecError, match="label_column: needed when target is class"):
        csv_spec(tmp_path / "x.csv")
    with pytest.raises(SpecError, match="id_column: needed for the long layout"):
        csv_spec(tmp_path / "x.csv", layout="long", target="next_value", id_column="")


def test_an_edited_file_is_read_again(tmp_path):
    path = wide_file(tmp_path)
    s = csv_spec(path, label_column="label")
    assert D.describe(s).input_shape == (6, 1)
    wide_file(tmp_path, t_len=8)
    import os
    os.utime(path, ns=(path.stat().st_mtime_ns + 10**9,) * 2)
    assert D.describe(s).input_shape == (8, 1) and D.load(s, 0).x_train.shape[1] == 8


# ------------------------------------------------------------------ text files


@pytest.mark.parametrize("content,words", [
    (b"caf\xc3\xa9 ok " * 5 + b"\xe9 bad", "not UTF-8 at byte 45; save it as UTF-8"),
    (b"", "is empty"),
    (b"abc" * 10, "too short for a validation split (30 characters); length 64 needs at least 129"),
])
def test_broken_text_files_say_what_and_where(tmp_path, content, words):
    path = tmp_path / "story.txt"
    path.write_bytes(content)
    with pytest.raises(DataError) as err:
        D.describe(D.validate_dataset({"name": "text", "options": {"path": str(path)}}))
    assert words in str(err.value) and "story.txt" in str(err.value)


def test_text_file_with_bom_and_windows_newlines(tmp_path):
    path = tmp_path / "win.txt"
    path.write_bytes(b"\xef\xbb\xbf" + b"ab\r\ncd\r\n" * 40)
    s = D.validate_dataset({"name": "text", "options": {"path": str(path), "length": 8}})
    assert D.load(s, 0).vocab == "\nabcd"


# ------------------------------------------------------------------ paths


def experiment_doc(path: str, name="csv_sequences", **options):
    options = {"label_column": "label", **options} if name == "csv_sequences" else options
    return {"format": "cnn-rnn-playground/experiment", "version": 1, "name": "paths", "description": "",
            "dataset": {"name": name, "options": {"path": path, **options}},
            "model": {"layers": [{"type": "GRU", "hidden_size": 4}, {"type": "Linear"}]},
            "training": {"epochs": 1, "batch_size": 8}}


def test_data_beside_the_experiment_is_stored_relative_and_resolved_on_load(tmp_path, monkeypatch):
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    data = wide_file(project / "data")
    exp = parse_experiment(experiment_doc(str(data)))
    save_experiment(exp, project / "exp.json")
    stored = json.loads((project / "exp.json").read_text())["dataset"]["options"]["path"]
    assert stored == "data/wide.csv"
    # The folder moves as a whole and is opened from elsewhere: still found.
    moved = tmp_path / "elsewhere"
    project.rename(moved)
    monkeypatch.chdir(tmp_path)
    loaded = load_experiment(moved / "exp.json")
    assert loaded.dataset.options["path"] == str(moved / "data" / "wide.csv")
    assert D.describe(loaded.dataset).input_shape == (6, 1)
    save_experiment(loaded, moved / "exp.json")  # saving again keeps it relative
    assert json.loads((moved / "exp.json").read_text())["dataset"]["options"]["path"] == "data/wide.csv"


def test_data_outside_the_experiment_folder_is_stored_absolute(tmp_path):
    data = wide_file(tmp_path)
    (tmp_path / "sub").mkdir()
    save_experiment(parse_experiment(experiment_doc(str(data))), tmp_path / "sub" / "exp.json")
    stored = json.loads((tmp_path / "sub" / "exp.json").read_text())["dataset"]["options"]["path"]
    assert stored == str(data)


def test_moved_data_is_one_line_naming_the_stored_and_the_resolved_path(tmp_path):
    exp_file = tmp_path / "exp.json"
    exp_file.write_text(json.dumps(experiment_doc("data/wide.csv")))
    exp = load_experiment(exp_file)  # opening works: the user can then locate the data
    assert data_paths.is_missing(exp.dataset)
    with pytest.raises(DataError) as err:
        D.describe(exp.dataset)
    assert str(err.value) == (f'CSV file "data/wide.csv" not found at {tmp_path / "data" / "wide.csv"} '
                              "(resolved against the experiment's folder): the data has moved or was "
                              "deleted; locate it again (dataset.options.path)")


def test_text_paths_follow_the_same_rule(tmp_path):
    (tmp_path / "story.txt").write_text("once upon a time " * 20, encoding="utf-8")
    exp = parse_experiment(experiment_doc(str(tmp_path / "story.txt"), name="text", length=8))
    save_experiment(exp, tmp_path / "exp.json")
    assert json.loads((tmp_path / "exp.json").read_text())["dataset"]["options"]["path"] == "story.txt"
    assert load_experiment(tmp_path / "exp.json").dataset == exp.dataset
    builtin = parse_experiment(experiment_doc("", name="text"))
    save_experiment(builtin, tmp_path / "b.json")
    assert load_experiment(tmp_path / "b.json").dataset.options["path"] == ""


def test_headless_runs_an_experiment_with_relative_data_from_any_folder(tmp_path, monkeypatch):
    wide_file(tmp_path, n=20)
    (tmp_path / "exp.json").write_text(json.dumps(experiment_doc("wide.csv")))
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    out, err = io.StringIO(), io.StringIO()
    assert main(["--headless", str(tmp_path / "exp.json"), "--device", "cpu"], out, err) == 0, err.getvalue()
    (tmp_path / "wide.csv").unlink()
    out, err = io.StringIO(), io.StringIO()
    assert main(["--headless", str(tmp_path / "exp.json"), "--device", "cpu"], out, err) == 2
    assert "the data has moved" in err.getvalue() and err.getvalue().count("\n") == 1
