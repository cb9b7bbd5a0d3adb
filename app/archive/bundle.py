"""Carry the archive to another disk: a folder of zips with ``manifest.json`` (entry metadata,
sha256, sizes, the profiles without secrets) and a ``SHA256SUMS`` that ``sha256sum -c`` accepts.
Importing verifies every file against the manifest before adding anything, and adds only the
entries whose bytes the archive does not hold yet.
"""

from __future__ import annotations

import functools
import json
import math
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.archive.store import KINDS, Archive, Entry
from app.configdoc.zipcheck import check_config_zip
from app.errors import InvalidConfigZip, UsageError
from app.fsutil import atomic_write_bytes, copy_atomically, sha256_file

MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
FORMAT = 1


@dataclass
class BundleReport:
    added: list[int] = field(default_factory=list)
    already: list[str] = field(default_factory=list)  # file names whose bytes were archived already
    refused: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"added": self.added, "already": self.already, "refused": self.refused}


def export_bundle(
    archive: Archive, dest: Path, entries: list[Entry], profiles: list[dict[str, Any]]
) -> list[str]:
    """Write *entries* into the folder *dest* (made if missing, refused if not empty)."""
    dest.mkdir(parents=True, exist_ok=True)
    if any(dest.iterdir()):
        raise UsageError(f"{dest} is not empty; export a bundle into a new or empty folder.")
    listed, sums = [], []
    for entry in entries:
        name = f"{entry.id:06d}-{entry.app}-{entry.kind}-{(entry.version or 'current').replace('/', '_')}.zip"
        source = archive.path_of(archive.get(entry.id))
        copy_atomically(source, dest / name)
        digest = sha256_file(dest / name)
        if digest != entry.sha256:
            raise UsageError(f"Archive entry #{entry.id} no longer matches its sha256; run `archive verify`.")
        full = archive.get(entry.id)
        listed.append(
            entry.as_json(archive.root)
            | {"file": name, "model": full.model, "path": None, "created_at_epoch": entry.created_at}
        )
        sums.append(f"{digest}  {name}\n")
    manifest = {"format": FORMAT, "entries": listed, "profiles": profiles}
    atomic_write_bytes(dest / MANIFEST, json.dumps(manifest, indent=2).encode() + b"\n", 0o644)
    atomic_write_bytes(dest / SUMS, "".join(sums).encode(), 0o644)
    return [item["file"] for item in listed]


def import_bundle(archive: Archive, source: Path) -> BundleReport:
    """Check every file and every field of the bundle first; then add what is new. Nothing is
    half-imported: a bundle with any bad file or field is refused whole, naming it."""
    manifest = _manifest(source)
    items = manifest["entries"]
    for item in items:  # first pass: everything must check out before anything is added
        _check_item(source, item)
    report = BundleReport()
    known = {e.sha256 for e in archive.entries()}
    for item in items:
        path = source / item["file"]
        if item["sha256"] in known:
            report.already.append(item["file"])
            continue
        try:
            _check_item(source, item)  # again, as it is copied: the file may have been swapped
            entry = archive.add_file(
                functools.partial(copy_atomically, path),
                profile=str(item.get("profile", "")),
                base_url=str(item.get("base_url", "")),
                app=str(item.get("app", "")),
                kind=str(item.get("kind", "import")),
                version=item.get("version"),
                model=item.get("model"),
                note=str(item.get("note", "")) or f"from bundle {source.name}",
                created_at=float(item.get("created_at_epoch") or 0) or None,
            )
        except (InvalidConfigZip, UsageError) as exc:
            report.refused.append(f"{item['file']}: {exc.message}")
            continue
        if entry.sha256 != item["sha256"]:  # swapped between the check and the copy
            archive.delete(entry.id)
            report.refused.append(f"{item['file']}: changed while it was imported")
            continue
        known.add(entry.sha256)
        report.added.append(entry.id)
    return report


SAFE_FILE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.zip")
APP = re.compile(r"[A-Za-z0-9-]{1,32}")


def _check_item(source: Path, item: dict[str, Any]) -> None:
    """One manifest entry: a plain file name in the bundle folder (no link, no path), its sha256,
    a valid configuration zip, and sane metadata (app name, kind, a finite past date)."""
    name = item.get("file")
    if not isinstance(name, str) or not SAFE_FILE.fullmatch(name):
        raise UsageError(
            f"The bundle lists the file {name!r}, which is not a plain zip name; nothing imported."
        )
    path = source / name
    if path.is_symlink() or not path.is_file():
        raise UsageError(f"{name} is missing from {source}, or is a link; nothing imported.")
    if sha256_file(path) != item.get("sha256"):
        raise UsageError(f"{name} does not match its sha256 in the manifest (damaged?); nothing imported.")
    if not isinstance(item.get("app"), str) or not APP.fullmatch(item["app"]):
        raise UsageError(f"{name}: the app {item.get('app')!r} is not a Backand app name; nothing imported.")
    if item.get("kind") not in KINDS:
        raise UsageError(f"{name}: the kind {item.get('kind')!r} is unknown; nothing imported.")
    when = item.get("created_at_epoch")
    bad_date = when is not None and (
        isinstance(when, bool)
        or not isinstance(when, int | float)
        or not math.isfinite(when)
        or when > time.time() + 86400
    )
    if bad_date:
        raise UsageError(f"{name}: the date {when!r} is not a past time; nothing imported.")
    for key in ("profile", "base_url", "note"):
        if not isinstance(item.get(key, ""), str):
            raise UsageError(f"{name}: {key} is not text; nothing imported.")
    try:
        check_config_zip(path)
    except InvalidConfigZip as exc:
        raise UsageError(f"{name}: {exc.message} Nothing imported.") from None


def _manifest(source: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((source / MANIFEST).read_bytes())
    except FileNotFoundError:
        raise UsageError(f"{source} has no {MANIFEST}; it is not a bundle.") from None
    except ValueError as exc:
        raise UsageError(f"{source / MANIFEST} is not JSON ({exc}).") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("entries"), list):
        raise UsageError(f"{source / MANIFEST} has no list of entries.")
    if manifest.get("format") != FORMAT:
        raise UsageError(
            f"{source / MANIFEST} is of format {manifest.get('format')!r}; this promoter reads {FORMAT}."
        )
    if not all(
        isinstance(item, dict) and isinstance(item.get("sha256"), str) for item in manifest["entries"]
    ):
        raise UsageError(f"{source / MANIFEST} has an entry without a sha256.")
    return manifest
