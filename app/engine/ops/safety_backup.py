"""Backups of the whole target (model and configuration in one archive entry), restoring them, and
keeping the server's own versions from being pushed off by our writes."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.archive import Entry
from app.backand.model import model_digest
from app.backand.quirks import KEPT_BY_SERVER
from app.engine.events import CancelToken
from app.engine.result import Status, describe, recovery_command
from app.engine.settle import OutcomeUnknown
from app.errors import PromoterError
from app.kinds import StepStatus
from app.plural import sentence

if TYPE_CHECKING:
    from app.engine.session import Session


class VerifyFailed(PromoterError):
    """The target does not hold what was sent."""


def take_backup(s: Session, note: str) -> Entry:
    """Download the target's configuration into the archive with its model: one entry, the whole target."""
    with s.reporter.step("Back up target"):
        model = s.dst.get_model()
        entry = s.ctx.download(
            s.dst, s.target, "backup", s.reporter, "Back up target", model=model, note=note
        )
        adopt_backup(s, entry)
    return entry


def adopt_backup(s: Session, entry: Entry) -> None:
    """Make *entry* this run's backup: kind ``backup``, kept by prune while the run can be undone."""
    if entry.kind != "backup":
        s.ctx.archive.set_kind(entry.id, "backup", f"before {s.result.kind} #{s.run_id}")
    s.ctx.archive.reference(entry.id, s.run_id, "backup")
    s.backup = s.ctx.archive.get(entry.id)
    s.result.backup_id = entry.id
    s.record(backup=entry.id, recover=recovery_command(s.target, entry.id))


def protect_versions(s: Session, saves: int) -> None:
    """Archive every server version that *saves* new versions could push off the server (it keeps
    only the 5 newest), unless the archive already has it. Nothing the server had is lost by us."""
    if saves <= 0:
        return
    listed = s.dst.list_versions().newest_first
    at_risk = listed[max(0, KEPT_BY_SERVER - saves) :] if len(listed) + saves > KEPT_BY_SERVER else []
    have = s.ctx.archive.versions_archived_for(s.target.base_url, s.target.app)
    missing = [v for v in at_risk if v not in have]
    if not missing:
        return
    with s.reporter.step("Archive versions the server may drop"):
        for version in missing:
            entry = s.ctx.download(
                s.dst,
                s.target,
                "version",
                s.reporter,
                "Archive versions the server may drop",
                version=version,
                note=f"kept before {s.result.kind} #{s.run_id} could push it off the server",
            )
            s.reporter.log(f"version {version} archived as #{entry.id} (the server may drop it)")


def restore_entry(s: Session, entry: Entry, zip_path: Path, model: Any, *, prefix: str = "") -> str:
    """Write *model* (when given) and the configuration zip into the target, clear the cache and
    verify both. Returns the fingerprint the target holds. Every write goes through ``s.write``."""
    dst, name = s.dst, s.target.name
    zip_path = s.ctx.archive.path_for_upload(entry)  # re-hashed: the index vouches for what is sent
    sent_fp = s.ctx.fingerprint(entry)
    if model is not None:
        with s.reporter.step(f"{prefix}Restore model", cancellable=not prefix):
            if dst.get_model() != model:
                s.write(
                    f"{prefix}Restore model",
                    lambda: dst.apply_model(model, severity=1),
                    probe=lambda: model_digest(dst.get_model()),
                    sent=model_digest(model),
                )
    with s.reporter.step(f"{prefix}Restore configuration", cancellable=not prefix):
        s.write(
            f"{prefix}Restore configuration",
            lambda: dst.upload_config(
                zip_path,
                f"{s.target.app}.zip",
                progress=s.reporter.progress(f"{prefix}Restore configuration"),
            ),
            probe=lambda: s.ctx.live_fingerprint(dst),
            sent=sent_fp,
        )
        s.write(f"{prefix}Clear cache", dst.reload_cache)
    with s.reporter.step(f"{prefix}Verify", cancellable=not prefix):
        if model is not None and dst.get_model() != model:
            raise VerifyFailed(f"Verify: the model of {name} is not the one restored.")
        after = s.ctx.download(
            dst, s.target, "export", s.reporter, f"{prefix}Verify", note=f"after run #{s.run_id}"
        )
        s.record(verify=after.id)
        now = s.ctx.fingerprint(after)
        if now != sent_fp:
            raise VerifyFailed(f"Verify: the configuration of {name} is not the one restored.")
    return now


def undo_from_backup(s: Session, cause: BaseException) -> None:
    """After any failure following a write: put the backup back (model and configuration), verify."""
    r, backup = s.result, s.backup
    assert backup is not None
    why = describe(cause)
    s.reporter.cancel = CancelToken()  # a rollback is not cancellable: it must run to the end
    written = list(r.written)
    try:
        s.reporter.log(f"rolling back {s.target.name} after: {why}", "warning")
        entry = s.ctx.archive.get(backup.id)
        restore_entry(s, entry, s.ctx.archive.path_of(entry), entry.model, prefix="Roll back: ")
    except BaseException as exc:
        r.written = written
        r.status = Status.UNKNOWN if isinstance(exc, OutcomeUnknown) else Status.ROLLBACK_FAILED
        r.message = (
            f"FAILED and the automatic rollback FAILED too ({describe(exc)}) {s.target.name} may be "
            f"inconsistent. Cause: {why} Restore the whole target (model and configuration) with: "
            + recovery_command(s.target, backup.id)
        )
        return
    r.undone, r.written = written, written
    for step in s.reporter.steps:
        if step.name in written and step.status is StepStatus.DONE:
            step.status = StepStatus.ROLLED_BACK
    r.status = Status.ROLLED_BACK
    r.message = (
        f"{sentence(why)} It was rolled back: {s.target.name} is as it was before, model and configuration "
        f"(backup #{backup.id}, verified)."
    )
