"""Is each environment restorable, as of now? Read from the home only (history and the archive
index; nothing is asked of a server): its last backup and whether it is verified, its last restore
drill, against the target in the settings (a verified backup within 26 hours, a passing drill within
8 days). Red: the last backup or drill failed; amber: the target is missed; green: it is met.
Also what the scheduled job's last drift check saw (``driftcheck``)."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

from app.engine.context import Context
from app.plural import ago
from app.profile import Profile


@dataclass
class Restorability:
    state: str  # green, amber, red
    text: str  # "last proven restorable 2 days ago"
    problems: list[str] = field(default_factory=list)
    backup_at: float | None = None  # the newest verified backup (a backup run, or a write's backup)
    backup_id: int | None = None
    drill_at: float | None = None  # the last drill of a backup of it
    drill_passed: bool | None = None
    proven_at: float | None = None  # the last passing drill
    proven_backup: int | None = None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def restorability(ctx: Context, profile: Profile, now: float | None = None) -> Restorability:
    now = time.time() if now is None else now
    us = ctx.user_settings
    red: list[str] = []
    amber: list[str] = []
    out = Restorability("green", "")
    # a backup the user cancelled is no failure: the one before it still stands
    run = ctx.history.last_of("backup", profile.name, besides=("cancelled",))
    if run is not None and run.status != "succeeded":
        red.append(f"last backup failed: {run.message}")
    entry = ctx.archive.newest_backup(profile.base_url, profile.app)
    if entry is not None:
        if entry.verified in ("bad", "missing"):
            red.append(f"backup #{entry.id} fails its check ({entry.verified})")
        else:
            out.backup_id, out.backup_at = entry.id, entry.created_at
            if run is not None and run.status == "succeeded":  # unchanged since: still this backup
                out.backup_at = max(entry.created_at, run.finished_at or run.started_at)
    drills = ctx.archive.drills_of(profile.base_url, profile.app)
    if drills:
        out.drill_at, out.drill_passed = drills[0].at, drills[0].ok
        if not drills[0].ok:
            red.append(f"last drill failed: {drills[0].message}")
        proven = next((d for d in drills if d.ok), None)
        if proven is not None:
            out.proven_at, out.proven_backup = proven.at, proven.entry_id
    tried = ctx.history.last_of("drill", profile.name, besides=("cancelled",))
    if tried is not None and tried.status != "succeeded" and (out.drill_at or 0) < tried.started_at:
        amber.append(f"last drill could not run: {tried.message}")
    hours, days = us.target_backup_hours, us.target_drill_days
    if out.backup_at is None:
        amber.append("never backed up")
    elif now - out.backup_at > hours * 3600:
        amber.append(f"no verified backup within {hours:g} h (last {ago(now - out.backup_at)})")
    if out.proven_at is None:
        amber.append("never proven restorable: no passing restore drill")
    elif now - out.proven_at > days * 86400:
        amber.append(f"no passing restore drill within {days:g} days")
    out.problems = red + amber
    out.state = "red" if red else "amber" if amber else "green"
    out.text = (
        f"last proven restorable {ago(now - out.proven_at)}"
        if out.proven_at is not None
        else "never proven restorable"
    )
    return out


def last_drift_check(ctx: Context, profile: Profile) -> dict[str, Any] | None:
    """What the scheduled job's last drift check saw, unless the promoter wrote the environment
    since (then the check is history: the write set a new baseline)."""
    run = ctx.history.last_of("drift-check", profile.name)
    if run is None or run.status != "succeeded":
        return None
    drifted = run.plan.get("drifted")
    base = ctx.history.baseline(profile.target_key)
    if drifted is None or (base is not None and base.run_id > run.id):
        return None
    clock = time.strftime("%H:%M", time.localtime(run.started_at))
    if time.localtime(run.started_at)[:3] != time.localtime()[:3]:
        clock = time.strftime("%Y-%m-%d %H:%M", time.localtime(run.started_at))
    said = "changed outside the promoter" if drifted else "as the promoter left it"
    return {
        "at": run.started_at,
        "run": run.id,
        "drifted": bool(drifted),
        "differences": list(run.plan.get("differences") or []),
        "text": f"{said}, seen by the {clock} check",
    }
