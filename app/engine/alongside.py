"""Work that runs on its own thread while the calling thread goes on (a download while the server
builds another): :class:`Alongside` starts it at once; ``result()`` waits and returns or raises
what the work did; ``abandon()`` asks it to stop and waits, so nothing is left running."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Alongside(Generic[T]):
    def __init__(self, work: Callable[[Callable[[], bool]], T], name: str) -> None:
        """*work(stopped)* runs on a new thread; it should return early when ``stopped()``."""
        self._stop = threading.Event()
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(work,), name=name, daemon=True)
        self._thread.start()

    def _run(self, work: Callable[[Callable[[], bool]], T]) -> None:
        try:
            self._value = work(self._stop.is_set)
        except BaseException as exc:  # handed to whoever waits for the result
            self._error = exc

    def result(self) -> T:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]

    def wait(self, timeout: float) -> bool:
        """Whether the work has ended, waiting for it at most *timeout* seconds."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def abandon(self) -> None:
        """Stop the work and wait for it; whatever it raised is dropped (the caller is failing
        already, with its own error)."""
        self._stop.set()
        self._thread.join()
