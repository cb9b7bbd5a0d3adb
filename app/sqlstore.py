"""Opening the home's SQLite files: a damaged or unwritable file is a message that names it and says
what to do, never a traceback, and nothing else in the home is touched. Several threads and
processes open the same files (parallel backups, the window and a scheduled run): a file that is
busy for a moment is waited for, never mistaken for a damaged one."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from app.errors import UsageError

BUSY_SECONDS = 10.0


def open_db(path: Path, prepare: Callable[[sqlite3.Connection], object]) -> sqlite3.Connection:
    """Connect to *path* (WAL, a busy timeout) and run *prepare* (the schema); translate failures."""
    deadline = time.monotonic() + BUSY_SECONDS
    while True:
        try:
            return _open(path, prepare)
        except sqlite3.OperationalError as exc:
            busy = "locked" in str(exc) or "busy" in str(exc)
            if not busy or time.monotonic() > deadline:
                raise _explain(path, exc) from None
            time.sleep(0.05)  # another connection holds the lock for a moment: wait, then retry
        except sqlite3.DatabaseError as exc:
            raise _explain(path, exc) from None


def _open(path: Path, prepare: Callable[[sqlite3.Connection], object]) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=BUSY_SECONDS)
    try:
        db.execute(f"PRAGMA busy_timeout={int(BUSY_SECONDS * 1000)}")
        if str(db.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
            db.execute("PRAGMA journal_mode=WAL")
        prepare(db)
    except BaseException:
        db.close()
        raise
    return db


def _explain(path: Path, exc: sqlite3.DatabaseError) -> UsageError:
    text = str(exc)
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return UsageError(f"{path} cannot be written ({text}); the home must be writable for this command.")
    if "disk is full" in text or "disk I/O" in text:
        return UsageError(f"{path} cannot be written: {text}. Free some space and try again.")
    if "locked" in text or "busy" in text:
        return UsageError(f"{path} is in use by another promoter and stayed locked; try again in a moment.")
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return UsageError(
            f"{path} is damaged ({text}). Move it aside (mv '{path}' '{path}.damaged') and run the "
            "command again: a new, empty one is made; nothing else in the home is touched."
        )
    return UsageError(f"{path} cannot be opened ({text}).")
