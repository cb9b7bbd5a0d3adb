"""Drift checks while nobody watches: the scheduled job compares each environment's live
configuration (the one its backup just read) with the promoter's last write into it (the drift
baseline in history) and records what it found as a history run of kind ``drift-check``; the
Overview says "changed outside the promoter, seen by the 02:30 check". Read-only: the configuration
compared is the backup's archived download, nothing is read again and nothing is written.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from app.configdoc.diff import comparable, diff_configs, fingerprint
from app.engine.context import Context
from app.engine.result import describe
from app.profile import Profile

KIND = "drift-check"
NAMED = 20  # differences kept in the record


@dataclass
class DriftCheck:
    profile: str
    drifted: bool | None  # None: no baseline (the promoter never wrote it) or nothing to compare
    message: str
    baseline_run: int | None = None
    entry_id: int | None = None
    differences: list[str] = field(default_factory=list)
    run_id: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "drifted": self.drifted,
            "message": self.message,
            "baseline_run": self.baseline_run,
            "entry_id": self.entry_id,
            "differences": self.differences,
            "run_id": self.run_id,
        }


def check_all(ctx: Context, profiles: list[Profile], live: dict[str, int | None]) -> list[DriftCheck]:
    """*live*: each environment's archive entry holding what it serves now (its backup's)."""
    return [check(ctx, p, live.get(p.name)) for p in profiles]


def check(ctx: Context, profile: Profile, entry_id: int | None) -> DriftCheck:
    """One environment; a failure is its record ("could not check"), never an exception."""
    found, status = DriftCheck(profile.name, None, ""), "succeeded"
    try:
        found = _check(ctx, profile, entry_id)
    except Exception as exc:
        found.message, status = f"{profile.name}: drift not checked: {describe(exc)}", "failed"
    try:
        found.run_id = ctx.history.start(KIND, None, profile.name, profile.target_key)
        ctx.history.finish(
            found.run_id,
            status,
            found.message,
            {"drifted": found.drifted, "baseline_run": found.baseline_run, "differences": found.differences},
            [],
            {"live": entry_id} if entry_id is not None else {},
        )
    except Exception as exc:
        found.message += f" (history not written: {describe(exc)})"
    return found


def _check(ctx: Context, profile: Profile, entry_id: int | None) -> DriftCheck:
    name = profile.name
    if entry_id is None:
        return DriftCheck(name, None, f"{name}: drift not checked: its backup failed.")
    base = ctx.history.baseline(profile.target_key)
    if base is None or not comparable(base.fingerprint):
        return DriftCheck(
            name, None, f"{name}: no drift baseline (the promoter never wrote it).", None, entry_id
        )
    entry = ctx.archive.get(entry_id)
    docs = ctx.docs(entry)
    if fingerprint(docs) == base.fingerprint:
        return DriftCheck(
            name, False, f"{name}: as the promoter left it (run #{base.run_id}).", base.run_id, entry_id
        )
    lines: list[str] = []
    if base.entry_id is not None:
        try:  # name what changed, when the promoter's verified download is still archived
            lines = diff_configs(ctx.docs(ctx.archive.get(base.entry_id)), docs).lines()
        except Exception:
            lines = []
    when = time.strftime("%H:%M", time.localtime())
    said = f"{name}: changed outside the promoter since run #{base.run_id}, seen by the {when} check"
    said += (": " + "; ".join(lines[:5]) + (" …" if len(lines) > 5 else "")) if lines else "."
    return DriftCheck(name, True, said, base.run_id, entry_id, lines[:NAMED])
