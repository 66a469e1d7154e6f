"""What the window says when a run fails, and the way out when the GPU was
the problem: "Train on CPU".

A run can fail because the GPU ran out of memory, because it stopped working
mid-run (a CUDA error), or because the chosen device is not there at all;
the runner says which (``TrainingRunner.failure_kind``, one of
engine.errors' kinds). After those the banner and the message box offer
"Train on CPU": the experiment's device becomes ``cpu`` as one undoable edit
(the user's choice, so the document is dirty afterwards, and Undo gives the
GPU back) and training starts again. Running out of main memory suggests a
smaller batch size instead, since the CPU has no further fallback. Either
way the experiment itself is unchanged by the failure: nothing is edited
unless the user presses the button.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QMessageBox

from engine.errors import CPU_OUT_OF_MEMORY, DEVICE_UNAVAILABLE, GPU_KINDS, PROCESS_DIED

if TYPE_CHECKING:
    from gui.main_window import MainWindow

TITLE = "Training failed"
TRAIN_ON_CPU = "Train on CPU"
TRAIN_ON_CPU_TIP = "Set the experiment's device to CPU (Undo brings the GPU back) and train again"


def failure_text(line: str, kind: str, steps: int, batch_size: int | None = None) -> str:
    """The banner's text: what happened, when, and what to do. ``line`` is
    engine.errors.describe_error's (it names the device), ``steps`` the steps
    that had trained."""
    if kind in (DEVICE_UNAVAILABLE, PROCESS_DIED):
        when = ""  # the device was never used / the line says what happened
    elif steps:
        when = f" after {steps:,} step{'s' if steps != 1 else ''}"
    else:
        when = " before the first step"
    text = f"Training failed{when}: {line}"
    if not text.endswith("."):
        text += "."
    if kind == CPU_OUT_OF_MEMORY and batch_size:
        text += f" The batch size is {batch_size:,}; half of it needs about half the memory."
    if kind != PROCESS_DIED:  # that line says so already
        text += " The experiment is unchanged."
    return text


class DeviceFallback(QObject):
    """Offers the CPU after a GPU failure and carries it out."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window

    def offers(self, kind: str) -> bool:
        """Whether "Train on CPU" is worth offering after a failure of ``kind``."""
        document = self.window.document
        return (kind in GPU_KINDS and document is not None
                and document.experiment.training.device != "cpu")

    def show_failure(self, line: str, kind: str, steps: int) -> None:
        """The banner and the message box for a failed run, with the button where it fits."""
        window = self.window
        document = window.document
        batch_size = document.experiment.training.batch_size if document is not None else None
        text = failure_text(line, kind, steps, batch_size)
        if not self.offers(kind):
            window.banner.show_message(text, "error")
            window.show_message(TITLE, text, QMessageBox.Icon.Critical)
            return
        window.banner.show_message(text, "error", TRAIN_ON_CPU, self.train_on_cpu, TRAIN_ON_CPU_TIP)
        # The message box offers the same, so one click is enough from either.
        window.messages.append((TITLE, text))
        box = QMessageBox(QMessageBox.Icon.Critical, TITLE, text, QMessageBox.StandardButton.Close, window)
        button = box.addButton(TRAIN_ON_CPU, QMessageBox.ButtonRole.AcceptRole)
        button.setToolTip(TRAIN_ON_CPU_TIP)
        box.setDefaultButton(button)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        button.clicked.connect(self.train_on_cpu)
        self.box = box
        box.open()  # window-modal, without blocking the caller (nor tests)

    def train_on_cpu(self) -> None:
        """Device → cpu (one undoable step, skipped when it already is), then Train."""
        window = self.window
        if window.document is None or window.runner.is_active:
            return
        experiment = window.document.experiment
        if experiment.training.device != "cpu":
            window.document.set(experiment.with_training(device="cpu"), TRAIN_ON_CPU)
        window.train()
