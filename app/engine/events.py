"""Events a running operation reports: steps, log lines, transfer progress; and the cancel flag."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from app import logs
from app.errors import Cancelled
from app.kinds import EventKind, StepStatus

log = logs.engine


@dataclass(frozen=True)
class Event:
    kind: EventKind
    step: str = ""
    status: StepStatus | None = None  # a step's
    message: str = ""
    done: int = 0
    total: int | None = None
    level: str = "info"
    at: float = field(default_factory=time.time)


Listener = Callable[[Event], None]


class CancelToken:
    """Set from any thread; checked between steps and between chunks."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._hooks: list[Callable[[], None]] = []

    def cancel(self) -> None:
        self._event.set()
        for hook in list(self._hooks):  # (no lock: cancel may run in a signal handler)
            hook()

    @contextmanager
    def hooked(self, hook: Callable[[], None]) -> Iterator[None]:
        """Call *hook* when cancelled while the block runs (at once when cancelled already): what
        waits where no check between chunks is reached, such as a server still building its reply,
        is cut short (``client.abort``)."""
        self._hooks.append(hook)
        try:
            if self.is_set():
                hook()
            yield
        finally:
            self._hooks.remove(hook)

    def is_set(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise Cancelled()


@dataclass
class StepRecord:
    name: str
    status: StepStatus = StepStatus.PENDING
    seconds: float = 0.0
    message: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "seconds": round(self.seconds, 3),
            "message": self.message,
        }


class Reporter:
    """Sends events to the listener, keeps the step records, and logs everything (redacted)."""

    def __init__(self, listener: Listener | None, cancel: CancelToken | None = None) -> None:
        self.listener = listener
        self.cancel = cancel or CancelToken()
        self.steps: list[StepRecord] = []

    def emit(self, event: Event) -> None:
        """Tell the listener; a listener that fails (a closed pipe, a bug in a front end) never stops
        the operation, and above all never its rollback. (A KeyboardInterrupt still goes through.)"""
        if self.listener is not None:
            try:
                self.listener(event)
            except Exception as exc:
                log.warning("a listener failed and was ignored: %s: %s", type(exc).__name__, exc)

    def log(self, message: str, level: str = "info") -> None:
        message = logs.redact(message)
        getattr(log, "warning" if level == "warning" else "info")(message)
        self.emit(Event(EventKind.LOG, message=message, level=level))

    def progress(self, step: str) -> Callable[[int, int | None], None]:
        def report(done: int, total: int | None) -> None:
            self.emit(Event(EventKind.PROGRESS, step=step, done=done, total=total))

        return report

    def skip(self, name: str, why: str) -> None:
        record = StepRecord(name, StepStatus.SKIPPED, 0.0, why)
        self.steps.append(record)
        self.emit(Event(EventKind.STEP, step=name, status=StepStatus.SKIPPED, message=why))
        self.log(f"{name}: skipped ({why})")

    def note(self, message: str) -> None:
        """Add *message* to the step under way (its record, hence ``--json`` and history) and log it."""
        running = [record for record in self.steps if record.status is StepStatus.RUNNING]
        if running:
            record = running[-1]
            record.message = f"{record.message}; {message}" if record.message else message
        self.log(message)

    @contextmanager
    def step(self, name: str, *, cancellable: bool = True) -> Iterator[StepRecord]:
        name = logs.redact(name)  # a step may be named after a server's value (a version label)
        if cancellable:
            self.cancel.check()
        record = StepRecord(name, StepStatus.RUNNING)
        self.steps.append(record)
        self.emit(Event(EventKind.STEP, step=name, status=StepStatus.RUNNING))
        started = time.monotonic()
        try:
            yield record
        except BaseException as exc:
            record.seconds = time.monotonic() - started
            record.status = StepStatus.FAILED
            record.message = logs.redact(str(exc))
            self.emit(Event(EventKind.STEP, step=name, status=StepStatus.FAILED, message=record.message))
            self.log(f"{name}: failed: {exc}", "warning")
            raise
        record.seconds = time.monotonic() - started
        record.status = StepStatus.DONE if record.status is StepStatus.RUNNING else record.status
        self.emit(Event(EventKind.STEP, step=name, status=record.status, message=record.message))

    def json_steps(self) -> list[dict[str, Any]]:
        return [s.as_json() for s in self.steps]
