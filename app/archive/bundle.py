"""Carry the archive to another disk: a folder of zips with ``manifest.json`` (entry metadata,
sha256, sizes, the profiles without secrets) and a ``SHA256SUMS`` that ``sha256sum -c`` accepts,
covering every file of the bundle, the manifest included.

Entries are what travels, not files: two entries with identical bytes (a promotion's backup and the
export taken just before it) share one file in the bundle, as in the archive, and each arrives with
its kind, model, pin and note, and a release's entry with its name and recorded facts (imported, it
is that release again, unless a release of that name exists here already). Importing refuses a
bundle whose manifest does not match its sums; then each entry is checked on its own (a bad one is
refused, naming it, the others still come in) and added unless the archive already holds that very
entry.
"""

from __future__ import annotations

import errno
import functools
import json
import math
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.archive import releases as release_store
from app.archive.releases import Release, check_name
from app.archive.store import KINDS, Archive, Entry
from app.configdoc.zipcheck import check_config_zip
from app.errors import InvalidConfigZip, UsageError
from app.fsutil import atomic_write_bytes, copy_atomically, sha256_file
from app.modelcheck import MAX_OBJECTS, json_kind, model_shape_problem

MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
FORMAT = 1
MAX_DEPTH = 64  # a manifest nests about 8 deep; a model's field specs a few more
MAX_MANIFEST = 512 * 1024 * 1024  # 10,000 entries with 5,000-object models stay well under
MAX_TEXT = 10_000  # a note, a profile name, a URL: generous, but not a memory sink

SAFE_FILE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.zip")
APP = re.compile(r"[A-Za-z0-9-]{1,32}")
SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass
class BundleReport:
    added: list[int] = field(default_factory=list)
    already: list[str] = field(default_factory=list)  # entries the archive holds already
    refused: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"added": self.added, "already": self.already, "refused": self.refused}


@dataclass
class ExportReport:
    files: list[str] = field(default_factory=list)  # one per entry written (shared names repeat)
    skipped: list[str] = field(default_factory=list)  # "#id: why", entries left out


# -- writing --------------------------------------------------------------------------------------


def bundle_file_name(entry: Entry) -> str:
    """A plain file name for *entry* that :data:`SAFE_FILE` accepts, whatever its version says."""
    version = re.sub(r"[^A-Za-z0-9._-]+", "_", entry.version or "current").strip("._-")[:80] or "current"
    name = f"{entry.id:06d}-{entry.app}-{entry.kind}-{version}.zip"
    return name if SAFE_FILE.fullmatch(name) else f"{entry.id:06d}.zip"


def prepare_folder(dest: Path) -> None:
    """Make *dest* (a new folder name is created) or accept it empty; otherwise say what is in it."""
    if dest.exists() and not dest.is_dir():
        raise UsageError(f"{dest} is a file, not a folder. Choose a new folder name; it is created.")
    try:
        dest.mkdir(parents=True, exist_ok=True)
        present = sorted(p.name for p in dest.iterdir())
    except OSError as exc:
        raise UsageError(f"Cannot make or read the folder {dest}: {exc.strerror or exc}.") from None
    if present:
        shown = ", ".join(present[:3]) + (f" and {len(present) - 3} more" if len(present) > 3 else "")
        raise UsageError(
            f"{dest} is not empty (it holds {shown}). A bundle goes into a folder of its own: "
            "type a new folder name (it is created), or empty this one."
        )


def export_bundle(
    archive: Archive, dest: Path, entries: list[Entry], profiles: list[dict[str, Any]]
) -> ExportReport:
    """Write *entries* into the folder *dest* (made if missing, refused if not empty). An entry
    whose file is missing or no longer matches its sha256 is left out and named; the others go.
    When the folder cannot take the bundle (a full disk, a read-only one), what was written into it
    is removed and the error says so: no bundle without its manifest is left behind."""
    prepare_folder(dest)
    report = ExportReport()
    try:
        _write_bundle(archive, dest, entries, profiles, report)
    except _CannotWrite as exc:
        for name in {*report.files, MANIFEST, SUMS}:
            (dest / name).unlink(missing_ok=True)
        raise UsageError(
            f"The bundle cannot be written into {dest} ({exc.reason}); what was written there is "
            "removed, and the archive is as it was. Export into a folder on a disk with room."
        ) from None
    return report


class _CannotWrite(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG)  # the folder's disk cannot take it


