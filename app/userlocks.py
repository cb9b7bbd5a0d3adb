"""This user's lock files: the one folder every home of this user shares, and a blocking hold on a
named lock in it (the kernel releases an ``flock`` when its process dies, even by ``kill -9``)."""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ENV_LOCK_DIR = "PROMOTER_LOCK_DIR"


def user_lock_dir() -> Path:
    """The per-user folder for locks (shared by every home of this user)."""
    explicit = os.environ.get(ENV_LOCK_DIR)
    if explicit:
        folder = Path(explicit)
    else:
        runtime = os.environ.get("XDG_RUNTIME_DIR")
        if runtime and Path(runtime).is_dir() and os.access(runtime, os.W_OK):
            folder = Path(runtime) / "backand-promoter" / "locks"
        else:
            folder = Path(tempfile.gettempdir()) / f"backand-promoter-{os.getuid()}" / "locks"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


@contextmanager
def held(name: str) -> Iterator[None]:
    """Wait for, then hold, this user's lock called *name* (one holder across processes and homes)."""
    fd = os.open(user_lock_dir() / f"{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the only descriptor releases the lock
