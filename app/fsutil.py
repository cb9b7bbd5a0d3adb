"""Atomic file writes: a temp file in the same folder, flushed, fsynced and renamed into place."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


@contextlib.contextmanager
def atomic_writer(path: Path, mode: int = 0o600) -> Iterator[BinaryIO]:
    """Yield a binary file; on normal exit it replaces *path* atomically, on error it vanishes.

    Readers never see a half-written file under the final name.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def copy_atomically(source: Path, dest: Path) -> None:
    """Copy *source* to *dest* in 1 MiB blocks; *dest* appears only complete, and durable."""
    with open(source, "rb") as src, atomic_writer(dest) as out:
        shutil.copyfileobj(src, out, 1024 * 1024)


def move_into(source: Path, dest: Path) -> None:
    """Move *source* to *dest* durably: a rename on the same disk, an atomic copy across disks (an
    archive kept elsewhere than the home's scratch folder)."""
    try:
        os.replace(source, dest)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        copy_atomically(source, dest)
        source.unlink()
        return
    fsync_dir(dest.parent)


def atomic_write_bytes(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write *data* to *path* atomically."""
    with atomic_writer(path, mode) as handle:
        handle.write(data)


def fsync_dir(folder: Path) -> None:
    """Make a rename in *folder* durable (no-op where directories cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def sha256_file(path: Path | str) -> str:
    """The sha256 of a file, read unbuffered in 1 MiB blocks (no copy through a buffer; measured
    faster than hashlib.file_digest, which zeroes a new 256 KiB buffer for every file)."""
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb", buffering=0) as handle:
        while block := handle.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()
