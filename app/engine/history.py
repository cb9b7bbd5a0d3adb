"""History of promotions, rollbacks, restores and profile changes, in SQLite under the home."""

from __future__ import annotations

import functools
import getpass
import json
import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app import logs
from app.engine.planjson import decode_plan, encode_plan
from app.errors import UsageError
from app.kinds import ReadKind
from app.profileguard import Known, ProfileChange
from app.sqlstore import open_db

if TYPE_CHECKING:
    from app.profile import Profile

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT, user TEXT, started_at REAL, finished_at REAL,
    source TEXT, target TEXT, status TEXT, message TEXT, plan TEXT, steps TEXT, archive_ids TEXT,
    fingerprint TEXT, pid INTEGER);
CREATE TABLE IF NOT EXISTS baselines (
    target_key TEXT PRIMARY KEY, fingerprint TEXT, run_id INTEGER, entry_id INTEGER, at REAL);
CREATE TABLE IF NOT EXISTS profile_states (
    profile_id TEXT PRIMARY KEY, name TEXT, protected INTEGER, run_id INTEGER, at REAL);
CREATE TABLE IF NOT EXISTS versions_seen (
    target_key TEXT, version TEXT, first_seen REAL, PRIMARY KEY (target_key, version));
"""
PROFILE = ReadKind.PROFILE  # the kind of a profile change's record: not a write to a server, never undone
READS = tuple(ReadKind)  # runs that never write into their target


@dataclass(frozen=True)
class Baseline:
    """What the promoter last left a target holding: drift is any change from it."""

    fingerprint: str
    run_id: int
    entry_id: int | None


@dataclass(frozen=True)
class Run:
    id: int
    kind: str
    user: str
    started_at: float
    finished_at: float | None
    source: str | None
    target: str
    status: str
    message: str
    plan_json: str | bytes | None = field(repr=False)  # None in a listing: read when asked (planjson.py)
    steps: list[dict[str, Any]] = field(default_factory=list)
    archive_ids: dict[str, Any] = field(default_factory=dict)
    fingerprint: str | None = None
    undone_by: int | None = None
    load_plan: Callable[[], str | bytes | None] | None = field(default=None, repr=False, compare=False)

    @functools.cached_property
    def plan(self) -> dict[str, Any]:
        """The run's plan (a large promotion's is megabytes of JSON: read and parsed only when asked
        for, so listing 500 runs on the window's thread reads none)."""
        stored = (
            self.plan_json if self.plan_json is not None else (self.load_plan() if self.load_plan else None)
        )
        try:
            return decode_plan(stored)
        except ValueError as exc:  # not a guess: what it wrote decides undo and the last write
            raise UsageError(
                f"History's record of run #{self.id} is damaged ({exc}): what that run planned and "
                "wrote cannot be read, so nothing that depends on it is decided."
            ) from None

    @property
    def seconds(self) -> float | None:
        return None if self.finished_at is None else round(self.finished_at - self.started_at, 3)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "user": self.user,
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.started_at)),
            "seconds": self.seconds,
            "source": self.source,
            "target": self.target,
            "status": self.status,
            "message": self.message,
            "plan": self.plan,
            "steps": self.steps,
            "archive_ids": self.archive_ids,
            "undone": self.undone_by is not None,
            "undone_by": self.undone_by,
        }


def current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


