"""Exports round-trip: the generated source imports and rebuilds the model
(same parameters, shapes, state-dict keys and outputs, with the exported
weights loaded), TorchScript gives equal outputs after torch.jit.load, ONNX
says what to install when its packages are missing, and the command line
does the same with the documented exit codes."""

from __future__ import annotations

import importlib.util
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.cli import main, wants_cli
from engine.experiment_file import load_experiment, parse_experiment
from engine.export import KINDS, ExportError, export_model, onnx_missing
from engine.export.model import class_name, prepare
from engine.export.source import WRITERS
from engine.layers import REGISTRY
from engine.presets import PRESETS_DIR
from engine.training import train
from engine.weights_file import save_weights, state_to_numpy, weights_path_for

ROOT = Path(__file__).resolve().parents[2]
# torch.jit.load warns that TorchScript is deprecated; it is still the format the issue asks for.
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated:DeprecationWarning")
PRESETS = ["digits_cnn", "digits_gru_rows", "text_lstm"]  # a CNN, a GRU and an LSTM text model


def preset(key: str):
    return load_experiment(PRESETS_DIR / f"{key}.json")


def import_file(path: Path):
    spec = importlib.util.spec_from_file_location(f"exported_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def engine_model(experiment, weights):
    return prepare(experiment, weights).model


def trained_weights(experiment):
    """A real (tiny) run's final weights: one epoch on a few hundred samples."""
    events = list(train(experiment.with_training(epochs=1, batch_size=256, device="cpu")))
    return events[-1].weights


def random_weights(experiment, seed=1):
    """Weights unlike the fresh ones, so a loading mistake shows in the outputs."""
    rng = np.random.default_rng(seed)
    weights = {k: (rng.normal(0, 0.3, v.shape).astype(np.float32) if v.dtype.kind == "f" else v)
               for k, v in state_to_numpy(prepare(experiment).model).items()}
    for key in weights:
        if key.endswith("running_var"):  # a variance is positive
            weights[key] = np.abs(weights[key]) + 0.5
    return weights


@pytest.fixture(scope="module")
def digits_trained():
    exp = preset("digits_cnn")
    return exp, trained_weights(exp)


@pytest.mark.parametrize("key", PRESETS)
def test_source_rebuilds_the_model_and_takes_the_exported_weights(tmp_path, key):
    exp = preset(key)
    weights = random_weights(exp)
    source, state = tmp_path / f"{key}.py", tmp_path / f"{key}.pt"
    export_model("source", exp, source)
    export_model("weights", exp, state, weights)
    text = source.read_text()
    assert "import torch\nfrom torch import nn\n" in text and "playground" not in text.split('"""', 2)[2].lower()
    module = import_file(source)
    generated = getattr(module, class_name(exp.name))().eval()
    reference = engine_model(exp, weights)
    assert sum(p.numel() for p in generated.parameters()) == sum(p.numel() for p in reference.parameters())
    loaded = torch.load(state, weights_only=True)
    assert list(generated.state_dict()) == list(loaded)
    generated.load_state_dict(loaded)  # strict: every key and shape matches
    x = prepare(exp).example_input(batch=3, seed=7)
    with torch.no_grad():
        ours, theirs = generated(x), reference(x)
    assert ours.shape == theirs.shape
    torch.testing.assert_close(ours, theirs)
    assert tuple(x.shape[1:]) == module.INPUT_SHAPE


def test_source_names_the_data_set_and_input_and_runs_its_smoke_check(tmp_path):
    exp = preset("digits_cnn")
    path = tmp_path / "digits.py"
    export_model("source", exp, path)
    text = path.read_text()
    assert "class DigitsCNN(nn.Module):" in text and "Data set: Handwritten digits" in text
    assert "1×8×8 image per sample" in text and "torch.load('digits.pt', weights_only=True)" in text
    assert re.search(r"nn\.Linear\(\d+, 10\)", text) and "None)" not in text  # inferred sizes are numbers
    run = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "DigitsCNN: input (2, 1, 8, 8) -> output (2, 10), 13,706 parameters"


def every_layer_experiments():
    """Stacks that between them use every layer type and every output mode."""
    image = [{"type": "Conv2d", "out_channels": 4, "padding": 1, "stride": 2, "bias": False},
             {"type": "BatchNorm2d"}, {"type": "LeakyReLU", "negative_slope": 0.2},
             {"type": "MaxPool2d", "kernel_size": 2, "stride": 1}, {"type": "AvgPool2d", "kernel_size": 1},
             {"type": "ToSequence", "order": "columns"},
             {"type": "RNN", "hidden_size": 6, "nonlinearity": "relu", "output": "all"},
             {"type": "Conv1d", "out_channels": 5, "kernel_size": 2, "dilation": 2, "padding": 1},
             {"type": "BatchNorm1d"}, {"type": "MaxPool1d", "kernel_size": 2}, {"type": "AvgPool1d", "kernel_size": 1},
             {"type": "GRU", "hidden_size": 7, "num_layers": 2, "bidirectional": True, "dropout": 0.1},
             {"type": "BatchNorm1d"}, {"type": "Dropout", "p": 0.3}, {"type": "GELU"}, {"type": "Linear"}]
    pooled = [{"type": "Conv2d", "out_channels": 3}, {"type": "Sigmoid"}, {"type": "ToSequence", "order": "positions"},
              {"type": "LSTM", "hidden_size": 5, "bidirectional": True, "forget_bias": 1.5, "output": "all"},
              {"type": "GlobalMaxPool"}, {"type": "Tanh"}, {"type": "Linear", "out_features": 9},
              {"type": "ReLU"}, {"type": "Linear"}]
    rows = [{"type": "Conv2d", "out_channels": 2}, {"type": "GlobalAvgPool"}, {"type": "Linear"}]
    flat = [{"type": "ToSequence", "order": "rows"}, {"type": "LSTM", "hidden_size": 4, "num_layers": 2},
            {"type": "Linear"}]
    seq = [{"type": "GRU", "hidden_size": 4, "output": "all"}, {"type": "GlobalAvgPool"}, {"type": "Linear"}]
    mlp = [{"type": "Flatten"}, {"type": "Linear", "out_features": 8, "bias": False}, {"type": "Linear"}]
    for i, (dataset, layers) in enumerate([("digits", image), ("digits", pooled), ("digits", rows),
                                           ("digits", flat), ("sine", seq), ("digits", mlp)]):
        yield parse_experiment({"format": "cnn-rnn-playground/experiment", "version": 1, "name": f"all {i}",
                                "dataset": {"name": dataset}, "model": {"layers": layers}})


def test_every_layer_type_has_a_source_writer():
    assert set(WRITERS) == set(REGISTRY)


@pytest.mark.parametrize("index", range(6))
def test_source_of_every_layer_type_computes_what_the_engine_does(tmp_path, index):
    exp = list(every_layer_experiments())[index]
    weights = random_weights(exp, seed=index)
    export_model("source", exp, tmp_path / "m.py")
    export_model("weights", exp, tmp_path / "m.pt", weights)
    generated = getattr(import_file(tmp_path / "m.py"), class_name(exp.name))()
    generated.load_state_dict(torch.load(tmp_path / "m.pt", weights_only=True))
    x = prepare(exp).example_input(batch=4, seed=3)
    with torch.no_grad():
        torch.testing.assert_close(generated.eval()(x), engine_model(exp, weights)(x))


def test_source_keeps_the_forget_bias_of_a_fresh_lstm(tmp_path):
    exp = list(every_layer_experiments())[1]
    export_model("source", exp, tmp_path / "m.py")
    lstm = getattr(import_file(tmp_path / "m.py"), class_name(exp.name))().lstm_3
    for name, bias in lstm.named_parameters():
        if name.startswith("bias_ih"):
            assert torch.all(bias[5:10] == 1.5)


def test_source_survives_a_hostile_name_and_description(tmp_path):
    exp = preset("digits_mlp")
    exp = type(exp)('None """ \\ 9 lives', 'ends in a backslash \\', exp.dataset, exp.model, exp.training)
    export_model("source", exp, tmp_path / "odd.py")
    module = import_file(tmp_path / "odd.py")
    assert class_name(exp.name) == "None9Lives" and hasattr(module, "None9Lives")
    assert class_name("None") == "NoneModel" and class_name("") == "Model" and class_name("3 layers") == "Model3Layers"


def test_weights_file_holds_only_tensors_and_is_trained_when_asked(tmp_path, digits_trained):
    exp, weights = digits_trained
    result = export_model("weights", exp, tmp_path / "w.pt", weights)
    assert result.trained and "trained" in result.note
    loaded = torch.load(tmp_path / "w.pt", weights_only=True)
    assert all(isinstance(v, torch.Tensor) for v in loaded.values())
    np.testing.assert_array_equal(loaded["conv2d_0.weight"].numpy(), weights["layers.0.weight"])
    fresh = export_model("weights", exp, tmp_path / "f.pt")
    assert not fresh.trained and "freshly initialised weights (seed 0)" in fresh.note
    # Fresh means the weights a run of this experiment starts from: its seed decides them.
    again = torch.load(tmp_path / "f.pt", weights_only=True)
    torch.manual_seed(exp.training.seed)
    assert torch.equal(again["conv2d_0.weight"], engine_model(exp, None).layers[0].weight)


@pytest.mark.parametrize("key", PRESETS)
def test_torchscript_gives_equal_outputs_after_jit_load(tmp_path, key):
    exp = preset(key)
    weights = random_weights(exp, seed=2)
    export_model("torchscript", exp, tmp_path / "m.pt", weights)
    loaded = torch.jit.load(str(tmp_path / "m.pt"))
    reference = engine_model(exp, weights)
    for batch in (1, 5):  # the traced batch size was 2: the size stays free
        x = prepare(exp).example_input(batch=batch, seed=batch)
        with torch.no_grad():
            torch.testing.assert_close(loaded(x), reference(x))


def test_torchscript_of_a_trained_model_predicts_as_the_run_did(tmp_path, digits_trained):
    exp, weights = digits_trained
    export_model("torchscript", exp, tmp_path / "t.pt", weights)
    loaded = torch.jit.load(str(tmp_path / "t.pt"))
    x = prepare(exp).example_input(batch=8)
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), engine_model(exp, weights)(x))


