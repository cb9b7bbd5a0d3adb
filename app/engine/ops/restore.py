"""Restore: load an archived backup (model and configuration) or any configuration zip into a target.

An archive entry that carries a model (every backup does) restores the whole target; a plain zip
carries no model: the plan compares its objects and fields with the target's model, and a mismatch
is a gate (``--config-only`` writes it anyway; ``--model FILE`` restores a model with it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from app.archive import Entry
from app.backand.errors import TooLargeError
from app.backand.model import Model
from app.backand.streams import check_upload_size
from app.configdoc.zipcheck import check_config_zip
from app.engine.context import Context
from app.engine.events import CancelToken, Listener
from app.engine.gates import Consent
from app.engine.ops import under_lock
from app.engine.ops.run import run_write
from app.engine.ops.safety_backup import restore_entry
from app.engine.reads.writeplan import WritePlan, WriteSource
from app.engine.result import Result
from app.engine.session import Session
from app.errors import UsageError
from app.kinds import WriteKind
from app.profile import Profile


def resolve_zip(ctx: Context, source: str) -> tuple[Path, str, Entry | None]:
    """An archive entry id or a path to a zip: its path, a label, and the entry when there is one."""
    if source.isdigit():
        entry = ctx.archive.get(int(source))
        path = ctx.archive.path_of(entry)
        if not path.exists():
            raise UsageError(
                f"The file of archive entry #{entry.id} is missing ({path}); run `archive verify`."
            )
        return path, f"archive entry #{entry.id}", entry
    path = Path(source).expanduser()
    if not path.is_file():
        raise UsageError(f"{source} is neither an archive entry id nor an existing file.")
    return path, str(path), None


def restore_source(ctx: Context, profile: Profile, source: str, model: Model | None = None) -> WriteSource:
    """What a restore of *source* writes: the zip, and the model it came with (or *model*, given)."""
    path, label, entry = resolve_zip(ctx, source)
    check_config_zip(path)
    try:
        check_upload_size(path, f"{profile.app}.zip")
    except TooLargeError as exc:
        raise UsageError(exc.message) from None
    if model is None and entry is not None and entry.model is not None:
        if not isinstance(entry.model, list):
            raise UsageError(f"The model recorded with archive entry #{entry.id} is not a model.")
        model = entry.model
    reason = "" if entry is None else f"{label} recorded no model"
    return WriteSource(
        label,
        model=model,
        entry=entry,
        path=None if entry is not None else path,
        no_model_reason=reason or f"{label} is a configuration zip without a model",
    )


def restore(
    ctx: Context,
    profile: Profile,
    source: str | WriteSource,
    consent: Consent | None = None,
    listener: Listener | None = None,
    cancel: CancelToken | None = None,
    *,
    expect_stamp: str | None = None,
) -> Result:
    what = source if isinstance(source, WriteSource) else restore_source(ctx, profile, source)
    return run_write(ctx, Restore(profile, what, consent or Consent(), expect_stamp), listener, cancel)


@dataclass
class Restore:
    target: Profile
    source: WriteSource
    consent: Consent
    expect_stamp: str | None = None
    kind: str = WriteKind.RESTORE
    versions_saved: int = 2
    plan: WritePlan | None = None
    _fp: str = field(default="", repr=False)

    @property
    def source_label(self) -> str:
        return self.source.label

    def prepare(self, s: Session) -> None:
        self.plan = under_lock.prepare(s, self.kind, self.source, self.consent, self.expect_stamp)

    def apply(self, s: Session) -> None:
        assert self.plan is not None
        if self.plan.nothing_to_write:
            s.reporter.log(f"{self.target.name} already holds {self.source.label}: nothing written")
            self._fp = self.plan.target_fingerprint
            return
        entry = self._entry(s)
        model = self.source.model if self.plan.writes_model else None
        self._fp = restore_entry(s, entry, s.ctx.archive.path_of(entry), model)

    def verify(self, s: Session) -> str:
        return self._fp

    def success(self, s: Session) -> str:
        assert self.plan is not None
        if self.plan.nothing_to_write:
            return f"{self.target.name} already holds {self.source.label}; nothing was written."
        what = "model and configuration" if self.plan.writes_model else "configuration"
        kept = "" if self.plan.writes_model else f"; {self.target.name}'s model was left as it was"
        return f"Restored {self.source.label} into {self.target.name} ({what}, verified){kept}."

    def _entry(self, s: Session) -> Entry:
        if self.source.entry is not None:
            return self.source.entry
        assert self.source.path is not None
        # an outside zip: archive it first, so the verify and any later undo have it
        entry = s.ctx.archive.import_zip(
            self.source.path,
            profile=self.target.name,
            base_url=self.target.base_url,
            app=self.target.app,
            note=f"restored by run #{s.run_id}",
        )
        s.record(restored=entry.id)
        return entry
