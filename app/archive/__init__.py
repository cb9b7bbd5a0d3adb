"""The local archive of configuration zips (offline backups), indexed in SQLite (no Qt)."""

from app.archive.store import Archive, Drill, Entry, VerifyResult

__all__ = ["Archive", "Drill", "Entry", "VerifyResult"]