class History:
    def __init__(self, path: Path) -> None:
        self._db = open_db(path, _prepare)

    def close(self) -> None:
        self._db.close()

    def start(self, kind: str, source: str | None, target: str, target_key: str | None = None) -> int:
        cur = self._db.execute(
            "INSERT INTO runs (kind, user, started_at, source, target, status, message, plan, steps, "
            "archive_ids, pid, target_key) VALUES (?, ?, ?, ?, ?, 'running', '', '{}', '[]', '{}', ?, ?)",
            (kind, current_user(), time.time(), source, target, os.getpid(), target_key),
        )
        return int(cur.lastrowid or 0)

    def finish(
        self,
        run_id: int,
        status: str,
        message: str,
        plan: dict[str, Any],
        steps: list[dict[str, Any]],
        archive_ids: dict[str, Any],
        fingerprint: str | None = None,
    ) -> None:
        self._db.execute(
            "UPDATE runs SET finished_at=?, status=?, message=?, plan=?, steps=?, archive_ids=?, "
            "fingerprint=? WHERE id=?",
            (
                time.time(),
                status,
                logs.redact(message),  # history keeps no secret, whatever a server echoed
                encode_plan(logs.redact_data(plan)),  # compressed when large (planjson.py)
                json.dumps(logs.redact_data(steps)),
                json.dumps(archive_ids),
                fingerprint,
                run_id,
            ),
        )

    def set_archive_ids(self, run_id: int, archive_ids: dict[str, Any]) -> None:
        """Record the archive entries as soon as they exist (a run that dies keeps its backup id)."""
        self._db.execute("UPDATE runs SET archive_ids=? WHERE id=?", (json.dumps(archive_ids), run_id))

    def mark_interrupted(self) -> list[Run]:
        """Runs left 'running' by a process that died (kill -9, power cut): mark them 'interrupted'.

        Their target may be half-written; the message names the backup to restore.
        """
        found = []
        for row in self._db.execute("SELECT * FROM runs WHERE status='running'").fetchall():
            pid = row[13]
            if pid is not None and _alive(int(pid)):
                continue
            run = self._row(row)
            if run.kind in READS:  # a backup, drill or drift check wrote nothing into its target
                self._db.execute(
                    "UPDATE runs SET status='interrupted', message=?, finished_at=? WHERE id=?",
                    (f"Interrupted: the process running {run.kind} #{run.id} of {run.target} died; "
                     "nothing was written into it.", time.time(), run.id),
                )
                found.append(self.get(run.id) or run)
                continue
            backup = run.archive_ids.get("backup")
            recover = run.archive_ids.get("recover") or (
                f"promoter restore {run.target} {backup} --allow-data-loss --yes"
            )
            message = f"Interrupted: the process running {run.kind} #{run.id} into {run.target} died. " + (
                (
                    f"{run.target} may be half-written; put the whole target back (model and "
                    f"configuration) with: {recover}"
                )
                if backup
                else f"Nothing had been written to {run.target} yet (no backup had been taken)."
            )
            self._db.execute(
                "UPDATE runs SET status='interrupted', message=?, finished_at=? WHERE id=?",
                (message, time.time(), run.id),
            )
            found.append(self.get(run.id) or run)
        return found

    def _row(self, row: tuple[Any, ...], lazy: bool = False) -> Run:
        run_id = row[0]
        return Run(
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            row[5],
            row[6],
            row[7],
            row[8] or "",
            None if lazy else (row[9] or "{}"),
            json.loads(row[10] or "[]"),
            json.loads(row[11] or "{}"),
            row[12],
            row[14] if len(row) > 14 else None,
            (lambda: self._plan_text(run_id)) if lazy else None,
        )

    def _plan_text(self, run_id: int) -> str | bytes | None:
        found = self._db.execute("SELECT plan FROM runs WHERE id=?", (run_id,)).fetchone()
        return found[0] if found else None

    def _listing(self) -> str:
        """Every column of ``runs`` in order, the plan left out (NULL)."""
        names = [r[1] for r in self._db.execute("PRAGMA table_info(runs)").fetchall()]
        return ", ".join("NULL AS plan" if n == "plan" else n for n in names)

    def runs(self, limit: int = 50, *, plans: bool = True) -> list[Run]:
        """The newest runs. With ``plans=False`` (the window's list) their plans are read from the
        store only when asked for, which needs this store still open."""
        if plans:
            rows = self._db.execute("SELECT * FROM runs ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
            return [self._row(r) for r in rows]
        rows = self._db.execute(
            f"SELECT {self._listing()} FROM runs ORDER BY id DESC LIMIT ?", (limit,)
        ).fetchall()
        return [self._row(r, lazy=True) for r in rows]

    def get(self, run_id: int) -> Run | None:
        row = self._db.execute("SELECT * FROM runs WHERE id=?", (run_id,)).fetchone()
        return self._row(row) if row else None

    def last_of(self, kind: str, target: str, besides: tuple[str, ...] = ()) -> Run | None:
        """The newest run of *kind* into *target* (the environments list shows the last backup),
        passing over runs whose status is one of *besides*."""
        skip = "".join(" AND status != ?" for _ in besides)
        row = self._db.execute(
            f"SELECT * FROM runs WHERE kind=? AND target=? AND status != 'running'{skip} "
            "ORDER BY id DESC LIMIT 1",
            (kind, target, *besides),
        ).fetchone()
        return self._row(row) if row else None

    def last_write(self, kinds: tuple[str, ...], target: str) -> Run | None:
        """The newest write into *target* that holds: it succeeded, wrote something and was not
        undone since (an undone run, a refused one or one that changed nothing is not the last write)."""
        marks = ", ".join("?" for _ in kinds)
        rows = self._db.execute(
            f"SELECT * FROM runs WHERE kind IN ({marks}) AND target=? AND status='succeeded' "
            "AND undone_by IS NULL ORDER BY id DESC LIMIT 20",
            (*kinds, target),
        ).fetchall()
        for row in rows:
            run = self._row(row)
            if run.plan.get("written"):
                return run
        return None

    def mark_undone(self, run_id: int, by_run: int) -> None:
        self._db.execute("UPDATE runs SET undone_by=? WHERE id=?", (by_run, run_id))

    def clear_undone(self, by_run: int) -> None:
        """An undo was itself undone: the run it had undone is in effect again."""
        self._db.execute("UPDATE runs SET undone_by=NULL WHERE undone_by=?", (by_run,))

    def writes_after(self, run_id: int, target_key: str, target: str) -> list[Run]:
        """Runs after *run_id* that wrote, or may have written, into the target (its URL and app,
        whatever profile name they used; by name for runs from before keys were recorded)."""
        rows = self._db.execute(
            "SELECT * FROM runs WHERE id>? AND (target_key=? OR (target_key IS NULL AND target=?)) "
            "AND status NOT IN ('refused', 'dry_run') AND kind NOT IN (?, ?, ?, ?) ORDER BY id",
            (run_id, target_key, target, *READS),
        ).fetchall()
        runs = [self._row(r) for r in rows]
        return [r for r in runs if r.status != "failed" or r.plan.get("written")]

    def write_mark(self, target_key: str, target: str) -> int:
        """The run id up to which every write into the target has ended: a later write, or one
        running now, has a greater id (for a reader to ask :meth:`writes_after` it later)."""
        running = self._db.execute(
            "SELECT MIN(id) FROM runs WHERE status='running' AND (target_key=? OR "
            "(target_key IS NULL AND target=?)) AND kind NOT IN (?, ?, ?, ?)",
            (target_key, target, *READS),
        ).fetchone()[0]
        if running is not None:
            return int(running) - 1
        return int(self._db.execute("SELECT COALESCE(MAX(id), 0) FROM runs").fetchone()[0])

    def versions_seen(self, target_key: str, versions: list[str]) -> dict[str, float]:
        """When the promoter first saw each of a target's server versions (the server keeps no
        dates): a label seen for the first time is noted now."""
        now = time.time()
        self._db.executemany(
            "INSERT OR IGNORE INTO versions_seen VALUES (?, ?, ?)", [(target_key, v, now) for v in versions]
        )
        rows = self._db.execute(
            "SELECT version, first_seen FROM versions_seen WHERE target_key=?", (target_key,)
        ).fetchall()
        wanted = set(versions)
        return {str(v): float(at) for v, at in rows if v in wanted}

    # -- the drift baseline: kept apart from the archive, so pruning cannot make drift disappear ----

    def set_baseline(self, target_key: str, fingerprint: str, run_id: int, entry_id: int | None) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO baselines VALUES (?, ?, ?, ?, ?)",
            (target_key, fingerprint, run_id, entry_id, time.time()),
        )

    def baseline(self, target_key: str) -> Baseline | None:
        row = self._db.execute(
            "SELECT fingerprint, run_id, entry_id FROM baselines WHERE target_key=?", (target_key,)
        ).fetchone()
        return Baseline(row[0], row[1], row[2]) if row else None

    # -- profile changes: recorded as runs of kind "profile", and each profile's last known protection

    def record_profile_change(self, change: ProfileChange) -> int:
        """A run of kind ``profile`` saying what changed (old → new per field), by whom and when;
        the profile's protection as the promoter now knows it."""
        now = time.time()
        cur = self._db.execute(
            "INSERT INTO runs (kind, user, started_at, finished_at, source, target, status, message, "
            "plan, steps, archive_ids, pid, target_key) "
            "VALUES (?, ?, ?, ?, NULL, ?, 'succeeded', ?, ?, '[]', '{}', ?, ?)",
            (
                PROFILE,
                current_user(),
                now,
                now,
                change.name,
                logs.redact(change.summary()),
                json.dumps(logs.redact_data({"profile": change.as_json()})),
                os.getpid(),
                change.target_key,
            ),
        )
        run_id = int(cur.lastrowid or 0)
        # a recorded change replaces the profile's record; an unprotect or a remove (its name typed)
        # also ends any other record of protection on the same target (a renamed or re-id'd entry)
        lowers = change.action == "unprotect" or (change.action == "remove" and change.confirmed)
        self._db.execute(
            "DELETE FROM profile_states WHERE profile_id=? OR name=? OR (? AND target_key=?)",
            (change.profile_id, change.name, int(lowers), change.target_key),
        )
        if change.action != "remove":
            self._db.execute(
                "INSERT INTO profile_states (profile_id, name, protected, run_id, at, target_key) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (change.profile_id, change.name, int(change.protected), run_id, now, change.target_key),
            )
        return run_id

    def known_profiles(self) -> dict[str, Known]:
        """Each recorded profile's last known protection, under ``id:ID`` and ``name:NAME``."""
        out: dict[str, Known] = {}
        rows = self._db.execute(
            "SELECT profile_id, name, protected, run_id, at FROM profile_states ORDER BY at"
        )
        for profile_id, name, protected, run_id, at in rows.fetchall():
            known = Known(name, bool(protected), at, run_id)
            out[f"id:{profile_id}"] = known
            if not out.get(f"name:{name}", known).protected or protected:
                out[f"name:{name}"] = known  # by name, a protected record is not hidden by another
        return out

    def protected_targets(self) -> dict[str, str]:
        """The targets (URL + app) a recorded protected profile guards, each with that profile's
        name: a protection belongs to the target, whatever profile (or renamed, re-id'd profile)
        points at it now."""
        rows = self._db.execute(
            "SELECT target_key, name FROM profile_states WHERE protected=1 AND target_key IS NOT NULL"
        ).fetchall()
        return {str(key): str(name) for key, name in rows}

    def note_profiles(self, profiles: list[Profile]) -> None:
        """Profiles seen for the first time (by id and by name) are noted as they are; a profile
        protected since is noted as protected. A protection lost is never noted: only a recorded
        change (with the name typed) says it is gone."""
        known = self.known_profiles()
        now = time.time()
        for p in profiles:
            record = known.get(f"id:{p.id}") or known.get(f"name:{p.name}")
            if record is None:
                self._db.execute(
                    "INSERT OR IGNORE INTO profile_states (profile_id, name, protected, run_id, at, "
                    "target_key) VALUES (?, ?, ?, NULL, ?, ?)",
                    (p.id, p.name, int(p.protected), now, p.target_key),
                )
            elif p.protected and not record.protected:
                self._db.execute(
                    "UPDATE profile_states SET protected=1, at=? WHERE profile_id=? OR name=?",
                    (now, p.id, p.name),
                )


