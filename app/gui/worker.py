"""Run an engine operation on a worker thread; only signals reach the widgets.

Signals:
    event(object): an engine :class:`~app.engine.events.Event`.
    finished(object): the operation's result.
    failed(str, str): a readable message (never a traceback), and its details (error kind, HTTP
        status, the server's own text).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from app import logs
from app.engine.events import CancelToken, Event
from app.errors import PromoterError


class Worker(QObject):
    # An engine Event. The name shadows QObject.event on purpose: renamed (to "emitted" and others,
    # with PySide6 6.12), the interpreter aborts at exit after a promotion ("bool_dealloc:
    # deallocating True or False"); tests/test_gui_exit.py guards it.
    event = Signal(object)  # type: ignore[assignment]
    finished = Signal(object)
    failed = Signal(str, str)

    def __init__(self, job: Callable[[Callable[[Event], None], CancelToken], Any]) -> None:
        super().__init__()
        self.job = job
        self.cancel = CancelToken()

    def run(self) -> None:
        try:
            result = self.job(self.event.emit, self.cancel)
        except PromoterError as exc:
            self.failed.emit(exc.message, error_details(exc))
        except Exception as exc:
            logs.gui.exception("worker failed")
            self.failed.emit(
                f"Unexpected error: {type(exc).__name__}: {logs.redact(str(exc))}",
                "The full report is in the log file under the home folder.",
            )
        else:
            self.finished.emit(result)


def start(worker: Worker, parent: QObject) -> QThread:
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
