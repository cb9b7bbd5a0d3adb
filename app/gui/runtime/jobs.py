"""Background jobs for the window: engine calls on worker threads, one at a time per target.

A worker's signals reach the callbacks through a :class:`_Relay` that lives on the GUI thread, so
callbacks (often plain functions or lambdas, which PySide would otherwise call on the emitting
thread) always run on the GUI thread.

When the window quits, :meth:`JobRunner.cancel_all` cancels every job and silences the runner:
from then on a job's end is only logged and emitted as ``reported``, its callbacks are not called
(nothing pops up, nothing starts a follow-up job); ``all_done`` says when every thread has ended,
so the window can close the Context without blocking the GUI thread on a wait.

Signals:
    busy_changed(str): a summary of what is running ("" when idle), for the status bar.
    reported(str): after :meth:`JobRunner.cancel_all`, how a job ended ("promoting dev → qa: …").
    all_done(): the last worker thread has ended.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar, cast

from PySide6.QtCore import QObject, QThread, Signal, Slot

from app import logs
from app.engine.events import Event
from app.gui.runtime.pyside_refs import emit
from app.gui.runtime.worker import Job, Worker, start

R = TypeVar("R")

# Read-only jobs the window starts by itself (connection checks, version lists): quitting cancels
# them without asking the user.
BACKGROUND_KEYS = ("check:", "versions:", "overview:")


class _Relay(QObject, Generic[R]):
    """Receives a worker's signals on the GUI thread and calls the callbacks there: *on_done* gets
    the job's result, of the type the job returns (a signal carries it as ``object``)."""

    def __init__(
        self,
        runner: JobRunner,
        key: str,
        label: str,
        on_done: Callable[[R], None],
        on_error: Callable[[str], None],
        on_event: Callable[[Event], None] | None,
    ) -> None:
        super().__init__(runner)
        self.runner, self.key, self.label = runner, key, label
        self.on_done, self.on_error, self.on_event = on_done, on_error, on_event

    @Slot(object)
    def progress(self, event: Event) -> None:
        if self.on_event is not None:
            self.on_event(event)

    @Slot(object)
    def done(self, result: object) -> None:
        self.runner._release(self.key, self)
        if self.runner.quitting:
            status = str(getattr(result, "status", "done")).replace("_", " ")
            message = getattr(result, "message", "")
            self.runner._report(f"{self.label}: {status}" + (f": {message}" if message else ""))
        else:
            self.on_done(cast(R, result))  # the worker emits what its Job[R] returned

    @Slot(str, str)
    def error(self, message: str, details: str) -> None:
        self.runner._release(self.key, self)
        self.runner.last_details = details
        if self.runner.quitting:
            self.runner._report(f"{self.label}: failed: {message}")
        else:
            self.on_error(message)

    @Slot()
    def thread_done(self) -> None:
        self.runner._forget(self)


class JobRunner(QObject):
    busy_changed = Signal(str)
    reported = Signal(str)
    all_done = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # whatever their result types: the runner only cancels and forgets them
        self._running: dict[str, tuple[str, Worker[Any], _Relay[Any]]] = {}
        self._alive: dict[_Relay[Any], tuple[Worker[Any], QThread]] = {}
        self.last_details = ""  # the details of the last failure, for the error box
        self.quitting = False  # set by cancel_all: callbacks are no longer called

    def is_busy(self, key: str) -> bool:
        return key in self._running

    @property
    def running(self) -> list[str]:
        return [label for label, _w, _r in self._running.values()]

    @property
    def started_by_user(self) -> list[str]:
        """The labels of the running jobs that are not :data:`BACKGROUND_KEYS` jobs."""
        return [entry[0] for key, entry in self._running.items() if not key.startswith(BACKGROUND_KEYS)]

    @property
    def active(self) -> bool:
        """Whether a job runs or its thread has not ended yet (the Context is still in use)."""
        return bool(self._running or self._alive)

    def run(
        self,
        key: str,
        label: str,
        job: Job[R],
        on_done: Callable[[R], None],
        on_error: Callable[[str], None],
        on_event: Callable[[Event], None] | None = None,
    ) -> Worker[R] | None:
        """Start *job* unless a job with the same *key* (a target) is running; return its worker.
        *on_done* takes what *job* returns (mypy checks it: a slot expecting a ``BundleReport`` is
        given a job that returns one)."""
        if self.quitting:
            logs.gui.info("not starting %s: the window is quitting", label)
            return None
        if key in self._running:
            self.last_details = ""
            on_error(f"Something is already running on {key}: {self._running[key][0]}. Wait for it.")
            return None
        worker = Worker(job)
        relay: _Relay[R] = _Relay(self, key, label, on_done, on_error, on_event)
        worker.event.connect(relay.progress)
        worker.finished.connect(relay.done)
        worker.failed.connect(relay.error)
        thread = start(worker, self)
        thread.finished.connect(relay.thread_done)
        self._running[key] = (label, worker, relay)
        self._alive[relay] = (worker, thread)
        emit(self.busy_changed, ", ".join(self.running))
        return worker

    def _release(self, key: str, relay: _Relay[Any]) -> None:
        entry = self._running.get(key)
        if entry is not None and entry[2] is relay:
            del self._running[key]
            emit(self.busy_changed, ", ".join(self.running))

    def _report(self, text: str) -> None:
        logs.gui.info("after quitting: %s", text)
        emit(self.reported, text)

    def _forget(self, relay: _Relay[Any]) -> None:
        self._release(relay.key, relay)  # in case the worker ended without a signal
        pair = self._alive.pop(relay, None)
        if pair is not None:
            pair[1].wait()  # the thread has finished; this only joins it
            pair[1].deleteLater()
        relay.deleteLater()
        if not self.active:
            emit(self.all_done)

    def cancel(self, key: str) -> None:
        entry = self._running.get(key)
        if entry is not None:
            entry[1].cancel.cancel()

    def cancel_all(self) -> None:
        """Quitting: cancel every job (the engine rolls back what it wrote) and stop calling
        callbacks; returns at once. Wait for ``all_done`` before closing the Context."""
        self.quitting = True
        for _label, worker, _relay in self._running.values():
            worker.cancel.cancel()
