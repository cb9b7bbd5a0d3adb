"""The local archive of configuration zips (offline backups), indexed in SQLite (no Qt)."""

from app.archive.store import Archive, Entry, VerifyResult

__all__ = ["Archive", "Entry", "VerifyResult"]