def _write_bundle(
    archive: Archive, dest: Path, entries: list[Entry], profiles: list[dict[str, Any]], report: ExportReport
) -> None:
    listed: list[dict[str, Any]] = []
    files: dict[str, str] = {}  # sha256 -> the bundle's file holding those bytes
    named: dict[int, list[dict[str, Any]]] = {}  # entry id -> the releases it is
    for release_name, held, info in archive.release_rows():
        named.setdefault(held, []).append({"name": release_name, "info": info})
    for entry in entries:
        full = archive.get(entry.id)
        name = files.get(full.sha256)
        if name is None:
            name = bundle_file_name(full)
            problem = _copy_checked(archive, full, dest / name)
            if problem:
                report.skipped.append(f"#{full.id}: {problem}")
                continue
            files[full.sha256] = name
        listed.append(
            full.as_json(archive.root)
            | {"file": name, "model": full.model, "path": None, "created_at_epoch": full.created_at}
            | ({"releases": named[full.id]} if full.id in named else {})
        )
        report.files.append(name)
    manifest = json.dumps({"format": FORMAT, "entries": listed, "profiles": profiles}, indent=2).encode()
    try:
        atomic_write_bytes(dest / MANIFEST, manifest + b"\n", 0o644)
        sums = [f"{digest}  {name}\n" for digest, name in files.items()]
        sums.append(f"{sha256_file(dest / MANIFEST)}  {MANIFEST}\n")
        atomic_write_bytes(dest / SUMS, "".join(sums).encode(), 0o644)
    except OSError as exc:
        raise _CannotWrite(exc.strerror or str(exc)) from None


def _copy_checked(archive: Archive, entry: Entry, dest: Path) -> str:
    """Copy *entry*'s file to *dest*; the reason it cannot be, or ''. A folder that cannot take it
    (:data:`_FULL`) stops the export (:class:`_CannotWrite`)."""
    source = archive.path_of(entry)
    try:
        copy_atomically(source, dest)
    except OSError as exc:
        if exc.errno in _FULL:
            dest.unlink(missing_ok=True)
            raise _CannotWrite(exc.strerror or str(exc)) from None
        return f"its file cannot be read ({exc.strerror or exc}); run `archive verify`"
    if sha256_file(dest) != entry.sha256:
        dest.unlink(missing_ok=True)
        return "its file no longer matches its sha256; run `archive verify`"
    return ""


# -- reading --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One manifest entry, checked field by field."""

    file: str
    sha256: str
    profile: str
    base_url: str
    app: str
    kind: str
    version: str | None
    model: list[dict[str, Any]] | None
    note: str
    pinned: bool
    created_at: float | None
    releases: tuple[Release, ...] = ()  # the releases this entry is (entry ids are this bundle's)

    def identity(self) -> tuple[Any, ...]:
        return (self.profile, self.base_url, self.app, self.kind, self.version, self.created_at, self.sha256)


def _identity(entry: Entry) -> tuple[Any, ...]:
    return (
        entry.profile,
        entry.base_url,
        entry.app,
        entry.kind,
        entry.version,
        entry.created_at,
        entry.sha256,
    )


def import_bundle(archive: Archive, source: Path) -> BundleReport:
    """Refuse a bundle whose manifest fails its sums; then check each entry on its own and add those
    the archive does not hold yet (identical bytes share a file; the entry is always its own)."""
    raw = manifest_bytes(source)
    manifest = _parse(source, raw)
    sums = _check_sums(source, raw, manifest)
    report = BundleReport()
    known = {_identity(e): e.id for e in archive.entries()}
    hashed: dict[str, str] = {}  # a file shared by several entries is hashed once
    for number, raw_item in enumerate(manifest["entries"], 1):
        where = _where(raw_item, number)
        try:
            item = parse_item(raw_item, number)
            if sums.get(item.file, item.sha256) != item.sha256:
                raise UsageError(f"{item.file}: its sha256 in {SUMS} differs from the manifest's.")
            _check_file(source, item, hashed)
        except UsageError as exc:
            report.refused.append(f"{where}: {exc.message}")
            continue
        clash = _release_clash(archive, item, known.get(item.identity()))
        if clash:
            report.refused.append(f"{where}: {item.file}: {clash}")
            continue
        if item.identity() in known:
            report.already.append(f"{item.file} ({item.kind} of {item.profile or item.app})")
            _name_releases(archive, item, known[item.identity()])
            continue
        try:
            entry = _add(archive, source, item)
        except (InvalidConfigZip, UsageError) as exc:
            report.refused.append(f"{where}: {item.file}: {exc.message}")
            continue
        known[item.identity()] = entry.id
        _name_releases(archive, item, entry.id)
        report.added.append(entry.id)
    return report


