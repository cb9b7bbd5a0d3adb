"""SIGINT and SIGTERM become a cancel of the running write (or backup): the engine stops at the next
chunk or step and rolls back what it wrote. The rollback itself is not cancellable; further signals only say
so. (A ``kill -9`` cannot be caught: history marks the run interrupted and names the backup.)"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from app.engine.events import CancelToken

WRITE = ("cancelling; anything written is rolled back…", "still cancelling; a rollback runs to its end")
READ = ("cancelling; what is under way stops at its next piece…", "still cancelling")


@contextmanager
def cancel_on_signals(token: CancelToken, said: tuple[str, str] = WRITE) -> Iterator[CancelToken]:
    """SIGINT and SIGTERM set *token* while the block runs; *said* is what the first signal and a
    later one print (a write's words, or :data:`READ`'s for a command that only reads)."""
    if threading.current_thread() is not threading.main_thread():
        yield token
        return

    def handle(signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if token.is_set():
            print(f"promoter: {name} again: {said[1]}", file=sys.stderr)
            return
        print(f"promoter: {name}: {said[0]}", file=sys.stderr)
        token.cancel()

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield token
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
