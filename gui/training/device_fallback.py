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

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from engine.errors import CPU_OUT_OF_MEMORY, DEVICE_UNAVAILABLE, GPU_KINDS, PROCESS_DIED

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
    """Offers the CPU after a GPU failure and carries it out.

    Gets what it uses: the document (a callable, since the window has none
    until the engine has loaded), the banner, the window's message log, and
    ``train`` for the retry; ``parent`` owns the message box."""

    def __init__(self, parent: QWidget, document: Callable[[], object | None], banner: object,
                 show_message: Callable[[str, str, QMessageBox.Icon], None],
                 messages: list[tuple[str, str]], runner: object, train: Callable[[], None]) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self.document = document
        self.banner = banner
        self.show_message = show_message
        self.messages = messages
        self.runner = runner
        self.train = train
        self.box: QMessageBox | None = None

    def offers(self, kind: str) -> bool:
        """Whether "Train on CPU" is worth offering after a failure of ``kind``."""
        document = self.document()
        return (kind in GPU_KINDS and document is not None
                and document.experiment.training.device != "cpu")

    def show_failure(self, line: str, kind: str, steps: int) -> None:
        """The banner and the message box for a failed run, with the button where it fits."""
        document = self.document()
        batch_size = document.experiment.training.batch_size if document is not None else None
        text = failure_text(line, kind, steps, batch_size)
        if not self.offers(kind):
            self.banner.show_message(text, "error")
            self.show_message(TITLE, text, QMessageBox.Icon.Critical)
            return
        self.banner.show_message(text, "error", TRAIN_ON_CPU, self.train_on_cpu, TRAIN_ON_CPU_TIP)
        # The message box offers the same, so one click is enough from either.
        self.messages.append((TITLE, text))
        box = QMessageBox(QMessageBox.Icon.Critical, TITLE, text, QMessageBox.StandardButton.Close,
                          self.parent_widget)
        button = box.addButton(TRAIN_ON_CPU, QMessageBox.ButtonRole.AcceptRole)
        button.setToolTip(TRAIN_ON_CPU_TIP)
        box.setDefaultButton(button)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        button.clicked.connect(self.train_on_cpu)
        self.box = box
        box.open()  # window-modal, without blocking the caller (nor tests)

    def train_on_cpu(self) -> None:
        """Device → cpu (one undoable step, skipped when it already is), then Train."""
        document = self.document()
        if document is None or self.runner.is_active:
            return
        experiment = document.experiment
        if experiment.training.device != "cpu":
            document.set(experiment.with_training(device="cpu"), TRAIN_ON_CPU)
        self.train()
