"""Undo a run: put back the backup it took (model and configuration), verify, mark it undone."""

from __future__ import annotations

from dataclasses import dataclass

from app.engine.backup import restore_entry
from app.engine.context import Context
from app.engine.events import CancelToken, Listener
from app.engine.gates import Consent, Gate, Refusal, protected, raise_if
from app.engine.history import Run
from app.engine.modelapply import check_model
from app.engine.result import Result
from app.engine.run import Session, run_write
from app.errors import UsageError
from app.profiles import Profile

UNDOABLE = ("promote", "rollback", "restore", "model", "undo")


def undo(
    ctx: Context,
    run_id: int,
    consent: Consent | None = None,
    listener: Listener | None = None,
    cancel: CancelToken | None = None,
) -> Result:
    run = ctx.history.get(run_id)
    if run is None:
        raise UsageError(f"There is no run #{run_id} in the history.")
    if run.kind not in UNDOABLE:
        raise UsageError(f"Run #{run_id} is a {run.kind}; only writes can be undone.")
    if run.undone_by is not None:
        raise UsageError(f"Run #{run_id} was already undone by run #{run.undone_by}.")
    backup = run.archive_ids.get("backup")
    if backup is None or run.status in ("refused", "failed", "dry_run", "running"):
        raise UsageError(f"Run #{run_id} ({run.status}) wrote nothing that can be undone.")
    profile = ctx.profiles.get(run.target)
    entry = ctx.archive.get(int(backup))
    if Profile(name="backup", base_url=entry.base_url, app=entry.app).target_key != profile.target_key:
        raise UsageError(
            f"Run #{run_id} wrote to {entry.app} at {entry.base_url}, but profile {profile.name} now "
            f"points at {profile.app} at {profile.base_url}; restore its backup with `promoter restore` "
            "into the right profile instead."
        )
    return run_write(ctx, Undo(profile, run, int(backup), consent or Consent()), listener, cancel)


@dataclass
class Undo:
    target: Profile
    run: Run
    backup_id: int
    consent: Consent
    kind: str = "undo"
    versions_saved: int = 2
    _fp: str = ""

    @property
    def source_label(self) -> str:
        return f"run #{self.run.id}"

    def later_writes(self, s: Session) -> list[Refusal]:
        later = [
            r
            for r in s.ctx.history.writes_after(self.run.id, self.target.target_key, self.target.name)
            if r.id != s.run_id
        ]
        if later and not self.consent.accept_drift:
            ids = ", ".join(f"#{r.id} ({r.kind})" for r in later)
            return [
                Refusal(
                    Gate.LATER_WRITES,
                    f"{self.target.name} was written by later runs ({ids}); undoing run #{self.run.id} "
                    "discards them too; pass --yes",
                )
            ]
        return []

    def prepare(self, s: Session) -> None:
        entry = s.ctx.archive.get(self.backup_id)
        refusals = protected(self.target, self.consent) + self.later_writes(s)
        if entry.model is not None:
            refusals += check_model(s, entry.model, self.consent)
        raise_if(refusals)
        if not s.ctx.archive.path_of(entry).exists():
            raise UsageError(
                f"The backup of run #{self.run.id} (archive entry #{entry.id}) has lost its file."
            )

    def apply(self, s: Session) -> None:
        entry = s.ctx.archive.get(self.backup_id)
        self._fp = restore_entry(s, entry, s.ctx.archive.path_of(entry), entry.model)

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
