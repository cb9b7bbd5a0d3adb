"""Every configuration zip the program downloads, kept byte for byte, with an index in SQLite.

A file is written under its final name only when complete, and its index row is added after, so an
interrupted download leaves no entry. ``verify`` re-hashes files and re-checks the zips.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app import logs
from app.archive.parses import Parsed, Parses
from app.backand.urlpolicy import target_address
from app.configdoc.zipcheck import ConfigZipInfo, check_config_zip
from app.errors import InvalidConfigZip, UsageError
from app.fsutil import copy_atomically, fsync_dir, sha256_file
from app.kinds import ArchiveKind
from app.sqlstore import open_db

KINDS = tuple(ArchiveKind)
log = logs.archive

SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT, profile TEXT, base_url TEXT, app TEXT, kind TEXT,
    version TEXT, created_at REAL, sha256 TEXT, size INTEGER, path TEXT, model TEXT,
    note TEXT DEFAULT '', pinned INTEGER DEFAULT 0, promotion_id INTEGER, verified TEXT DEFAULT '');
CREATE TABLE IF NOT EXISTS refs (entry_id INTEGER, promotion_id INTEGER, role TEXT);
CREATE INDEX IF NOT EXISTS entries_profile ON entries (profile, kind);
CREATE INDEX IF NOT EXISTS entries_bytes ON entries (app, sha256);
CREATE TABLE IF NOT EXISTS contents (entry_id INTEGER PRIMARY KEY, rows BLOB, at REAL);
CREATE TABLE IF NOT EXISTS drills (
    id INTEGER PRIMARY KEY AUTOINCREMENT, entry_id INTEGER, at REAL, ok INTEGER, message TEXT,
    differences TEXT, run_id INTEGER);
CREATE INDEX IF NOT EXISTS drills_entry ON drills (entry_id, at);
CREATE TABLE IF NOT EXISTS releases (name TEXT PRIMARY KEY, entry_id INTEGER NOT NULL, info TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Entry:
    """One archived zip. ``model`` is loaded by :meth:`Archive.get` only (listings leave it None)."""

    id: int
    profile: str
    base_url: str
    app: str
    kind: str
    version: str | None
    created_at: float
    sha256: str
    size: int
    path: str
    model: Any
    note: str
    pinned: bool
    promotion_id: int | None
    verified: str

    def as_json(self, root: Path) -> dict[str, Any]:
        return {
            "id": self.id,
            "profile": self.profile,
            "base_url": self.base_url,
            "app": self.app,
            "kind": self.kind,
            "version": self.version,
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.created_at)),
            "sha256": self.sha256,
            "size": self.size,
            "path": f"{root}/{self.path}",
            "note": self.note,
            "pinned": self.pinned,
            "promotion_id": self.promotion_id,
            "verified": self.verified,
        }


@dataclass(frozen=True)
class Drill:
    """One restore drill of an archived backup (``app/engine/reads/drill.py``): passed or not, and what
    differed."""

    entry_id: int
    at: float
    ok: bool
    message: str
    differences: list[str]
    run_id: int | None

    def as_json(self) -> dict[str, Any]:
        return {
            "entry_id": self.entry_id,
            "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.at)),
            "passed": self.ok,
            "message": self.message,
            "differences": self.differences,
            "run_id": self.run_id,
        }


@dataclass(frozen=True)
class VerifyResult:
    id: int
    ok: bool
    problem: str = ""


@functools.lru_cache(maxsize=256)
def _address(base_url: str) -> str:
    """The server an entry came from, once per spelling (an index holds few, in many rows): the
    same address however typed, but two loopback listeners (``[::1]`` and ``127.0.0.1``) stay two,
    as for the keyring: one's archived version must never stand for the other's."""
    return target_address(base_url, collapse_loopback=False)


class Archive:
    """The archive under *root* (``HOME/archive``)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._db = open_db(root / "index.sqlite", lambda db: db.executescript(SCHEMA))
        # one server, however its URL was typed (a profile re-added with a trailing slash or
        # another case kept its backups, drills and versions: none was found before)
        self._db.create_function("address", 1, _address, deterministic=True)
        self.parses = Parses(self._db)
        self._sweep_stale_parts()

    def _sweep_stale_parts(self, older_than: float = 3600) -> None:
        """Remove temp files left by a process killed mid-download (never listed: they have no row)."""
        cutoff = time.time() - older_than
        for part in self.root.glob("*/.*.part"):
            with contextlib.suppress(OSError):
                if part.stat().st_mtime < cutoff:
                    part.unlink()

    def close(self) -> None:
        self._db.close()

    # -- adding ---------------------------------------------------------------------------------

    def _file_for(self, app: str, kind: str, version: str | None) -> Path:
        if not re.fullmatch(r"[A-Za-z0-9-]{1,32}", app):  # it names a folder under the archive
            raise UsageError(f"{app!r} is not a Backand app name; nothing archived.")
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + f"{int(time.time() * 1000) % 1000:03d}"
        safe_version = re.sub(r"[^A-Za-z0-9._-]", "_", version or "current")[:80]  # a name has 255 bytes
        folder = self.root / app
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = folder / f"{stamp}-{kind}-{safe_version}.zip"
        counter = 1
        while path.exists():
            path = folder / f"{stamp}-{kind}-{safe_version}-{counter}.zip"
            counter += 1
        return path

    def add_file(
        self,
        write: Callable[[Path], Any],
        *,
        profile: str,
        base_url: str,
        app: str,
        kind: str,
        version: str | None = None,
        model: Any = None,
        promotion_id: int | None = None,
        note: str = "",
        collect: dict[str, Any] | None = None,
        created_at: float | None = None,
        known: Entry | None = None,
    ) -> Entry:
        """Let *write(path)* produce the zip atomically at *path*, check it, then index it. When
        *write* returns what it wrote with its ``sha256`` and ``size`` (a download hashes as it
        writes), that digest is used instead of reading the file again.

        With *collect*, the documents read by the check are left in ``collect["docs"]``, and
        ``collect["same_as_known"]`` says whether they are those of *known* (an archived entry whose
        documents the new zip holds as the same bytes, or the same text but for what an import
        rewrites: not parsed again, see :func:`app.configdoc.zipcheck.check_config_zip`).

        Bytes that already passed the check (the same sha256 and size, recorded in
        :mod:`app.archive.parses` by this parser) are not checked or parsed again: ``collect["docs"]``
        is then None and ``collect["parsed"]`` the record.
        """
        if kind not in KINDS:
            raise UsageError(f"Unknown archive kind {kind!r}; one of {', '.join(KINDS)}.")
        path = self._file_for(app, kind, version)
        written = write(path)  # a download says the sha256 it computed on the way: not read twice
        try:
            size = path.stat().st_size
            said = getattr(written, "sha256", None)
            hashed = isinstance(said, str) and getattr(written, "size", None) == size
            digest: str = said if hashed and isinstance(said, str) else sha256_file(path)
            parsed = self.parses.get(digest, size)
            info = parsed.info if parsed is not None else self._check(path, collect is not None, known)
        except (InvalidConfigZip, OSError):
            path.unlink(missing_ok=True)
            raise
        if parsed is None:
            self.parses.keep_check(digest, size, info)
        if collect is not None:
            collect["docs"] = info.docs
            collect["same_as_known"] = info.same_as_known
            collect["parsed"] = parsed
        stored = self._same_bytes(app, digest, size)
        if stored is not None:  # already archived for this app: the new entry shares that file
            path.unlink(missing_ok=True)
            path = stored
        cur = self._db.execute(
            "INSERT INTO entries (profile, base_url, app, kind, version, created_at, sha256, size, path, "
            "model, note, promotion_id, verified) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'ok')",
            (
                profile,
                base_url,
                app,
                kind,
                version or info.config_version,
                created_at or time.time(),
                digest,
                size,
                str(path.relative_to(self.root)),
                json.dumps(model) if model is not None else None,
                note,
                promotion_id,
            ),
        )
        entry = self.get(int(cur.lastrowid or 0))
        log.info(
            "archived %s #%d: %s %s %s (%d bytes)", kind, entry.id, app, entry.version, digest[:12], size
        )
        return entry

    def _check(self, path: Path, collect: bool, known: Entry | None) -> ConfigZipInfo:
        like = (self.path_of(known), known.version) if known is not None else None
        return check_config_zip(path, collect=collect, known=like)

    def parsed(self, entry: Entry) -> Parsed | None:
        """What the parse of *entry*'s bytes yielded, when it is recorded (see ``parses.py``)."""
        return self.parses.get(entry.sha256, entry.size)

    def _same_bytes(self, app: str, digest: str, size: int) -> Path | None:
        row = self._db.execute(
            "SELECT path FROM entries WHERE app=? AND sha256=? AND size=? ORDER BY id LIMIT 1",
            (app, digest, size),
        ).fetchone()
        if row is None:
            return None
        existing = self.root / row[0]
        return existing if existing.is_file() and existing.stat().st_size == size else None

    def repeats_newest_backup(self, entry: Entry) -> bool:
        """Whether the newest *other* backup of *entry*'s target (URL and app) holds the same bytes
        and the same model: then *entry* adds nothing. Any other entry with those bytes (a plan's
        read, a version, an export) does not count: prune keeps backups by their own rules."""
        row = self._db.execute(
            "SELECT sha256, model FROM entries WHERE app=? AND address(base_url)=? AND kind='backup' "
            "AND id!=? ORDER BY created_at DESC, id DESC LIMIT 1",
            (entry.app, _address(entry.base_url), entry.id),
        ).fetchone()
        if row is None or row[0] != entry.sha256:
            return False
        mine = self._db.execute("SELECT model FROM entries WHERE id=?", (entry.id,)).fetchone()
        return mine is not None and _same_json(row[1], mine[0])

    def set_kind(self, entry_id: int, kind: str, note: str | None = None) -> None:
        """Re-file an entry (a plan's download of the target becomes a promotion's backup)."""
        if kind not in KINDS:
            raise UsageError(f"Unknown archive kind {kind!r}; one of {', '.join(KINDS)}.")
        self._db.execute("UPDATE entries SET kind=? WHERE id=?", (kind, entry_id))
        if note is not None:
            self._db.execute("UPDATE entries SET note=? WHERE id=?", (note, entry_id))

    def versions_archived_for(self, base_url: str, app: str) -> set[str]:
        """Version labels archived for one target (the app behind *base_url*), whatever the profile."""
        rows = self._db.execute(
            "SELECT DISTINCT version FROM entries WHERE address(base_url)=? AND app=? AND kind='version' "
            "AND version IS NOT NULL",
            (_address(base_url), app),
        ).fetchall()
        return {r[0] for r in rows}

    def import_zip(self, source: Path, *, profile: str, base_url: str, app: str, note: str = "") -> Entry:
        """Copy an outside zip into the archive after checking it."""
        check_config_zip(source)

        return self.add_file(
            functools.partial(copy_atomically, source),
            profile=profile,
            base_url=base_url,
            app=app,
            kind="import",
            note=note or f"imported from {source.name}",
        )

    # -- reading --------------------------------------------------------------------------------

    def _row(self, row: tuple[Any, ...]) -> Entry:
        return Entry(
            id=row[0],
            profile=row[1],
            base_url=row[2],
            app=row[3],
            kind=row[4],
            version=row[5],
            created_at=row[6],
            sha256=row[7],
            size=row[8],
            path=row[9],
            model=_recorded_model(row[10]),
            note=row[11] or "",
            pinned=bool(row[12]),
            promotion_id=row[13],
            verified=row[14] or "",
        )

    def get(self, entry_id: int) -> Entry:
        row = self._db.execute("SELECT * FROM entries WHERE id=?", (entry_id,)).fetchone()
        if row is None:
            raise UsageError(f"There is no archive entry #{entry_id}.")
        return self._row(row)

    def path_of(self, entry: Entry) -> Path:
        return self.root / entry.path

    def entries(self, profile: str | None = None, kind: str | None = None) -> list[Entry]:
        columns = (
            "id, profile, base_url, app, kind, version, created_at, sha256, size, path, NULL, note, "
            "pinned, promotion_id, verified"
        )
        sql, args = f"SELECT {columns} FROM entries WHERE 1=1", []
        if profile:
            sql += " AND profile=?"
            args.append(profile)
        if kind:
            sql += " AND kind=?"
            args.append(kind)
        rows = self._db.execute(sql + " ORDER BY created_at DESC, id DESC", args).fetchall()
        return [self._row(r) for r in rows]

    def path_for_upload(self, entry: Entry) -> Path:
        """*entry*'s file, re-hashed now against the index: every write from the archive goes
        through here, so bytes the index does not vouch for are never sent. A missing or altered
        file raises a UsageError naming the entry (and marks it as ``verify`` would)."""
        path = self.path_of(entry)
        try:
            digest = sha256_file(path)
        except FileNotFoundError:
            self._mark(entry.id, "missing")
            raise UsageError(
                f"The file of archive entry #{entry.id} is missing ({path}); nothing was sent. "
                "Run `archive verify`."
            ) from None
        except OSError as exc:
            raise UsageError(
                f"The file of archive entry #{entry.id} cannot be read ({exc.strerror or exc}); "
                "nothing was sent. Run `archive verify`."
            ) from None
        if digest != entry.sha256:
            self._mark(entry.id, "bad")
            raise UsageError(
                f"The file of archive entry #{entry.id} no longer matches the sha256 recorded when it "
                f"was archived (changed or damaged since: {path}); nothing was sent. "
                "Run `archive verify`."
            )
        return path

    def _mark(self, entry_id: int, state: str) -> None:
        with contextlib.suppress(Exception):  # the refusal stands even if its mark cannot be kept
            self._db.execute("UPDATE entries SET verified=? WHERE id=?", (state, entry_id))

    def versions_archived(self, profile: str) -> set[str]:
        rows = self._db.execute(
            "SELECT DISTINCT version FROM entries WHERE profile=? AND version IS NOT NULL", (profile,)
        ).fetchall()
        return {r[0] for r in rows}

    def newest_backup(self, base_url: str, app: str) -> Entry | None:
        """The newest backup (kind ``backup``: model and configuration) of one target."""
        row = self._db.execute(
            "SELECT id FROM entries WHERE address(base_url)=? AND app=? AND kind='backup' "
            "ORDER BY created_at DESC, id DESC LIMIT 1",
            (_address(base_url), app),
        ).fetchone()
        return self.get(row[0]) if row else None

    # -- what a backup held when archived, and its restore drills --------------------------------
    # Kept in the index beside the entry, not in history: a drill proves one archived file, goes
    # with it when it is pruned, and the Archive tab shows it on the entry's row.

    def record_contents(self, entry_id: int, rows: dict[str, str]) -> None:
        """Each row's digest as the configuration was when archived (``configdoc.diff.row_digests``):
        a drill names what changed in the file since, even when its sha256 was rewritten with it."""
        blob = zlib.compress(json.dumps(rows, sort_keys=True).encode(), 6)
        self._db.execute("INSERT OR REPLACE INTO contents VALUES (?, ?, ?)", (entry_id, blob, time.time()))

    def contents(self, entry_id: int) -> dict[str, str] | None:
        row = self._db.execute("SELECT rows FROM contents WHERE entry_id=?", (entry_id,)).fetchone()
        if row is None:
            return None
        try:
            value = json.loads(zlib.decompress(row[0]))
        except (zlib.error, ValueError, TypeError):
            return {}  # a damaged record proves nothing: every row is named as changed
        return value if isinstance(value, dict) else {}

    def record_drill(
        self, entry_id: int, ok: bool, message: str, differences: list[str], run_id: int | None
    ) -> Drill:
        at = time.time()
        self._db.execute(
            "INSERT INTO drills (entry_id, at, ok, message, differences, run_id) VALUES (?, ?, ?, ?, ?, ?)",
            (entry_id, at, int(ok), message, json.dumps(differences), run_id),
        )
        return Drill(entry_id, at, ok, message, differences, run_id)

    def last_drills(self, entry_ids: list[int] | None = None) -> dict[int, Drill]:
        """Each entry's newest drill (of *entry_ids*, or of every entry)."""
        rows = self._db.execute(
            "SELECT entry_id, at, ok, message, differences, run_id FROM drills ORDER BY at, id"
        ).fetchall()
        wanted = set(entry_ids) if entry_ids is not None else None
        out: dict[int, Drill] = {}
        for entry_id, at, ok, message, differences, run_id in rows:
            if wanted is None or entry_id in wanted:
                found = json.loads(differences or "[]")
                out[entry_id] = Drill(entry_id, at, bool(ok), message or "", found, run_id)
        return out

    def drills_of(self, base_url: str, app: str) -> list[Drill]:
        """Every drill of one target's backups, newest first."""
        rows = self._db.execute(
            "SELECT d.entry_id, d.at, d.ok, d.message, d.differences, d.run_id FROM drills d "
            "JOIN entries e ON e.id = d.entry_id WHERE address(e.base_url)=? AND e.app=? "
            "ORDER BY d.at DESC, d.id DESC",
            (_address(base_url), app),
        ).fetchall()
        return [Drill(r[0], r[1], bool(r[2]), r[3] or "", json.loads(r[4] or "[]"), r[5]) for r in rows]

    # -- checking, keeping, deleting ------------------------------------------------------------

    def verify(self, ids: list[int] | None = None, *, deep: bool = False) -> list[VerifyResult]:
        """Re-hash each entry's file against the index; report missing and altered files.

        A file whose sha256 matches is byte for byte the zip that passed the full check when it was
        archived, so re-testing it proves nothing more; *deep* re-runs the zip check anyway (CRCs,
        entries, XML), at several times the cost.
        """
        entries = [self.get(i) for i in ids] if ids else self.entries()
        results = []
        states = []
        root = str(self.root)
        for entry in entries:
            path = os.path.join(root, entry.path)  # (a string: pathlib costs as much as the hashing's reads)
            problem = ""
            try:
                digest = sha256_file(path)
            except FileNotFoundError:
                problem = f"file missing: {path}"
            except OSError as exc:  # a folder in its place, no permission: said, not a traceback
                problem = f"file unreadable: {path} ({exc.strerror or exc})"
            else:
                if digest != entry.sha256:
                    problem = "file altered: its sha256 no longer matches the index"
            if deep and not problem:
                try:
                    check_config_zip(Path(path))
                    _test_crcs(Path(path))
                except InvalidConfigZip as exc:
                    problem = f"not a valid configuration zip any more: {exc}"
            state = "ok" if not problem else ("missing" if problem.startswith("file missing") else "bad")
            states.append((state, entry.id))
            results.append(VerifyResult(entry.id, not problem, problem))
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany("UPDATE entries SET verified=? WHERE id=?", states)
        return results

    def reference(self, entry_id: int, promotion_id: int, role: str) -> None:
        self._db.execute("INSERT INTO refs VALUES (?, ?, ?)", (entry_id, promotion_id, role))
        self._db.execute(
            "UPDATE entries SET promotion_id=COALESCE(promotion_id, ?) WHERE id=?", (promotion_id, entry_id)
        )

    def is_referenced(self, entry_id: int) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM refs WHERE entry_id=? AND role='backup'", (entry_id,)
        ).fetchone()
        return row is not None

    def set_pinned(self, entry_id: int, pinned: bool) -> None:
        self.get(entry_id)
        self._db.execute("UPDATE entries SET pinned=? WHERE id=?", (int(pinned), entry_id))

    def set_note(self, entry_id: int, note: str) -> None:
        self.get(entry_id)
        self._db.execute("UPDATE entries SET note=? WHERE id=?", (note, entry_id))

    def delete(self, entry_id: int) -> None:
        entry = self.get(entry_id)
        named = [name for name, held, _info in self.release_rows() if held == entry_id]
        if named:
            raise UsageError(
                f"Archive entry #{entry_id} is release {named[0]}; "
                f"remove it with `release remove {named[0]}`."
            )
        if entry.pinned:
            raise UsageError(f"Archive entry #{entry_id} is pinned; unpin it first.")
        if self.is_referenced(entry_id):
            raise UsageError(f"Archive entry #{entry_id} is the backup of a promotion; it is kept.")
        self._db.execute("DELETE FROM entries WHERE id=?", (entry_id,))
        self._db.execute("DELETE FROM contents WHERE entry_id=?", (entry_id,))
        self._db.execute("DELETE FROM drills WHERE entry_id=?", (entry_id,))
        shared = self._db.execute("SELECT 1 FROM entries WHERE path=?", (entry.path,)).fetchone()
        if shared is not None:  # another entry holds the same bytes: the file stays
            return
        with contextlib.suppress(FileNotFoundError):
            self.path_of(entry).unlink()
        fsync_dir(self.path_of(entry).parent)

    # -- releases: a name for one pinned entry of kind ``release`` (``releases.py`` says what) -----

    def put_release(self, name: str, entry_id: int, info: dict[str, Any]) -> None:
        """Record release *name* as *entry_id* (replacing a release of that name)."""
        self._db.execute(
            "INSERT OR REPLACE INTO releases VALUES (?, ?, ?)", (name, entry_id, json.dumps(info))
        )

    def release_rows(self) -> list[tuple[str, int, dict[str, Any]]]:
        """Every release as (name, entry id, its recorded facts), oldest first."""
        rows = self._db.execute("SELECT name, entry_id, info FROM releases ORDER BY rowid").fetchall()
        return [(str(r[0]), int(r[1]), _json_object(r[2])) for r in rows]

    def drop_release(self, name: str) -> None:
        self._db.execute("DELETE FROM releases WHERE name=?", (name,))

    def prune(
        self,
        keep: int,
        profile: str | None = None,
        *,
        days: float = 0.0,
        plan_days: float = 0.0,
        dry_run: bool = False,
    ) -> list[int]:
        """Apply the retention rule (``retention.py``); return the ids deleted (or, with *dry_run*,
        the ids that would be). Plan reads are kept *plan_days*, on their own rule."""
        from app.archive.retention import Retention, doomed

        if keep < 0 or days < 0 or plan_days < 0:
            raise UsageError("--keep, --days and --plan-days must be 0 or more.")
        referenced = {r[0] for r in self._db.execute("SELECT entry_id FROM refs WHERE role='backup'")}
        referenced |= {held for _name, held, _info in self.release_rows()}  # a release is kept whole
        rule = Retention(keep, days, plan_days)
        going = doomed(self.entries(profile), rule, referenced, time.time())
        if not dry_run:
            for entry in going:
                self.delete(entry.id)
            self.parses.forget_unused()
        return [e.id for e in going]


DAMAGED_MODEL = "(damaged: this entry's recorded model is not JSON in the archive's index)"


def _recorded_model(text: str | None) -> Any:
    """An entry's recorded model as JSON; a damaged index row is :data:`DAMAGED_MODEL`, a text, so
    that whatever would restore it refuses it as "not a model" (listings still list the entry)."""
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return DAMAGED_MODEL


def _same_json(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a is b
    try:
        return bool(json.loads(a) == json.loads(b))
    except ValueError:  # a damaged row equals nothing
        return False


def _json_object(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _test_crcs(path: Path) -> None:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        bad = archive.testzip()
    if bad is not None:
        raise InvalidConfigZip(f"entry {bad} fails its CRC check")
