"""Restore: load an archived backup (model and configuration) or any configuration zip into a target.

An archive entry that carries a model (every backup does) restores the whole target; a plain zip
restores the configuration only, and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.archive import Entry
from app.backand.errors import TooLargeError
from app.backand.streams import check_upload_size
from app.configdoc.zipcheck import check_config_zip
from app.engine.backup import restore_entry
from app.engine.context import Context
from app.engine.events import CancelToken, Listener
from app.engine.gates import Consent, protected, raise_if
from app.engine.modelapply import check_model
from app.engine.result import Result
from app.engine.run import Session, run_write
from app.errors import UsageError
from app.profiles import Profile


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


def restore(
    ctx: Context,
    profile: Profile,
    source: str,
    consent: Consent | None = None,
    listener: Listener | None = None,
    cancel: CancelToken | None = None,
) -> Result:
    path, label, entry = resolve_zip(ctx, source)
    check_config_zip(path)
    try:
        check_upload_size(path, f"{profile.app}.zip")
    except TooLargeError as exc:
        raise UsageError(exc.message) from None
    model = entry.model if entry is not None else None
    return run_write(ctx, Restore(profile, path, label, entry, model, consent or Consent()), listener, cancel)


@dataclass
class Restore:
    target: Profile
    path: Path
    label: str
    entry: Entry | None
    model: Any
    consent: Consent
    kind: str = "restore"
    versions_saved: int = 2

    @property
    def source_label(self) -> str:
        return self.label

    def prepare(self, s: Session) -> None:
        refusals = protected(self.target, self.consent)
        if self.model is None:
            s.reporter.log(f"{self.label} has no model: only the configuration is restored")
        else:
            refusals += check_model(s, self.model, self.consent)
        raise_if(refusals)

    def apply(self, s: Session) -> None:
        self._fp = restore_entry(s, self._entry(s), self.path, self.model)

    def verify(self, s: Session) -> str:
        return self._fp

    def success(self, s: Session) -> str:
        what = "model and configuration" if self.model is not None else "configuration"
        return f"Restored {self.label} into {self.target.name} ({what}, verified)."

    def _entry(self, s: Session) -> Entry:
        if self.entry is not None:
            return self.entry
        # an outside zip: archive it first, so the verify and any later undo have it
        self.entry = s.ctx.archive.import_zip(
            self.path,
            profile=self.target.name,
            base_url=self.target.base_url,
            app=self.target.app,
            note=f"restored by run #{s.run_id}",
        )
        return self.entry
