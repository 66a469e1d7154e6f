"""Generates the gallery's thumbnail samples on a worker thread.

One superqt GeneratorWorker goes through the data sets still missing from
the session's cache and yields each one's samples; the GUI thread stores
them and says which data set is ready, and the cards repaint. Examples on the
same data (most comparisons share their presets' data) are generated once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from PySide6.QtCore import QObject, Signal

from gui.common.task import Task
from gui.gallery.items import GalleryItem
from gui.gallery.thumbnails import ThumbnailSamples, dataset_key, thumbnail_samples

# Samples per data set for the whole session: reopening the gallery draws at once.
_SAMPLES: dict[tuple, ThumbnailSamples] = {}


def _generate(jobs: list[tuple[tuple, object, int]]) -> Iterator[tuple[tuple, ThumbnailSamples]]:
    for key, spec, seed in jobs:
        try:
            samples = thumbnail_samples(spec, seed)
        except Exception as exc:  # noqa: BLE001 - a picture that fails must not stop the others
            samples = ThumbnailSamples("none", text=f"{type(exc).__name__}: {exc}")
        yield key, samples  # the worker may be told to stop here


class ThumbnailLoader(QObject):
    loaded = Signal(tuple)  # the dataset_key whose samples are now in the cache
    finished = Signal()  # nothing left to generate

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.task = Task(self)
        self._waiting: dict[tuple, tuple[object, int]] = {}

    @staticmethod
    def samples(item: GalleryItem) -> ThumbnailSamples | None:
        return _SAMPLES.get(dataset_key(item.dataset, item.seed))

    @property
    def busy(self) -> bool:
        return self.task.busy or bool(self._waiting)

    def request(self, items: Iterable[GalleryItem]) -> None:
        for item in items:
            key = dataset_key(item.dataset, item.seed)
            if key not in _SAMPLES:
                self._waiting[key] = (item.dataset, item.seed)
        self._start()

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        """Stop after the data set being generated, and wait: a QThread
        destroyed while running aborts the process."""
        self._waiting.clear()
        self.task.shutdown(timeout_ms, stop=True)

    def _start(self) -> None:
        if self.task.busy or not self._waiting:
            return
        jobs = [(key, spec, seed) for key, (spec, seed) in self._waiting.items()]
        self._waiting.clear()
        self.task.start(_generate, jobs, on_yielded=self._on_yielded, on_finished=self._on_finished)

    def _on_yielded(self, result: tuple[tuple, ThumbnailSamples]) -> None:
        key, samples = result
        _SAMPLES[key] = samples
        self.loaded.emit(key)

    def _on_finished(self) -> None:
        if self._waiting:
            self._start()
        else:
            self.finished.emit()
