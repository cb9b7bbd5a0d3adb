"""Undo a run: put back the backup it took (model and configuration), verify, mark it undone.

Every write kind can be undone (promotion, restore, Set, model apply, and an undo, whose undo puts
the undone state back). The plan says what the undo changes; later runs into the same target and
changes made outside the promoter since (by a person, or another home) are gates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.engine.context import Context
from app.engine.events import CancelToken, Listener
from app.engine.gates import Consent
from app.engine.history import Run
from app.engine.ops import under_lock
from app.engine.ops.run import run_write
from app.engine.ops.safety_backup import restore_entry
from app.engine.reads.writeplan import WritePlan, WriteSource
from app.engine.result import Result
from app.engine.session import Session
from app.errors import UsageError
from app.kinds import WriteKind
from app.profile import Profile

UNDOABLE = tuple(WriteKind)  # every write kind, an undo included
NOTHING_WRITTEN = ("refused", "failed", "dry_run", "running")


def later_runs(ctx: Context, run: Run, target: Profile, this_run: int | None = None) -> tuple[str, ...]:
    """The runs into *target* after *run* (whichever profile or home made them, this undo's own run
    aside): an undo discards them too, which is the later-writes gate."""
    after = ctx.history.writes_after(run.id, target.target_key, target.name)
    # a run that changed nothing, or whose writes were rolled back, leaves nothing to discard
    left = [r for r in after if r.status not in ("succeeded", "rolled_back") or r.plan.get("written")]
    return tuple(f"#{r.id} ({r.kind})" for r in left if r.id != this_run and r.status != "rolled_back")


def undo_source(ctx: Context, run_id: int) -> tuple[Profile, Run, WriteSource]:
    """The run to undo, its target's profile and what the undo writes; a clear error when the run
    cannot be undone."""
    run = ctx.history.get(run_id)
    if run is None:
        raise UsageError(f"There is no run #{run_id} in the history.")
    if run.kind not in UNDOABLE:
        raise UsageError(f"Run #{run_id} is a {run.kind}; only writes can be undone.")
    if run.undone_by is not None:
        raise UsageError(f"Run #{run_id} was already undone by run #{run.undone_by}.")
    if run.status == "rolled_back":
        raise UsageError(
            f"Run #{run_id} was rolled back when it failed: nothing of it remains, nothing to undo."
        )
    backup = run.archive_ids.get("backup")
    if backup is None or run.status in NOTHING_WRITTEN:
        raise UsageError(f"Run #{run_id} ({run.status}) wrote nothing that can be undone.")
    profile = ctx.profiles.get(run.target)
    entry = ctx.archive.get(int(backup))
    if Profile(name="backup", base_url=entry.base_url, app=entry.app).target_key != profile.target_key:
        raise UsageError(
            f"Run #{run_id} wrote to {entry.app} at {entry.base_url}, but profile {profile.name} now "
            f"points at {profile.app} at {profile.base_url}; restore its backup with `promoter restore` "
            "into the right profile instead."
        )
    if not ctx.archive.path_of(entry).exists():
        raise UsageError(f"The backup of run #{run_id} (archive entry #{entry.id}) has lost its file.")
    later = later_runs(ctx, run, profile)
    model = entry.model if isinstance(entry.model, list) else None
    source = WriteSource(
        f"run #{run.id}",
        model=model,
        entry=entry,
        later=later,
        no_model_reason=f"the backup of run #{run.id} recorded no model",
    )
    return profile, run, source


def undo(
    ctx: Context,
    run_id: int,
    consent: Consent | None = None,
    listener: Listener | None = None,
    cancel: CancelToken | None = None,
    *,
    expect_stamp: str | None = None,
) -> Result:
    profile, run, source = undo_source(ctx, run_id)
    return run_write(ctx, Undo(profile, run, source, consent or Consent(), expect_stamp), listener, cancel)


@dataclass
class Undo:
    target: Profile
    run: Run
    source: WriteSource
    consent: Consent
    expect_stamp: str | None = None
    kind: str = WriteKind.UNDO
    versions_saved: int = 2
    plan: WritePlan | None = field(default=None, repr=False)
    _fp: str = ""

    @property
    def source_label(self) -> str:
        return f"run #{self.run.id}"

    @property
    def backup_id(self) -> int:
        assert self.source.entry is not None
        return self.source.entry.id

    def prepare(self, s: Session) -> None:
        # later runs are read again under the lock (another window may have written since)
        later = later_runs(s.ctx, self.run, self.target, this_run=s.run_id)
        self.source = WriteSource(
            self.source.label,
            model=self.source.model,
            entry=self.source.entry,
            later=later,
            no_model_reason=self.source.no_model_reason,
        )
        self.plan = under_lock.prepare(s, self.kind, self.source, self.consent, self.expect_stamp)

    def apply(self, s: Session) -> None:
        assert self.plan is not None and self.source.entry is not None
        entry = self.source.entry
        model = self.source.model if self.plan.writes_model else None
        if self.plan.nothing_to_write:
            s.reporter.log(f"{self.target.name} already holds the backup of run #{self.run.id}")
            self._fp = self.plan.target_fingerprint
            return
        self._fp = restore_entry(s, entry, s.ctx.archive.path_of(entry), model)

    def verify(self, s: Session) -> str:
        s.ctx.history.mark_undone(self.run.id, s.run_id)
        if self.run.kind == "undo":  # undoing an undo puts the run it had undone back in effect
            s.ctx.history.clear_undone(self.run.id)
        return self._fp

    def success(self, s: Session) -> str:
        return (
            f"Undid run #{self.run.id}: {self.target.name} holds its backup #{self.backup_id} again "
            "(model and configuration, verified)."
        )
