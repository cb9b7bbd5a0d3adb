"""Back up environments into the archive: the live configuration with its model, and every server
version the archive does not hold yet. Read-only on every server; environments run concurrently
(bounded) and independently: one that fails is reported and does not stop the others.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from app.configdoc.diff import row_digests
from app.engine.context import Context
from app.engine.events import CancelToken, Listener, Reporter
from app.engine.result import describe
from app.errors import Cancelled
from app.profile import Profile
from app.secrets import SecretStoreError

MAX_AT_ONCE = 3
CANCELLED = "cancelled"  # a backup's status when the user stopped it (not a failure)


@dataclass
class BackupReport:
    profile: str
    status: str  # succeeded, failed, skipped, cancelled
    message: str = ""
    added: list[int] = field(default_factory=list)  # archive entry ids
    versions: list[str] = field(default_factory=list)  # server versions archived this time
    backup_id: int | None = None  # the entry holding the live state (new, or the unchanged newest)
    seconds: float = 0.0
    run_id: int = 0

    @property
    def ok(self) -> bool:
        return self.status == "succeeded"

    def as_json(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "status": self.status,
            "message": self.message,
            "added": self.added,
            "versions": self.versions,
            "backup_id": self.backup_id,
            "seconds": round(self.seconds, 3),
            "run_id": self.run_id,
        }


def back_up_all(
    ctx: Context,
    profiles: list[Profile],
    listener: Listener | None = None,
    at_once: int = MAX_AT_ONCE,
    cancel: CancelToken | None = None,
) -> list[BackupReport]:
    """Back up *profiles*, at most *at_once* at a time; the reports come back in the same order. A
    *cancel* stops each backup under way at its next chunk and starts no other."""
    if not profiles:
        return []
    with ThreadPoolExecutor(max_workers=max(1, at_once), thread_name_prefix="backup") as pool:
        return list(pool.map(lambda p: back_up(ctx, p, listener, cancel), profiles))


def back_up(
    ctx: Context, profile: Profile, listener: Listener | None = None, cancel: CancelToken | None = None
) -> BackupReport:
    """One environment; every failure becomes its report (and a history record), never an exception."""
    started = time.monotonic()
    reporter = Reporter(listener, cancel)
    report = BackupReport(profile.name, "failed")
    if reporter.cancel.is_set():
        report.status, report.message = CANCELLED, f"{profile.name}: cancelled before it began."
        return report
    try:
        report.run_id = ctx.history.start("backup", None, profile.name, profile.target_key)
        _back_up(ctx, profile, reporter, report)
        report.status = "succeeded"
        report.message = _said(profile.name, report)
    except Cancelled:  # the user's word, not a failure: the backup before this one still stands
        report.status, report.message = CANCELLED, _cancelled(profile.name, report)
    except SecretStoreError as exc:
        locked = "locked" in exc.message
        report.status = "skipped" if locked else "failed"
        report.message = f"{profile.name}: skipped: keyring locked." if locked else exc.message
    except Exception as exc:
        report.message = f"{profile.name}: {describe(exc)}"
        if reporter.cancel.is_set():  # a call the cancel cut short ends as it can: a cancel
            report.status, report.message = CANCELLED, _cancelled(profile.name, report)
    report.seconds = time.monotonic() - started
    try:
        if report.run_id:
            ctx.history.finish(
                report.run_id,
                report.status,
                report.message,
                {"versions": report.versions},
                reporter.json_steps(),
                {"added": report.added},
            )
    except Exception as exc:  # the outcome stands; say that its record is missing
        report.message += f" (history not written: {describe(exc)})"
    reporter.log(report.message, "info" if report.ok else "warning")
    return report


def _back_up(ctx: Context, profile: Profile, reporter: Reporter, report: BackupReport) -> None:
    with ctx.client(profile) as client, reporter.cancel.hooked(client.abort):  # (a read: cut short)
        with reporter.step(f"Back up {profile.name}"):
            model = client.get_model()
            live = ctx.download(
                client,
                profile,
                "backup",
                reporter,
                f"Back up {profile.name}",
                model=model,
                note="scheduled or manual backup",
            )
            if ctx.archive.repeats_newest_backup(live):  # unchanged since the last backup
                ctx.archive.delete(live.id)
                newest = ctx.archive.newest_backup(live.base_url, live.app)
                report.backup_id = newest.id if newest is not None else None
            else:
                report.added.append(live.id)
                report.backup_id = live.id
                # what it holds, row by row, as archived: a drill names any later change of the file
                ctx.archive.record_contents(live.id, row_digests(ctx.docs(live)))
        have = ctx.archive.versions_archived_for(profile.base_url, profile.app)
        for version in client.list_versions().newest_first:
            if version in have:
                continue
            with reporter.step(f"Archive version {version} of {profile.name}"):
                entry = ctx.download(
                    client,
                    profile,
                    "version",
                    reporter,
                    f"Archive version {version}",
                    version=version,
                    note="kept by a backup: the server keeps only 5 versions",
                )
                report.added.append(entry.id)
                report.versions.append(version)


def _cancelled(name: str, report: BackupReport) -> str:
    kept = ", ".join(f"#{i}" for i in report.added)
    return f"{name}: cancelled; " + (
        f"kept what was complete ({kept})." if kept else "nothing was added to the archive."
    )


def _said(name: str, report: BackupReport) -> str:
    """What one environment's backup did, naming the entries."""
    new_backup = report.backup_id in report.added
    versions = [i for i in report.added if i != report.backup_id]
    parts = [f"backup #{report.backup_id}" if new_backup else ""]
    if report.versions:
        ids = ", ".join(f"#{i}" for i in versions)
        parts.append(f"versions {', '.join(report.versions)} ({ids})")
    said = " and ".join(p for p in parts if p)
    if not new_backup and report.backup_id is not None:
        unchanged = f"unchanged since backup #{report.backup_id}"
        return f"{name}: {said} added; {unchanged}." if said else f"{name}: nothing new ({unchanged})."
    return f"{name}: {said} added to the archive." if said else f"{name}: nothing new."
