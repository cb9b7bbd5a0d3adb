"""Releases: a name for one pinned archive entry of kind ``release`` (an environment's model and
configuration as they were when it was taken), with the facts recorded then.

A release is what was verified, frozen: ``promote --release NAME TARGET`` sends its stored model and
zip, not whatever its environment holds now. The facts say where it came from (the profile, its
URL, app and stage), when, who took it, its configuration's fingerprint and its model's digest (the
Overview recognises an environment holding it by them), and whether the environment then held
exactly what the promoter last wrote and verified there (``verified``; else ``state`` says why not).
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, fields
from typing import Any

from app.archive.store import Archive, Entry
from app.errors import UsageError

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
MAX_NOTE = 2000


@dataclass(frozen=True)
class Release:
    name: str
    entry_id: int
    source: str  # the profile it was taken from
    base_url: str
    app: str
    stage: int
    created_at: float
    user: str
    note: str
    fingerprint: str  # the configuration's (``configdoc.diff.fingerprint``)
    model_digest: str
    verified: bool  # the environment held exactly what the promoter last wrote and verified there
    state: str  # that, in words ("as verified by run #4", "changed since run #4", "never written …")
    version: str = ""

    @property
    def label(self) -> str:
        return f"release {self.name}"

    def as_json(self) -> dict[str, Any]:
        return asdict(self) | {"created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.created_at))}

    def info(self) -> dict[str, Any]:
        """What the archive's ``releases`` table keeps beside the name and entry id."""
        out = asdict(self)
        del out["name"], out["entry_id"]
        return out

    @classmethod
    def from_info(cls, name: str, entry_id: int, info: dict[str, Any]) -> Release:
        """A release from its recorded facts; a missing or mistyped fact is a UsageError naming it."""
        values: dict[str, Any] = {"name": name, "entry_id": entry_id}
        for f in fields(cls):
            if f.name in values:
                continue
            value = info.get(f.name, "" if f.name == "version" else None)
            kinds: dict[str, type | tuple[type, ...]] = {"int": int, "float": (int, float), "bool": bool}
            kind = kinds.get(str(f.type), str)
            if (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind):
                raise UsageError(
                    f"Release {name}: its recorded {f.name} is {value!r}; the record is damaged."
                )
            values[f.name] = (
                float(value) if isinstance(value, int | float) and f.name == "created_at" else value
            )
        return cls(**values)


def check_name(name: str) -> str:
    """A release name as typed: letters, digits, '.', '_' and '-' (up to 64), starting with a letter
    or a digit; it names the release in commands, history and the Overview."""
    if not NAME.fullmatch(name):
        shown = name if len(name) <= 40 else name[:40] + "…"
        raise UsageError(
            f"{shown!r} is not a release name: use letters, digits, '.', '_' and '-' (at most 64, "
            "starting with a letter or a digit). Nothing was written."
        )
    return name


def check_note(note: str | None) -> str:
    """A note as given: none, or words (empty or only spaces is refused, as is a control character)."""
    if note is None:
        return ""
    if not note.strip():
        raise UsageError(
            "The note is empty: say in words what this release is, or leave --note out. Nothing was written."
        )
    if len(note) > MAX_NOTE or any(ord(c) < 32 and c not in "\t" for c in note):
        raise UsageError(f"The note must be one line of at most {MAX_NOTE} characters. Nothing was written.")
    return note.strip()


def releases(archive: Archive) -> list[Release]:
    """Every release, oldest first (a damaged record is left out of the list, not an error)."""
    out = []
    for name, entry_id, info in archive.release_rows():
        try:
            out.append(Release.from_info(name, entry_id, info))
        except UsageError:
            continue
    return out


def get(archive: Archive, name: str) -> Release:
    for row_name, entry_id, info in archive.release_rows():
        if row_name == name:
            return Release.from_info(row_name, entry_id, info)
    known = ", ".join(r.name for r in releases(archive)) or "none yet"
    raise UsageError(f"There is no release {name!r} (releases: {known}).")


def exists(archive: Archive, name: str) -> bool:
    return any(row_name == name for row_name, _id, _info in archive.release_rows())


def entry_of(archive: Archive, release: Release) -> Entry:
    """The release's archive entry, with its model; refused when either is gone."""
    try:
        entry = archive.get(release.entry_id)
    except UsageError:
        raise UsageError(
            f"Release {release.name}: its archive entry #{release.entry_id} is gone; "
            f"remove the release (`release remove {release.name}`). Nothing was written."
        ) from None
    if not isinstance(entry.model, list) or not entry.model:
        raise UsageError(
            f"Release {release.name}: archive entry #{entry.id} holds no model, and a release sends "
            "its model with its configuration. Nothing was written."
        )
    return entry


def save(archive: Archive, release: Release) -> None:
    archive.set_pinned(release.entry_id, True)
    archive.put_release(release.name, release.entry_id, release.info())


def remove(archive: Archive, name: str) -> Release:
    """Forget release *name* and delete its entry (unless another release holds the same entry)."""
    release = get(archive, name)
    archive.drop_release(name)
    if any(r.entry_id == release.entry_id for r in releases(archive)):
        return release
    try:
        archive.set_pinned(release.entry_id, False)
        archive.delete(release.entry_id)
    except UsageError:  # the entry is gone already, or a promotion's backup: the name goes anyway
        pass
    return release
