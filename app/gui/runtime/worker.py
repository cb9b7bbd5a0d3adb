"""Run an engine operation on a worker thread; only signals reach the widgets.

Signals:
    event(object): an engine :class:`~app.engine.events.Event`.
    finished(object): the operation's result.
    failed(str, str): a readable message (never a traceback), and its details (error kind, HTTP
        status, the server's own text).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from PySide6.QtCore import QObject, QThread, Signal

from app import logs
from app.engine.events import CancelToken, Event, Listener
from app.errors import PromoterError
from app.gui.runtime.pyside_refs import emit

R = TypeVar("R")
Job = Callable[[Listener, CancelToken], R]  # an engine call: events to the listener, stops on cancel


class Worker(QObject, Generic[R]):
    """Runs one :data:`Job` returning an ``R``; ``finished`` carries that result (as ``object``:
    a signal's type is not generic; the runner's relay hands it on typed)."""

    # An engine Event. (Renaming it once seemed to make the interpreter abort at exit: the cause
    # was PySide6's emit() losing a reference to the bool it returns, see app/gui/runtime/pyside_refs.py;
    # tests/test_gui_exit.py and tests/test_gui_pyside_refs.py guard it.)
    event = Signal(object)  # type: ignore[assignment]
    finished = Signal(object)
    failed = Signal(str, str)

    def __init__(self, job: Job[R]) -> None:
        super().__init__()
        self.job = job
        self.cancel = CancelToken()

    def _event(self, event: Event) -> None:
        emit(self.event, event)  # see app/gui/runtime/pyside_refs.py: every Python emit goes through it

    def run(self) -> None:
        try:
            result = self.job(self._event, self.cancel)
        except PromoterError as exc:
            emit(self.failed, exc.message, error_details(exc))
        except Exception as exc:
            logs.gui.exception("worker failed")
            emit(
                self.failed,
                f"Unexpected error: {type(exc).__name__}: {logs.redact(str(exc))}",
                "The full report is in the log file under the home folder.",
            )
        else:
            emit(self.finished, result)


def start(worker: Worker[R], parent: QObject) -> QThread:
    thread = QThread(parent)
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    worker.finished.connect(thread.quit)
    worker.failed.connect(thread.quit)
    thread.start()
    return thread


def error_details(exc: PromoterError) -> str:
    """What a "Details" expander shows: the kind of error, the HTTP status, the server's text."""
    lines = [f"Error: {type(exc).__name__}"]
    status = getattr(exc, "status", None)
    if status is not None:
        lines.append(f"HTTP status: {status}")
    server = getattr(exc, "server_text", "")
    if server:
        lines.append(f"Server said: {logs.redact(server)}")
    if exc.details:
        lines.append(logs.redact(exc.details))
    return "\n".join(lines)