def hide_onnx(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name in ("onnx", "onnxscript") else real(name, *a))


def test_onnx_without_its_packages_says_what_to_install_and_writes_nothing(tmp_path, monkeypatch):
    hide_onnx(monkeypatch)
    target = tmp_path / "m.onnx"
    with pytest.raises(ExportError, match=r'needs the onnx and onnxscript packages: pip install '
                                          r'"cnn-rnn-playground\[onnx\]"'):
        export_model("onnx", preset("digits_cnn"), target)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(bool(onnx_missing()), reason="the [onnx] extra (onnx, onnxscript) is not installed")
@pytest.mark.parametrize("key", PRESETS)
def test_onnx_round_trip(tmp_path, key):
    assert_onnx_round_trip(tmp_path, preset(key))


def assert_onnx_round_trip(tmp_path, exp) -> None:
    """The exported ONNX file checks, and onnxruntime computes what the engine does."""
    import onnx

    weights = random_weights(exp, seed=4)
    export_model("onnx", exp, tmp_path / "m.onnx", weights)
    onnx.checker.check_model(str(tmp_path / "m.onnx"))
    ort = pytest.importorskip("onnxruntime")
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    x = prepare(exp).example_input(batch=3, seed=5)
    (got,) = session.run(None, {"input": x.numpy()})
    with torch.no_grad():
        np.testing.assert_allclose(got, engine_model(exp, weights)(x).numpy(), rtol=1e-4, atol=1e-5)


