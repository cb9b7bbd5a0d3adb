"""What a read-only plan read of the source, kept in the home (``HOME/cache/plans/``) by the plan's
stamp, so that the promotion of that plan (the window's, or ``promote --expect-plan STAMP``) sends
that read instead of downloading the source again when the source still looks as it did.

"Looks as it did" is what a cheap read can see, read *before* the plan's download was asked for: the
model's digest, the label the server serves and its version list (``headstart.read_seen``). Every
change the server makes through its own calls moves one of them; an upload that keeps the label
does not (see ARCHITECTURE.md, "What the Overview reads again"), nor do changes that put all three
back as they were. Then the promotion sends the bytes the plan read, which are what the user
confirmed: the plan's stamp describes exactly what is sent. The target is never taken from here:
its read under the lock is the run's backup and is always downloaded.

A record is checked on load (format, types, the stamp, the source's target key); the archive entry
it names must still hold the recorded sha256, re-hashed from its file. A wrong or missing record is
deleted or ignored and the source downloaded, never trusted.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app import logs
from app.fsutil import atomic_write_bytes
from app.paths import Home

FORMAT = 1
KEEP = 20  # the newest records kept; a plan older than these is promoted by downloading again
log = logs.engine


@dataclass(frozen=True)
class SourceRead:
    stamp: str
    target_key: str  # the source's (URL + app)
    model: str  # the digest of the source's model, as read before the download
    current: str  # the label served then
    versions: tuple[str, ...]  # the version list then
    export_id: int  # the archive entry of the plan's download of the source
    sha256: str

    @property
    def seen(self) -> tuple[str, str, tuple[str, ...]]:
        return self.model, self.current, self.versions


def folder(home: Home) -> Path:
    return home.root / "cache" / "plans"


def path_for(home: Home, stamp: str) -> Path:
    return folder(home) / f"{hashlib.sha256(stamp.encode()).hexdigest()[:32]}.json"


def keep(home: Home, record: SourceRead) -> None:
    """Write *record* (a full disk costs the promotion a download, not the plan its answer)."""
    data = {"format": FORMAT, **record.__dict__, "versions": list(record.versions)}
    try:
        folder(home).mkdir(parents=True, exist_ok=True, mode=0o700)
        atomic_write_bytes(path_for(home, record.stamp), json.dumps(data).encode())
        kept = sorted(folder(home).glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in kept[KEEP:]:
            old.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("the plan's reads could not be recorded (%s): its promotion reads again", exc)


def load(home: Home, stamp: str, target_key: str) -> SourceRead | None:
    """The record of the plan stamped *stamp* whose source is *target_key*; None when there is none
    or it is not what :func:`keep` writes (then it is deleted)."""
    path = path_for(home, stamp)
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError, RecursionError) as exc:
        _discard(path, str(exc))
        return None
    try:
        record = _record(data)
    except (KeyError, TypeError, ValueError) as exc:
        _discard(path, str(exc))
        return None
    return record if record.stamp == stamp and record.target_key == target_key else None


def _record(data: Any) -> SourceRead:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError("of another format")
    if set(data) != {"format", *SourceRead.__dataclass_fields__}:
        raise ValueError("its fields are not a record's")
    texts = [data[k] for k in ("stamp", "target_key", "model", "current", "sha256")]
    if not all(isinstance(t, str) for t in texts):
        raise TypeError("a field is not text")
    versions, export_id = data["versions"], data["export_id"]
    if not isinstance(versions, list) or not all(isinstance(v, str) for v in versions):
        raise TypeError("versions is not a list of labels")
    if not isinstance(export_id, int) or isinstance(export_id, bool) or export_id <= 0:
        raise TypeError("export_id is not an entry id")
    if not re.fullmatch(r"[0-9a-f]{64}", data["sha256"]) or not re.fullmatch(r"[0-9a-f]{64}", data["model"]):
        raise ValueError("a digest is not a sha256")
    return SourceRead(
        data["stamp"],
        data["target_key"],
        data["model"],
        data["current"],
        tuple(versions),
        export_id,
        data["sha256"],
    )


def _discard(path: Path, why: str) -> None:
    log.warning("plan record %s is not trusted (%s): deleted, the source is read again", path.name, why)
    with contextlib.suppress(OSError):
        path.unlink()
