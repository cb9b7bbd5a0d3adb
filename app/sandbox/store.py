"""The sandbox's persistent state: apps, users, tokens, models, configuration documents, versions.

Everything lives under one data folder: ``sandbox.sqlite`` (the index), ``apps/<app>.sqlite`` (each
app's real database) and ``docs/<n>/`` (configuration documents, immutable once written). One lock
serialises changes; the state survives a restart.
"""

from __future__ import annotations

import json
import secrets
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.backand.model import Model
from app.backand.quirks import KEPT_BY_SERVER
from app.fsutil import atomic_write_bytes
from app.sandbox import configdocs, schema

DEFAULT_TOKEN_LIFETIME = 86400

META_SCHEMA = """
CREATE TABLE IF NOT EXISTS apps (
    name TEXT PRIMARY KEY, app_id INTEGER UNIQUE, title TEXT, status TEXT,
    key_access INTEGER, master_token TEXT, model TEXT, doc_id INTEGER, cached_doc_id INTEGER,
    refresh_tokens INTEGER DEFAULT 0);
CREATE TABLE IF NOT EXISTS users (username TEXT PRIMARY KEY, password TEXT, full_name TEXT);
CREATE TABLE IF NOT EXISTS members (
    app TEXT, username TEXT, role TEXT, user_token TEXT, PRIMARY KEY (app, username));
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY, kind TEXT, username TEXT, app TEXT, expires_at REAL);
CREATE TABLE IF NOT EXISTS docs (doc_id INTEGER PRIMARY KEY AUTOINCREMENT, app TEXT,
    config_version TEXT, created_at REAL);
CREATE TABLE IF NOT EXISTS versions (
    app TEXT, label TEXT, doc_id INTEGER, seq INTEGER, kind TEXT, created_at REAL,
    PRIMARY KEY (app, label));
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT);
"""


class _Rows:
    """A fully fetched result, so that no cursor outlives the lock."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self.rows = cursor.fetchall()
        self.rowcount = cursor.rowcount
        self.lastrowid = cursor.lastrowid

    def fetchone(self) -> Any:
        return self.rows[0] if self.rows else None

    def fetchall(self) -> list[Any]:
        return self.rows


class _LockedDB:
    """One SQLite connection shared by the server's threads, every statement under the store lock."""

    def __init__(self, conn: sqlite3.Connection, lock: threading.RLock) -> None:
        self.conn, self.lock = conn, lock

    def execute(self, sql: str, args: tuple[Any, ...] | list[Any] = ()) -> _Rows:
        with self.lock:
            return _Rows(self.conn.execute(sql, args))

    def executescript(self, sql: str) -> None:
        with self.lock:
            self.conn.executescript(sql)

    def close(self) -> None:
        with self.lock:
            self.conn.close()


class SandboxError(Exception):
    """An error the API turns into an HTTP answer."""

    def __init__(self, status: int, text: str, shape: str = "bare") -> None:
        super().__init__(text)
        self.status = status
        self.text = text
        self.shape = shape  # "bare", "message" (auth filter) or "grant" (/token)


@dataclass(frozen=True)
class AppRow:
    name: str
    app_id: int
    title: str
    status: str
    key_access: bool
    master_token: str
    model: Model
    doc_id: int
    cached_doc_id: int
    refresh_tokens: bool