class HistoryJournal:
    """The profiles' journal (``app.profiles.ProfileJournal``) in the home's history: each call
    opens the history and closes it (a profile change is rare; any thread may make one)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def known(self) -> dict[str, Known]:
        history = History(self.path)
        try:
            return history.known_profiles()
        finally:
            history.close()

    def record(self, change: ProfileChange) -> None:
        history = History(self.path)
        try:
            history.record_profile_change(change)
        finally:
            history.close()

    def note(self, profiles: list[Profile]) -> None:
        history = History(self.path)
        try:
            history.note_profiles(profiles)
        finally:
            history.close()


def _prepare(db: sqlite3.Connection) -> None:
    db.executescript(SCHEMA)
    columns = {row[1] for row in db.execute("PRAGMA table_info(runs)").fetchall()}
    for column, kind in (("pid", "INTEGER"), ("undone_by", "INTEGER"), ("target_key", "TEXT")):
        if column not in columns:  # a history file from before the column existed
            db.execute(f"ALTER TABLE runs ADD COLUMN {column} {kind}")
    states = {row[1] for row in db.execute("PRAGMA table_info(profile_states)").fetchall()}
    if "target_key" not in states:  # which target a recorded protection guards (kept by target too)
        db.execute("ALTER TABLE profile_states ADD COLUMN target_key TEXT")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return pid != 0
