"""Background jobs for the window: engine calls on worker threads, one at a time per target.

A worker's signals reach the callbacks through a :class:`_Relay` that lives on the GUI thread, so
callbacks (often plain functions or lambdas, which PySide would otherwise call on the emitting
thread) always run on the GUI thread.

Signals:
    busy_changed(str): a summary of what is running ("" when idle), for the status bar.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from app.engine.events import CancelToken, Event
from app.gui.worker import Worker, start

Job = Callable[[Callable[[Event], None], CancelToken], Any]


class _Relay(QObject):
    """Receives a worker's signals on the GUI thread and calls the callbacks there."""

    def __init__(
        self,
        runner: JobRunner,
        key: str,
        on_done: Callable[[Any], None],
        on_error: Callable[[str], None],
        on_event: Callable[[Event], None] | None,
    ) -> None:
        super().__init__(runner)
        self.runner, self.key = runner, key
        self.on_done, self.on_error, self.on_event = on_done, on_error, on_event

    @Slot(object)
    def progress(self, event: Event) -> None:
        if self.on_event is not None:
            self.on_event(event)

    @Slot(object)
    def done(self, result: Any) -> None:
        self.runner._release(self.key, self)
        self.on_done(result)

    @Slot(str, str)
    def error(self, message: str, details: str) -> None:
        self.runner._release(self.key, self)
        self.runner.last_details = details
        self.on_error(message)

    @Slot()
    def thread_done(self) -> None:
        self.runner._forget(self)


class JobRunner(QObject):
    busy_changed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._running: dict[str, tuple[str, Worker, _Relay]] = {}
        self._alive: dict[_Relay, tuple[Worker, QThread]] = {}
        self.last_details = ""  # the details of the last failure, for the error box

    def is_busy(self, key: str) -> bool:
        return key in self._running

    @property
    def running(self) -> list[str]:
        return [label for label, _w, _r in self._running.values()]

    def run(
        self,
        key: str,
        label: str,
        job: Job,
        on_done: Callable[[Any], None],
        on_error: Callable[[str], None],
        on_event: Callable[[Event], None] | None = None,
    ) -> Worker | None:
        """Start *job* unless a job with the same *key* (a target) is running; return its worker."""
        if key in self._running:
            self.last_details = ""
            on_error(f"Something is already running on {key}: {self._running[key][0]}. Wait for it.")
            return None
        worker = Worker(job)
        relay = _Relay(self, key, on_done, on_error, on_event)
        worker.event.connect(relay.progress)
        worker.finished.connect(relay.done)
        worker.failed.connect(relay.error)
        thread = start(worker, self)
        thread.finished.connect(relay.thread_done)
        self._running[key] = (label, worker, relay)
        self._alive[relay] = (worker, thread)
        self.busy_changed.emit(", ".join(self.running))
        return worker

    def _release(self, key: str, relay: _Relay) -> None:
        entry = self._running.get(key)
        if entry is not None and entry[2] is relay:
            del self._running[key]
            self.busy_changed.emit(", ".join(self.running))

    def _forget(self, relay: _Relay) -> None:
        pair = self._alive.pop(relay, None)
        if pair is not None:
            pair[1].wait()
            pair[1].deleteLater()
        relay.deleteLater()

    def cancel(self, key: str) -> None:
        entry = self._running.get(key)
        if entry is not None:
            entry[1].cancel.cancel()

    def shutdown(self, timeout_ms: int = 60000) -> None:
        """Cancel everything (the engine rolls back what it wrote) and wait for the threads."""
        for worker, _thread in self._alive.values():
            worker.cancel.cancel()
        for _worker, thread in list(self._alive.values()):
            thread.quit()
            thread.wait(timeout_ms)
        self._running.clear()
        self._alive.clear()