class Store:
    """All sandbox state under *data_dir*."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        (data_dir / "apps").mkdir(exist_ok=True)
        (data_dir / "docs").mkdir(exist_ok=True)
        self.lock = threading.RLock()
        self._db = _LockedDB(
            sqlite3.connect(data_dir / "sandbox.sqlite", check_same_thread=False, isolation_level=None),
            self.lock,
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(META_SCHEMA)

    def close(self) -> None:
        with self.lock:
            self._db.close()

    @contextmanager
    def tx(self) -> Iterator[_LockedDB]:
        with self.lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def wipe(self) -> None:
        """Forget everything (for ``/_sandbox/reset``), in place: requests in flight keep a working
        store instead of a closed one."""
        with self.lock:
            for table in ("apps", "users", "members", "tokens", "docs", "versions", "settings"):
                self._db.execute(f"DELETE FROM {table}")
            for folder in ("apps", "docs"):
                shutil.rmtree(self.data_dir / folder, ignore_errors=True)
                (self.data_dir / folder).mkdir()

    def is_empty(self) -> bool:
        return bool(self._db.execute("SELECT COUNT(*) FROM apps").fetchone()[0] == 0)

    # -- settings -------------------------------------------------------------------------------

    def setting(self, key: str, default: str) -> str:
        row = self._db.execute("SELECT value FROM settings WHERE key=?", (key,)).fetchone()
        return str(row[0]) if row else default

    def set_setting(self, key: str, value: str) -> None:
        with self.tx() as db:
            db.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", (key, value))

    @property
    def token_lifetime(self) -> float:
        return float(self.setting("token_lifetime", str(DEFAULT_TOKEN_LIFETIME)))

    # -- users and apps -------------------------------------------------------------------------

    def add_user(self, username: str, password: str, full_name: str) -> None:
        with self.tx() as db:
            db.execute("INSERT OR REPLACE INTO users VALUES (?, ?, ?)", (username, password, full_name))

    def add_member(self, app: str, username: str, role: str, user_token: str) -> None:
        with self.tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO members VALUES (?, ?, ?, ?)", (app, username, role, user_token)
            )

    def create_app(
        self,
        name: str,
        app_id: int,
        title: str,
        model: Model,
        app_doc: bytes,
        map_doc: bytes,
        *,
        status: str = "Ready",
        key_access: bool = True,
        master_token: str | None = None,
        refresh_tokens: bool = False,
    ) -> None:
        with self.lock:
            conn = self.app_db(name)
            try:
                schema.apply(conn, [], model)
            finally:
                conn.close()
            doc_id = self.write_doc(name, app_doc, map_doc)
            with self.tx() as db:
                db.execute(
                    "INSERT INTO apps VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        name,
                        app_id,
                        title,
                        status,
                        int(key_access),
                        master_token or secrets.token_hex(16),
                        json.dumps(model),
                        doc_id,
                        doc_id,
                        int(refresh_tokens),
                    ),
                )

    def app(self, name: str) -> AppRow:
        row = self._db.execute("SELECT * FROM apps WHERE name=?", (name.lower(),)).fetchone()
        if row is None:
            raise SandboxError(404, f'The app "{name}" was not found.')
        return AppRow(
            row[0],
            row[1],
            row[2],
            row[3],
            bool(row[4]),
            row[5],
            json.loads(row[6]),
            row[7],
            row[8],
            bool(row[9]),
        )

    def app_exists(self, name: str) -> bool:
        return self._db.execute("SELECT 1 FROM apps WHERE name=?", (name.lower(),)).fetchone() is not None

    def apps_for(self, username: str) -> list[tuple[AppRow, str]]:
        rows = self._db.execute(
            "SELECT app, role FROM members WHERE username=? AND role IN ('Admin','Developer') ORDER BY app",
            (username,),
        ).fetchall()
        return [(self.app(app), role) for app, role in rows]

    def app_by_master(self, master: str) -> AppRow | None:
        row = self._db.execute("SELECT name FROM apps WHERE master_token=?", (master,)).fetchone()
        return self.app(row[0]) if row else None

    def set_status(self, app: str, status: str) -> None:
        with self.tx() as db:
            db.execute("UPDATE apps SET status=? WHERE name=?", (status, app))

    def app_db(self, name: str) -> sqlite3.Connection:
        return sqlite3.connect(self.data_dir / "apps" / f"{name}.sqlite", isolation_level=None)

    # -- auth -----------------------------------------------------------------------------------

    def check_password(self, username: str, password: str) -> bool:
        row = self._db.execute("SELECT password FROM users WHERE username=?", (username,)).fetchone()
        return row is not None and secrets.compare_digest(str(row[0]), password)

    def user(self, username: str) -> tuple[str, str] | None:
        row = self._db.execute(
            "SELECT username, full_name FROM users WHERE username=?", (username,)
        ).fetchone()
        return (row[0], row[1]) if row else None

    def role_of(self, app: str, username: str) -> str | None:
        row = self._db.execute(
            "SELECT role FROM members WHERE app=? AND username=?", (app, username)
        ).fetchone()
        return str(row[0]) if row else None

    def issue_token(self, username: str, app: str, kind: str = "access") -> str:
        token = secrets.token_urlsafe(32)
        lifetime = self.token_lifetime if kind == "access" else 30 * 86400
        with self.tx() as db:
            db.execute(
                "INSERT INTO tokens VALUES (?, ?, ?, ?, ?)",
                (token, kind, username, app, time.time() + lifetime),
            )
        return token

    def token(self, token: str, kind: str = "access") -> tuple[str, str] | None:
        row = self._db.execute(
            "SELECT username, app, expires_at FROM tokens WHERE token=? AND kind=?", (token, kind)
        ).fetchone()
        if row is None or row[2] <= time.time():
            return None
        return (row[0], row[1])

    def expire_tokens(self) -> int:
        with self.tx() as db:
            return db.execute("UPDATE tokens SET expires_at=0 WHERE kind='access'").rowcount

    def user_token(self, app: str, username: str) -> str:
        row = self._db.execute(
            "SELECT user_token FROM members WHERE app=? AND username=?", (app, username)
        ).fetchone()
        return str(row[0]) if row else ""

    def key_user(self, app: str, user_token: str) -> str | None:
        row = self._db.execute(
            "SELECT username FROM members WHERE app=? AND user_token=?", (app, user_token)
        ).fetchone()
        return str(row[0]) if row else None

    # -- configuration documents ----------------------------------------------------------------

    def _doc_dir(self, doc_id: int) -> Path:
        return self.data_dir / "docs" / str(doc_id)

    def doc_paths(self, doc_id: int) -> tuple[Path, Path]:
        folder = self._doc_dir(doc_id)
        return folder / "app.xml", folder / "map.xml"

    def write_doc(self, app: str, app_doc: bytes, map_doc: bytes) -> int:
        with self.tx() as db:
            cur = db.execute(
                "INSERT INTO docs (app, config_version, created_at) VALUES (?, ?, ?)",
                (app, configdocs.config_version(app_doc), time.time()),
            )
            doc_id = int(cur.lastrowid or 0)
        app_path, map_path = self.doc_paths(doc_id)
        atomic_write_bytes(app_path, app_doc, 0o644)
        atomic_write_bytes(map_path, map_doc, 0o644)
        return doc_id

    def add_doc_files(self, app: str, app_src: Path, map_src: Path, version: str) -> int:
        """Move two already-written files into a new document (no copy in memory)."""
        with self.tx() as db:
            cur = db.execute(
                "INSERT INTO docs (app, config_version, created_at) VALUES (?, ?, ?)",
                (app, version, time.time()),
            )
            doc_id = int(cur.lastrowid or 0)
        app_path, map_path = self.doc_paths(doc_id)
        app_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(app_src, app_path)
        shutil.move(map_src, map_path)
        return doc_id

    def doc_version(self, doc_id: int) -> str:
        row = self._db.execute("SELECT config_version FROM docs WHERE doc_id=?", (doc_id,)).fetchone()
        return str(row[0]) if row else "?"

    def set_current(self, app: str, doc_id: int, *, refresh_cache: bool) -> None:
        with self.tx() as db:
            if refresh_cache:
                db.execute("UPDATE apps SET doc_id=?, cached_doc_id=? WHERE name=?", (doc_id, doc_id, app))
            else:
                db.execute("UPDATE apps SET doc_id=? WHERE name=?", (doc_id, app))

    def reload_cache(self, app: str) -> None:
        with self.tx() as db:
            db.execute("UPDATE apps SET cached_doc_id=doc_id WHERE name=?", (app,))

    def set_model(self, app: str, model: Model) -> None:
        with self.tx() as db:
            db.execute("UPDATE apps SET model=? WHERE name=?", (json.dumps(model), app))

    # -- versions -------------------------------------------------------------------------------

    def save_version(self, app: str, kind: str = "saved", label: str | None = None) -> str:
        """Copy the current configuration aside, labelled with its ``ConfigVersion``."""
        row = self.app(app)
        label = label or self.doc_version(row.doc_id)
        with self.tx() as db:
            seq = db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM versions WHERE app=?", (app,)).fetchone()[
                0
            ]
            db.execute("DELETE FROM versions WHERE app=? AND label=?", (app, label))
            db.execute(
                "INSERT INTO versions VALUES (?, ?, ?, ?, ?, ?)",
                (app, label, row.doc_id, seq, kind, time.time()),
            )
            stale = db.execute(
                "SELECT label FROM versions WHERE app=? AND kind='saved' ORDER BY seq DESC LIMIT -1 OFFSET ?",
                (app, KEPT_BY_SERVER),
            ).fetchall()
            for (old,) in stale:
                db.execute("DELETE FROM versions WHERE app=? AND label=?", (app, old))
        return label

    def version_doc(self, app: str, label: str) -> int | None:
        row = self._db.execute("SELECT doc_id FROM versions WHERE app=? AND label=?", (app, label)).fetchone()
        return int(row[0]) if row else None

    def listed_versions(self, app: str) -> list[str]:
        """Saved versions in the server's odd order: by the number left after deleting the dots."""
        rows = self._db.execute("SELECT label FROM versions WHERE app=? AND kind='saved'", (app,)).fetchall()
        labels = [r[0] for r in rows]

        def server_key(label: str) -> int:
            digits = label.replace(".", "")
            return int(digits) if digits.isdigit() else 0

        return sorted(labels, key=server_key)