def test_a_failed_export_leaves_the_old_file_whole(tmp_path, monkeypatch):
    target = tmp_path / "m.pt"
    target.write_bytes(b"old")

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(torch.jit, "trace", broken)
    with pytest.raises(ExportError, match="TorchScript export failed: disk on fire"):
        export_model("torchscript", preset("digits_cnn"), target)
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["m.pt"]


def test_weights_that_do_not_fit_are_refused_naming_the_layer(tmp_path):
    exp = preset("digits_cnn")
    weights = random_weights(exp)
    weights["layers.0.weight"] = weights["layers.0.weight"][:1]
    with pytest.raises(Exception, match=r"layer 1 \(Conv2d\) weight is"):
        export_model("weights", exp, tmp_path / "w.pt", weights)


# --- command line ---------------------------------------------------------------


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], out, err)
    return code, out.getvalue(), err.getvalue()


def test_cli_exports_every_kind_fresh_and_says_so(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the experiment sits in presets/, with no weights beside it
    assert wants_cli(["--export", "source", "m.py", "e.json"])
    code, out, err = run("--export", "source", tmp_path / "m.py", PRESETS_DIR / "digits_cnn.json")
    assert code == 0 and "class DigitsCNN" in out and err == ""
    code, out, err = run("--export", "torchscript", tmp_path / "m.ts", PRESETS_DIR / "digits_gru_rows.json")
    assert code == 0 and "freshly initialised weights (seed 0)" in out
    assert err.strip() == "note: no --weights given: the export holds untrained weights"
    torch.jit.load(str(tmp_path / "m.ts"))


def test_cli_exports_trained_weights_from_a_weights_file(tmp_path):
    exp_path = tmp_path / "e.json"
    exp_path.write_text((PRESETS_DIR / "text_lstm.json").read_text())
    exp = load_experiment(exp_path)
    weights = random_weights(exp, seed=9)
    save_weights(weights_path_for(exp_path), exp, weights)
    code, out, err = run("--export", "weights", tmp_path / "w.pt", exp_path)
    assert code == 0 and "e.weights.npz is there" in err  # the hint: pass it with --weights
    code, out, err = run("--export", "weights", tmp_path / "w.pt", exp_path, "--weights", weights_path_for(exp_path))
    assert code == 0 and err == "" and out.strip().endswith("with the trained weights")
    loaded = torch.load(tmp_path / "w.pt", weights_only=True)
    np.testing.assert_array_equal(loaded["lstm_1.weight_hh_l0"].numpy(), weights["layers.1.rnn.weight_hh_l0"])


@pytest.mark.parametrize("argv, message", [
    (["--export", "pickle", "{out}/m", "{preset}"], "unknown kind 'pickle' (known: source, weights, torchscript"),
    (["--export", "source", "{out}/no/m.py", "{preset}"], "no/m.py: folder does not exist"),
    (["--export", "source", "{out}/m.py"], "need an experiment or comparison FILE"),
    (["--export", "weights", "{out}/m.pt", "{preset}", "--weights", "{out}/missing.npz"], "missing.npz: no such file"),
    (["--export", "source", "{out}/m.py", "{comparison}"], "takes an experiment file, not a comparison"),
])
def test_cli_bad_input_exits_2_with_one_line(tmp_path, argv, message):
    fill = {"out": tmp_path, "preset": PRESETS_DIR / "digits_cnn.json",
            "comparison": PRESETS_DIR / "compare_digits_cnn_mlp.json"}
    code, out, err = run(*[a.format(**fill) for a in argv])
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_cli_weights_of_another_model_exit_2(tmp_path):
    other = load_experiment(PRESETS_DIR / "digits_mlp.json")
    save_weights(tmp_path / "w.npz", other, random_weights(other))
    code, _, err = run("--export", "weights", tmp_path / "m.pt", PRESETS_DIR / "digits_cnn.json",
                       "--weights", tmp_path / "w.npz")
    assert code == 2 and "different model" in err and not (tmp_path / "m.pt").exists()


def test_cli_onnx_without_its_packages_exits_2_saying_what_to_install(tmp_path, monkeypatch):
    hide_onnx(monkeypatch)
    code, _, err = run("--export", "onnx", tmp_path / "m.onnx", PRESETS_DIR / "digits_cnn.json")
    assert code == 2 and 'pip install "cnn-rnn-playground[onnx]"' in err and err.count("\n") == 1


def test_kinds_are_the_documented_ones():
    assert list(KINDS) == ["source", "weights", "torchscript", "onnx"]
    readme = (ROOT / "README.md").read_text()
    assert "--export" in readme and all(kind in readme for kind in KINDS)
    json.dumps({k: v for k, v in KINDS.items()})  # plain data


_FULL_DISK = r"""
import resource, signal, sys
from pathlib import Path
from engine.export import ExportError, export_model
from engine.experiment_file import load_experiment
from engine.presets import PRESETS_DIR
kind, target = sys.argv[1], Path(sys.argv[2])
experiment = load_experiment(PRESETS_DIR / "digits_cnn.json")
# A real short write, not a stand-in: no file may grow past 512 bytes, and a
# write that would fails with EFBIG (the signal that would kill us ignored).
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (512, resource.RLIM_INFINITY))
try:
    export_model(kind, experiment, target)
except ExportError as exc:
    print("REFUSED:", exc)
else:
    print("WROTE")
"""


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "onnx" or not onnx_missing()])
def test_an_export_onto_a_full_disk_says_so_and_keeps_the_old_file(tmp_path, kind):
    """Every model export, the ONNX one included (its writer is torch's and
    onnx's, not ours), when the disk fills mid-write: a message naming the
    file, the old export whole, no temporary file beside it."""
    target = tmp_path / f"model.{kind}"
    target.write_bytes(b"the old export")
    done = subprocess.run([sys.executable, "-c", _FULL_DISK, kind, str(target)], capture_output=True, text=True,
                          timeout=300, cwd=Path(__file__).resolve().parents[2])
    assert "REFUSED:" in done.stdout, done.stdout + done.stderr
    assert f"cannot write {target}: File too large" in done.stdout
    assert target.read_bytes() == b"the old export"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]