def _where(raw_item: Any, number: int) -> str:
    """Which entry a refusal is about: its place in the manifest and its id where it was exported."""
    exported = raw_item.get("id") if isinstance(raw_item, dict) else None
    if isinstance(exported, int) and not isinstance(exported, bool):
        return f"manifest entry {number} (#{exported} where it was exported)"
    return f"manifest entry {number}"


def _release_clash(archive: Archive, item: Item, here: int | None) -> str:
    """Why *item* cannot come in as its releases: a release of that name here is another entry."""
    for release in item.releases:
        if release_store.exists(archive, release.name):
            held = release_store.get(archive, release.name).entry_id
            if held != here:
                return (
                    f"release {release.name} exists here already (archive entry #{held}); remove or "
                    "rename it to import this one"
                )
    return ""


def _name_releases(archive: Archive, item: Item, entry_id: int) -> None:
    for release in item.releases:
        if not release_store.exists(archive, release.name):
            release_store.save(archive, Release.from_info(release.name, entry_id, release.info()))


def _add(archive: Archive, source: Path, item: Item) -> Entry:
    entry = archive.add_file(
        functools.partial(copy_atomically, source / item.file),
        profile=item.profile,
        base_url=item.base_url,
        app=item.app,
        kind=item.kind,
        version=item.version,
        model=item.model,
        note=item.note,
        created_at=item.created_at,
    )
    if entry.sha256 != item.sha256:  # swapped between the check and the copy
        archive.delete(entry.id)
        raise UsageError("it changed while it was imported")
    if item.pinned:
        archive.set_pinned(entry.id, True)
    return entry


def manifest_bytes(source: Path) -> bytes:
    try:
        size = (source / MANIFEST).stat().st_size
        if size > MAX_MANIFEST:
            raise UsageError(
                f"{source / MANIFEST} is {size:,} bytes; a manifest is at most {MAX_MANIFEST:,}. "
                "Nothing imported."
            )
        return (source / MANIFEST).read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{source} has no {MANIFEST}; it is not a bundle.") from None
    except OSError as exc:
        raise UsageError(f"Cannot read {source / MANIFEST}: {exc.strerror or exc}.") from None


def _parse(source: Path, raw: bytes) -> dict[str, Any]:
    where = source / MANIFEST
    try:
        manifest = json.loads(raw)
    except RecursionError:
        raise UsageError(f"{where} is nested too deeply to be a bundle manifest; nothing imported.") from None
    except ValueError as exc:
        raise UsageError(f"{where} is not JSON ({exc}); nothing imported.") from None
    if _depth_over(manifest, MAX_DEPTH):
        raise UsageError(
            f"{where} nests more than {MAX_DEPTH} levels deep; no bundle manifest does. Nothing imported."
        )
    if not isinstance(manifest, dict) or not isinstance(manifest.get("entries"), list):
        raise UsageError(f"{where} has no list of entries; nothing imported.")
    if manifest.get("format") != FORMAT:
        raise UsageError(f"{where} is of format {manifest.get('format')!r}; this promoter reads {FORMAT}.")
    return manifest


