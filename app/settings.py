"""User settings that the engine honours: timeouts, retries, archive location, retention.

Declared once with types and defaults, stored in ``HOME/settings.json`` with a schema version.
(Window geometry and last selections are the GUI's, in QSettings; never a secret anywhere.)
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from app.errors import UsageError
from app.fsutil import atomic_write_bytes

SCHEMA_VERSION = 1
SETTLE_SECONDS = 600.0  # a timed-out write is awaited this long before its outcome is unknown


@dataclass(frozen=True)
class Settings:
    connect_timeout: float = 10.0
    read_timeout: float = 120.0
    call_deadline: float = 900.0  # a whole transfer of the configuration (an upload gets more, by its size)
    small_call_deadline: float = 60.0  # a whole call answered in JSON (every call but those transfers)
    retries: int = 2
    archive_dir: str = ""  # empty: HOME/archive
    settle_seconds: float = SETTLE_SECONDS
    keep_days: float = 30.0  # and every entry of the last this many days
    keep_per_kind: int = 20  # retention used by "Prune" (pinned and promotion backups always stay)
    plan_keep_days: float = 7.0  # a plan's reads (kind ``plan``) are kept this long, on their own rule
    # the restorability target of every environment (the Overview marks it amber when missed)
    target_backup_hours: float = 26.0  # a verified backup at most this old
    target_drill_days: float = 8.0  # a passing restore drill at most this old

    def validate(self) -> Settings:
        if not 0.5 <= self.connect_timeout <= 600 or not 1 <= self.read_timeout <= 3600:
            raise UsageError("Timeouts: connect 0.5–600 s, read 1–3600 s.")
        if not 10 <= self.call_deadline <= 86400:
            raise UsageError("Overall deadline of a call: 10–86400 s.")
        if not 1 <= self.small_call_deadline <= 3600:
            raise UsageError("Overall deadline of a call answered in JSON: 1–3600 s.")
        if not 1 <= self.settle_seconds <= 7200:
            raise UsageError("Settle time after a timed-out write: 1–7200 s.")
        if not 0 <= self.retries <= 10:
            raise UsageError("Retries: 0 to 10.")
        if not 0 <= self.plan_keep_days <= 3650:
            raise UsageError("Plan reads are kept 0–3650 days.")
        if not 1 <= self.target_backup_hours <= 24 * 366 or not 1 <= self.target_drill_days <= 366:
            raise UsageError("Restorability target: a backup within 1–8784 hours, a drill within 1–366 days.")
        if self.keep_per_kind < 1:
            raise UsageError("Retention keeps at least 1 entry per profile and kind.")
        return self


def load(path: Path) -> Settings:
    if not path.exists():
        return Settings()
    try:
        doc = json.loads(path.read_bytes())
    except ValueError as exc:
        raise UsageError(f"The settings file {path} is corrupted ({exc}).") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("schema_version"), int):
        raise UsageError(f"The settings file {path} is corrupted (no schema_version).")
    if doc["schema_version"] > SCHEMA_VERSION:
        raise UsageError(
            f"The settings file {path} is from a newer promoter (schema {doc['schema_version']})."
        )
    known = {f.name for f in fields(Settings)}
    values: dict[str, Any] = {k: v for k, v in doc.get("settings", {}).items() if k in known}
    try:
        return Settings(**values).validate()
    except TypeError as exc:
        raise UsageError(f"The settings file {path} has a bad value: {exc}.") from None


def save(path: Path, settings: Settings) -> None:
    settings.validate()
    doc = {"schema_version": SCHEMA_VERSION, "settings": asdict(settings)}
    atomic_write_bytes(path, json.dumps(doc, indent=2).encode() + b"\n")
