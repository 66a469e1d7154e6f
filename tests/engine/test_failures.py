"""Failures without a window: the simulated faults (engine/failpoints.py)
raise what torch raises, at the step asked for; every kind of failure reads
as one line and has its kind (engine.errors); the command line answers a
broken run with one line on stderr and exit code 1; and an atomic save that
fails at any stage — no room, a read-only folder, a failing flush, fsync or
rename — leaves the old file whole and no temporary file behind."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
import torch

from engine import failpoints
from engine.errors import DeviceError, classify_failure, describe_error
from engine.events import StepDone
from engine.experiment_file import load_experiment

ROOT = Path(__file__).resolve().parents[2]
DIGITS = str(ROOT / "presets" / "digits_cnn.json")


# --- the failpoints ---------------------------------------------------------------------------

def test_a_fault_is_read_from_the_variable_or_refused(monkeypatch):
    assert failpoints.parse("cuda-oom@5") == failpoints.Fault("cuda-oom", 5)
    assert failpoints.parse(" cpu-oom@0 ") == failpoints.Fault("cpu-oom", 0)
    for bad in ("cuda-oom", "cuda-oom@", "gpu-oom@5", "cuda-oom@-1", "cuda-oom@five"):
        with pytest.raises(ValueError, match=f"{failpoints.ENV}=.*expected KIND@STEP"):
            failpoints.parse(bad)
    monkeypatch.delenv(failpoints.ENV, raising=False)
    assert failpoints.armed("auto") is None
    monkeypatch.setenv(failpoints.ENV, "device-lost@2")
    assert failpoints.armed("cuda") == failpoints.armed("auto") == failpoints.Fault("device-lost", 2)
    assert failpoints.armed("cpu") is None  # a GPU fault spares a run on the CPU
    monkeypatch.setenv(failpoints.ENV, "cpu-oom@2")
    assert failpoints.armed("cpu") == failpoints.Fault("cpu-oom", 2)


@pytest.mark.parametrize("spec, raised, kind", [
    ("cuda-oom@3", torch.OutOfMemoryError, "gpu_out_of_memory"),
    ("device-lost@3", torch.AcceleratorError, "device_failed"),
    ("cpu-oom@3", RuntimeError, "cpu_out_of_memory"),
    ("memory-error@3", MemoryError, "cpu_out_of_memory"),
    ("cuda-oom@0", torch.OutOfMemoryError, "gpu_out_of_memory"),
])
def test_train_raises_what_torch_raises_at_the_step(monkeypatch, spec, raised, kind):
    from engine.training import train

    monkeypatch.setenv(failpoints.ENV, spec)
    step = failpoints.parse(spec).step
    events = []
    with pytest.raises(raised) as caught:
        for event in train(load_experiment(DIGITS), epochs=1):
            events.append(event)
    assert type(caught.value) is raised
    assert [e.step for e in events if isinstance(e, StepDone)] == list(range(1, step))
    if step == 0:
        assert events == []  # not even RunStarted: as when the model does not fit on the GPU
    assert classify_failure(caught.value) == kind


# --- reading failures -------------------------------------------------------------------------

def real_cpu_out_of_memory() -> RuntimeError:
    try:
        torch.empty(2 ** 50, dtype=torch.uint8)  # 1 PiB: refused at once, nothing is allocated
    except RuntimeError as exc:
        return exc
    raise AssertionError("a petabyte was allocated")


@pytest.mark.parametrize("make, kind, line", [
    (lambda: torch.OutOfMemoryError(failpoints.CUDA_OOM_TEXT), "gpu_out_of_memory",
     "Out of memory on cuda (it tried to allocate 2.00 GiB): try a smaller batch size or model, or train on the CPU."),
    (lambda: RuntimeError("MPS backend out of memory (MPS allocated: 17.5 GB, other allocations: 1.2 GB, max allowed: "
                          "18.1 GB). Tried to allocate 256.00 MB on private pool."),
     "gpu_out_of_memory", "Out of memory on mps (it tried to allocate 256.00 MB): try a smaller batch size or model, "
     "or train on the CPU."),
    (lambda: torch.AcceleratorError(failpoints.DEVICE_LOST_TEXT), "device_failed",
     "The GPU (cuda) stopped working: CUDA error: an illegal memory access was encountered — train on the CPU, "
     "or try the GPU again."),
    (lambda: RuntimeError("CUDA error: device-side assert triggered\nCompile with `TORCH_USE_CUDA_DSA`"),
     "device_failed", "The GPU (cuda) stopped working: CUDA error: device-side assert triggered — train on the "
     "CPU, or try the GPU again."),
    (real_cpu_out_of_memory, "cpu_out_of_memory",
     "Out of memory on cpu (it tried to allocate 1024.0 TiB): try a smaller batch size, model or data set."),
    (MemoryError, "cpu_out_of_memory", "Out of memory on cpu: try a smaller batch size, model or data set."),
    (lambda: DeviceError("device cuda is not available: no CUDA GPU found"), "device_unavailable",
     "device cuda is not available: no CUDA GPU found"),
    (lambda: ValueError("bad\nvalue"), "other", "ValueError: bad"),
])
def test_each_failure_has_a_kind_and_one_readable_line(make, kind, line):
    exc = make()
    assert classify_failure(exc) == kind
    assert describe_error(exc) == line


# --- the command line -------------------------------------------------------------------------

@pytest.mark.parametrize("spec, expected", [
    ("cuda-oom@2", "error: Out of memory on cuda (it tried to allocate 2.00 GiB): try a smaller batch size or "
                   "model, or train on the CPU (--device cpu)."),
    ("cpu-oom@2", "error: Out of memory on cpu (it tried to allocate 2.0 GiB): try a smaller batch size, "
                  "model or data set."),
])
def test_headless_failures_are_one_line_and_exit_code_1(monkeypatch, spec, expected):
    from engine.cli import main

    monkeypatch.setenv(failpoints.ENV, spec)
    out, err = StringIO(), StringIO()
    assert main(["--headless", DIGITS, "--epochs", "1"], out, err) == 1
    assert err.getvalue() == expected + "\n"


def test_a_gpu_fault_spares_a_run_on_the_cpu(monkeypatch):
    """What the advice says works: the same run on the CPU trains past the step."""
    from engine.control import TrainingControl
    from engine.training import train

    monkeypatch.setenv(failpoints.ENV, "cuda-oom@2")
    control = TrainingControl()
    steps = []
    for event in train(load_experiment(DIGITS), control=control, device="cpu"):
        if isinstance(event, StepDone):
            steps.append(event.step)
            if event.step == 4:
                control.stop()
    assert steps == [1, 2, 3, 4]


def test_a_gpu_failing_under_headless_prints_no_traceback(tmp_path):
    """The real entry point, in a process of its own: stderr is one line."""
    env = {**os.environ, failpoints.ENV: "device-lost@2"}
    summary = tmp_path / "summary.json"
    result = subprocess.run([sys.executable, "main.py", "--headless", DIGITS, "--epochs", "1", "--summary-json",
                             str(summary)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.splitlines() == ["error: The GPU (cuda) stopped working: CUDA error: an illegal memory "
                                          "access was encountered — train on the CPU (--device cpu), or try the "
                                          "GPU again."]
    assert not summary.exists()  # no summary of a run that did not happen


# --- atomic saves under failure ---------------------------------------------------------------

class Failing:
    """A file handle whose ``method`` fails with ``error`` (after writing half, for write)."""

    def __init__(self, handle, method: str, error: OSError) -> None:
        self._handle, self._method, self._error = handle, method, error

    def __getattr__(self, name):
        attr = getattr(self._handle, name)
        if name != self._method:
            return attr

        def fail(*args):
            if name == "write":
                attr(args[0][: len(args[0]) // 2])
            raise self._error
        return fail

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._handle.close()


STAGES = {
    "read-only folder": OSError(errno.EROFS, "Read-only file system"),
    "write": OSError(errno.ENOSPC, "No space left on device"),
    "flush": OSError(errno.ENOSPC, "No space left on device"),
    "fsync": OSError(errno.EIO, "Input/output error"),
    "rename": OSError(errno.EACCES, "Permission denied"),
}


def inject(monkeypatch, module, stage: str) -> None:
    error = STAGES[stage]
    if stage == "read-only folder":  # as mkstemp meets it (root ignores a chmod, so it is simulated)
        def no_temp(*args, **kwargs):
            raise error
        monkeypatch.setattr(module.tempfile, "mkstemp", no_temp)
    elif stage in ("write", "flush"):
        real = os.fdopen
        monkeypatch.setattr(module.os, "fdopen", lambda fd, *a, **k: Failing(real(fd, *a, **k), stage, error))
    else:
        def fail(*args):
            raise error
        monkeypatch.setattr(module.os, "fsync" if stage == "fsync" else "replace", fail)


def savers():
    from engine import comparison_file, experiment_file, weights_file
    from engine.presets import list_comparisons
    from engine.weights_file import WeightsFileError, save_weights

    experiment = load_experiment(DIGITS)
    comparison = comparison_file.load_comparison(list_comparisons()[0].path)
    zeros = {name: torch.zeros(shape).numpy() for name, (shape, _) in
             weights_file.expected_state(experiment).items()}
    return {
        "experiment": (experiment_file, lambda path: experiment_file.save_experiment(experiment, path), OSError),
        "comparison": (experiment_file, lambda path: comparison_file.save_comparison(comparison, path), OSError),
        "weights": (weights_file, lambda path: save_weights(path, experiment, zeros), WeightsFileError),
    }


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("what", ["experiment", "comparison", "weights"])
def test_a_save_that_fails_at_any_stage_keeps_the_old_file(monkeypatch, tmp_path, what, stage):
    module, save, raised = savers()[what]
    path = tmp_path / "old.file"
    path.write_bytes(b"the old file, whole")
    with monkeypatch.context() as patch:
        inject(patch, module, stage)
        with pytest.raises(raised) as caught:
            save(path)
    assert STAGES[stage].strerror in str(caught.value)  # the reason, as the window shows it
    assert path.read_bytes() == b"the old file, whole"
    assert [p.name for p in tmp_path.iterdir()] == ["old.file"]  # no temporary file left
    save(path)  # and with the disk well again, the save goes through
    assert path.read_bytes() != b"the old file, whole"


# --- a download cancelled while the server is silent --------------------------------------------

def test_a_cancel_reaches_a_download_waiting_on_a_stalled_server(tmp_path, monkeypatch):
    """The read blocks on a connection that sends nothing more; the cancel must
    end it at once, not when the socket times out (the window waited for that
    to close, its worker still running)."""
    import functools
    import hashlib
    import http.server
    import threading
    import urllib.request

    from engine import downloads

    data = os.urandom(200_000)
    (tmp_path / "big.gz").write_bytes(data)
    cancel = threading.Event()

    class Stalling(http.server.SimpleHTTPRequestHandler):
        def copyfile(self, source, outputfile):
            outputfile.write(source.read(1 << 16))
            outputfile.flush()
            cancel.wait()  # silent until the client has given up

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Stalling, directory=str(tmp_path)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setitem(downloads.SOURCES, "mnist", downloads.Source(
        "mnist", "MNIST", f"http://127.0.0.1:{server.server_address[1]}/",
        (downloads.RemoteFile("big.gz", len(data), hashlib.sha256(data).hexdigest()),)))
    monkeypatch.setattr(downloads, "TIMEOUT_S", 5)  # without the fix: DownloadError after 5 s, not a cancel
    reading = threading.Event()

    class Response:
        """urlopen's response, saying when the read that will wait has begun."""

        def __init__(self, response):
            self._response, self._reads = response, 0

        def read(self, n):
            self._reads += 1
            if self._reads == 2:  # the first chunk came; the server is silent from here
                reading.set()
            return self._response.read(n)

        def __getattr__(self, name):
            return getattr(self._response, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self._response.close()

    def opener(url, timeout):
        return Response(urllib.request.urlopen(url, timeout=timeout))

    threading.Thread(target=lambda: (reading.wait(), cancel.set()), daemon=True).start()  # the user cancels
    try:
        with pytest.raises(downloads.DownloadCancelled):
            downloads.download("mnist", root=tmp_path / "data", cancelled=cancel.is_set, opener=opener)
    finally:
        cancel.set()
        server.shutdown()
    assert list((tmp_path / "data" / "mnist").iterdir()) == []  # the part file went too
