"""One write operation per target at a time, across processes: an flock under ``HOME/locks``.

The kernel releases the lock when the process dies (even by ``kill -9``), so no stale lock is left.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from app.errors import SafetyRefusal


class TargetLock:
    def __init__(self, locks_dir: Path, target: str) -> None:
        locks_dir.mkdir(parents=True, exist_ok=True)
        self.path = locks_dir / f"{target}.lock"
        self.target = target
        self._fd: int | None = None

    def __enter__(self) -> TargetLock:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise SafetyRefusal(
                f"Another operation is writing to {self.target} right now (pid {holder}); "
                "wait for it to finish."
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