def _depth_over(doc: Any, limit: int) -> bool:
    """Whether *doc* nests deeper than *limit* (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(doc, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return False


def _check_sums(source: Path, raw: bytes, manifest: dict[str, Any]) -> dict[str, str]:
    """``SHA256SUMS`` as {file: sha256}; refused unless it lists the manifest with its true sha256."""
    import hashlib

    try:
        text = (source / SUMS).read_text("utf-8")
    except FileNotFoundError:
        raise UsageError(
            f"{source} has no {SUMS}; the manifest cannot be checked. Nothing imported."
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"Cannot read {source / SUMS} ({exc}); nothing imported.") from None
    sums: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        match = re.fullmatch(r"([0-9a-fA-F]{64}) [ *](.+)", line)
        if not match:
            raise UsageError(f"{source / SUMS}, line {number}, is not a sha256sum line; nothing imported.")
        sums[match.group(2)] = match.group(1).lower()
    if MANIFEST not in sums:
        raise UsageError(
            f"{source / SUMS} does not list {MANIFEST}, so the manifest cannot be trusted (a bundle "
            "written before the sums covered it, or altered). Nothing imported. If you know it is "
            f"intact, add its line: sha256sum {MANIFEST} >> {SUMS}"
        )
    if sums[MANIFEST] != hashlib.sha256(raw).hexdigest():
        raise UsageError(
            f"{source / SUMS} does not match {MANIFEST}: the manifest was changed or damaged after "
            "the bundle was written. Nothing imported."
        )
    return sums


def parse_item(raw: Any, number: int) -> Item:
    """A manifest entry, each field of the type and form it must have, or a UsageError naming it."""
    if not isinstance(raw, dict):
        raise UsageError(f"Entry {number} of the manifest is not an object.")
    name = raw.get("file")
    if not isinstance(name, str) or not SAFE_FILE.fullmatch(name):
        raise UsageError(f"Entry {number}: the file {name!r} is not a plain zip name.")
    sha = raw.get("sha256")
    if not isinstance(sha, str) or not SHA256.fullmatch(sha):
        raise UsageError(f"{name}: the sha256 {sha!r} is not 64 hex digits.")
    app = raw.get("app")
    if not isinstance(app, str) or not APP.fullmatch(app):
        raise UsageError(f"{name}: the app {app!r} is not a Backand app name.")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise UsageError(f"{name}: the kind {kind!r} is unknown.")
    texts = {key: raw.get(key, "") for key in ("profile", "base_url", "note")}
    for key, value in texts.items():
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            raise UsageError(f"{name}: {key} is not text (or is over {MAX_TEXT:,} characters).")
    version = raw.get("version")
    if version is not None and (not isinstance(version, str) or not 0 < len(version) <= MAX_TEXT):
        raise UsageError(f"{name}: the version {version!r} is not a version label.")
    pinned = raw.get("pinned", False)
    if not isinstance(pinned, bool):
        raise UsageError(f"{name}: pinned is {pinned!r}, not true or false.")
    return Item(
        file=name,
        sha256=sha,
        profile=texts["profile"],
        base_url=texts["base_url"],
        app=app,
        kind=str(kind),
        version=version,
        model=_model(raw.get("model"), name),
        note=texts["note"],
        pinned=pinned,
        created_at=_date(raw.get("created_at_epoch"), name),
        releases=_releases(raw.get("releases"), name, str(kind)),
    )


def _releases(raw: Any, name: str, kind: str) -> tuple[Release, ...]:
    """The releases an entry is: none, or (for an entry of kind ``release``) a list of names with
    their recorded facts, each checked as a release is."""
    if raw is None:
        return ()
    if kind != "release" or not isinstance(raw, list) or len(raw) > 100:
        raise UsageError(f"{name}: its releases are not a list of releases of a release entry.")
    out = []
    for one in raw:
        if not isinstance(one, dict) or not isinstance(one.get("name"), str):
            raise UsageError(f"{name}: a release of it has no name.")
        try:
            check_name(one["name"])
        except UsageError:
            raise UsageError(f"{name}: {one['name'][:40]!r} is not a release name.") from None
        info = one.get("info")
        out.append(Release.from_info(one["name"], 0, info if isinstance(info, dict) else {}))
    return tuple(out)


def _model(model: Any, name: str) -> list[dict[str, Any]] | None:
    """None, or a Backand model: a list of objects, each with a name and a map of fields."""
    if model is None:
        return None
    if not isinstance(model, list):
        raise UsageError(f"{name}: its model is {json_kind(model)}, not a list of objects.")
    if len(model) > MAX_OBJECTS:
        raise UsageError(f"{name}: its model has {len(model):,} objects; at most {MAX_OBJECTS:,}.")
    problem = model_shape_problem(model)
    if problem:
        raise UsageError(f"{name}: its model: {problem}.")
    return model


def _date(when: Any, name: str) -> float | None:
    if when is None:
        return None
    if (
        isinstance(when, bool)
        or not isinstance(when, int | float)
        or not math.isfinite(when)
        or not 0 < when <= time.time() + 86400
    ):
        raise UsageError(f"{name}: the date {when!r} is not a past time.")
    return float(when)


def _check_file(source: Path, item: Item, hashed: dict[str, str]) -> None:
    """The entry's file: present in the bundle folder (not a link), its sha256, a valid zip."""
    path = source / item.file
    if item.file not in hashed:
        if path.is_symlink() or not path.is_file():
            raise UsageError(f"{item.file} is missing from {source}, or is a link.")
        try:
            check_config_zip(path)
        except InvalidConfigZip as exc:
            raise UsageError(f"{item.file}: {exc.message}") from None
        hashed[item.file] = sha256_file(path)
    if hashed[item.file] != item.sha256:
        raise UsageError(f"{item.file} does not match its sha256 in the manifest (damaged?).")
