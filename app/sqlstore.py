"""Opening the home's SQLite files: a damaged or unwritable file is a message that names it and says
what to do, never a traceback, and nothing else in the home is touched."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from app.errors import UsageError


def open_db(path: Path, prepare: Callable[[sqlite3.Connection], object]) -> sqlite3.Connection:
    """Connect to *path* (WAL, a busy timeout) and run *prepare* (the schema); translate failures."""
    try:
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA busy_timeout=5000")
        db.execute("PRAGMA journal_mode=WAL")
        prepare(db)
    except sqlite3.DatabaseError as exc:
        text = str(exc)
        if "readonly" in text or "read-only" in text or "unable to open" in text:
            raise UsageError(
                f"{path} cannot be written ({text}); the home must be writable for this command."
            ) from None
        if "disk is full" in text or "disk I/O" in text:
            raise UsageError(f"{path} cannot be written: {text}. Free some space and try again.") from None
        raise UsageError(
            f"{path} is damaged ({text}). Move it aside (mv '{path}' '{path}.damaged') and run the "
            "command again: a new, empty one is made; nothing else in the home is touched."
        ) from None
    return db
