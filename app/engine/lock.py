"""One write per *target* at a time, for this user, across processes and homes.

A target is the app behind a profile: its normalised base URL plus the app name, so two profile
names for one app, or two homes, share one lock. The lock is an ``flock`` on a file in the user's
runtime folder (``$XDG_RUNTIME_DIR``, else a private folder in the temp directory); the kernel
releases it when the process dies, even by ``kill -9``, so no stale lock is left.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from pathlib import Path
from types import TracebackType

from app.errors import SafetyRefusal
from app.profile import Profile
from app.userlocks import user_lock_dir


class TargetLock:
    def __init__(self, profile: Profile, locks_dir: Path | None = None) -> None:
        key = profile.target_key
        digest = hashlib.sha256(key.encode()).hexdigest()[:20]
        self.path = (locks_dir or user_lock_dir()) / f"{profile.app.lower()}-{digest}.lock"
        self.target = profile.name
        self.key = key
        self._fd: int | None = None

    def __enter__(self) -> TargetLock:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise SafetyRefusal(
                f"Another operation is writing to {self.target} ({self.key}) right now (pid {holder}); "
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
