"""Long work on the GUI thread, done in slices between events: a plan of thousands of changes is
added to its tree a few milliseconds at a time, so the window keeps answering (the benchmark's
bound: no stall over 50 ms)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from PySide6.QtCore import QObject, QTimer

FIRST_CAP = 0.03  # seconds: the first slice's bound, whatever its count of steps (stalls stay under 50 ms)


class Slices(QObject):
    """Runs one generator at a time: ``start`` drops the one running (a newer plan replaces it)."""

    def __init__(self, parent: QObject | None = None, budget_ms: float = 8.0) -> None:
        super().__init__(parent)
        self.budget = budget_ms / 1000
        self._work: Iterator[None] | None = None
        self._around: Callable[[Callable[[], bool]], bool] | None = None
        self._done: Callable[[], None] | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._step)

    @property
    def running(self) -> bool:
        return self._work is not None

    def start(
        self,
        work: Iterator[None],
        done: Callable[[], None] | None = None,
        around: Callable[[Callable[[], bool]], bool] | None = None,
        first: int = 0,
    ) -> None:
        """Run *work*: its first *first* steps at once (a small plan is shown whole before this
        returns), unless they take over ``FIRST_CAP`` (a large plan's first rows can be thousands of
        items), the rest a slice per event-loop turn; then *done()*. *around(slice)* wraps each
        slice (to block the tree's signals while it grows)."""
        self.stop()
        self._work, self._done, self._around = work, done, around
        if self._run(first_steps=first):
            self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self._work = self._done = self._around = None

    def finish(self) -> None:
        """Run what is left at once (a test, or a caller that needs the whole tree now)."""
        while self._work is not None:
            self._run(first_steps=None)

    def _step(self) -> None:
        if self._work is not None and self._run(first_steps=0):
            self._timer.start()

    def _run(self, first_steps: int | None) -> bool:
        """One slice; True when there is more to do."""
        work = self._work
        assert work is not None

        def slice_() -> bool:
            began = time.perf_counter()
            deadline, cap = began + self.budget, began + max(self.budget, FIRST_CAP)
            steps = 0
            for _ in work:
                steps += 1
                if first_steps is None:
                    continue
                now = time.perf_counter()
                if (steps >= max(first_steps, 1) and now >= deadline) or now >= cap:
                    return True
            return False

        more = self._around(slice_) if self._around is not None else slice_()
        if not more:
            done = self._done
            self._work = self._done = self._around = None
            if done is not None:
                done()
        return more
