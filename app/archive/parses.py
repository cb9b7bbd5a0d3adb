"""What a parse of an archived zip yielded, kept beside the archive's index so the same bytes are
never parsed again: the check's findings (entry names, app id, ``ConfigVersion``, size), the
configuration's fingerprint, and the diff between two zips.

Everything is keyed by the zips' sha256 and :data:`PARSER` (the check's, the reader's and the
fingerprint's version together): equal sha256 means equal bytes, and the check, the fingerprint and
the diff are functions of the bytes alone, so a record made once holds for every later copy. A
record of another parser is not used; a record whose fields are not what this module writes (a
damaged or edited index) is deleted and the zip parsed again, never trusted. Nothing here is
needed: deleting the rows costs one parse each.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass
from typing import Any

from app import logs
from app.configdoc.diff import FORM, ConfigDiff, RowChange
from app.configdoc.zipcheck import ConfigZipInfo

PARSER = f"1/{FORM}"  # change it with the check, the reader or the fingerprint: old records go unused
DIFF_LIMIT = 16 * 1024 * 1024  # a larger diff is computed again rather than kept
log = logs.archive

SCHEMA = """
CREATE TABLE IF NOT EXISTS parses (
    sha256 TEXT, parser TEXT, size INTEGER, app_entry TEXT, map_entry TEXT, app_id TEXT,
    config_version TEXT, uncompressed INTEGER, fingerprint TEXT, PRIMARY KEY (sha256, parser));
CREATE TABLE IF NOT EXISTS diffs (
    old TEXT, new TEXT, parser TEXT, body TEXT, PRIMARY KEY (old, new, parser));
"""
HEX64 = re.compile(r"[0-9a-f]{64}")
APP_ENTRY = re.compile(r"duradosappsys(\d+)")


@dataclass(frozen=True)
class Parsed:
    """A zip's bytes (by sha256 and size) passed the check, which found this; and its fingerprint
    once one was computed."""

    sha256: str
    size: int
    info: ConfigZipInfo
    fingerprint: str | None


class Parses:
    """The parse records in the archive's SQLite database *db*."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        db.executescript(SCHEMA)

    def get(self, sha256: str, size: int) -> Parsed | None:
        row = self._db.execute(
            "SELECT size, app_entry, map_entry, app_id, config_version, uncompressed, fingerprint "
            "FROM parses WHERE sha256=? AND parser=?",
            (sha256, PARSER),
        ).fetchone()
        if row is None:
            return None
        try:
            found = _parsed(sha256, row)
        except (TypeError, ValueError) as exc:
            self._discard(sha256, str(exc))
            return None
        return found if found.size == size else None

    def keep_check(self, sha256: str, size: int, info: ConfigZipInfo) -> None:
        """Record that these bytes passed the check with these findings (a fingerprint kept stays)."""
        if not HEX64.fullmatch(sha256):
            return
        self._db.execute(
            "INSERT INTO parses (sha256, parser, size, app_entry, map_entry, app_id, config_version, "
            "uncompressed) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sha256, parser) DO UPDATE SET "
            "size=excluded.size, app_entry=excluded.app_entry, map_entry=excluded.map_entry, "
            "app_id=excluded.app_id, config_version=excluded.config_version, "
            "uncompressed=excluded.uncompressed",
            (
                sha256,
                PARSER,
                size,
                info.app_entry,
                info.map_entry,
                info.app_id,
                info.config_version,
                info.uncompressed_size,
            ),
        )

    def keep_fingerprint(self, sha256: str, fingerprint: str) -> None:
        self._db.execute(
            "UPDATE parses SET fingerprint=? WHERE sha256=? AND parser=?", (fingerprint, sha256, PARSER)
        )

    def diff(self, old: str, new: str) -> ConfigDiff | None:
        row = self._db.execute(
            "SELECT body FROM diffs WHERE old=? AND new=? AND parser=?", (old, new, PARSER)
        ).fetchone()
        if row is None:
            return None
        try:
            return _diff_from(json.loads(row[0]))
        except (TypeError, ValueError, KeyError, RecursionError) as exc:
            log.warning(
                "parse records: the diff of %s and %s is not trusted (%s): deleted", old[:12], new[:12], exc
            )
            self._db.execute("DELETE FROM diffs WHERE old=? AND new=? AND parser=?", (old, new, PARSER))
            return None

    def keep_diff(self, old: str, new: str, diff: ConfigDiff) -> None:
        body = json.dumps([[c.table, c.key, c.change, c.columns, c.at] for c in diff.changes])
        if len(body) <= DIFF_LIMIT and HEX64.fullmatch(old) and HEX64.fullmatch(new):
            self._db.execute(
                "INSERT OR REPLACE INTO diffs (old, new, parser, body) VALUES (?, ?, ?, ?)",
                (old, new, PARSER, body),
            )

    def forget_unused(self) -> None:
        """Drop the records of bytes no entry holds any more (after a prune or a delete)."""
        self._db.execute("DELETE FROM parses WHERE sha256 NOT IN (SELECT sha256 FROM entries)")
        self._db.execute(
            "DELETE FROM diffs WHERE old NOT IN (SELECT sha256 FROM entries) "
            "OR new NOT IN (SELECT sha256 FROM entries)"
        )

    def _discard(self, sha256: str, why: str) -> None:
        log.warning("parse records: the record of %s is not trusted (%s): deleted", sha256[:12], why)
        self._db.execute("DELETE FROM parses WHERE sha256=?", (sha256,))
        self._db.execute("DELETE FROM diffs WHERE old=? OR new=?", (sha256, sha256))


def _parsed(sha256: str, row: tuple[Any, ...]) -> Parsed:
    size, app_entry, map_entry, app_id, version, uncompressed, fingerprint = row
    for name, value in (("size", size), ("uncompressed", uncompressed)):
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise TypeError(f"{name} is not a size")
    match = APP_ENTRY.fullmatch(app_entry) if isinstance(app_entry, str) else None
    if match is None or map_entry != app_entry + "xml" or app_id != match.group(1):
        raise ValueError("its entry names are not a configuration's")
    if version is not None and not isinstance(version, str):
        raise TypeError("config_version is not a label")
    if fingerprint is not None and not (isinstance(fingerprint, str) and fingerprint.startswith(FORM)):
        raise ValueError("fingerprint is not of this form")
    if fingerprint is not None and not HEX64.fullmatch(fingerprint.removeprefix(FORM)):
        raise ValueError("fingerprint is not a digest")
    info = ConfigZipInfo(app_entry, map_entry, app_id, version, uncompressed)
    return Parsed(sha256, size, info, fingerprint)


def _diff_from(data: Any) -> ConfigDiff:
    if not isinstance(data, list):
        raise TypeError("not a list of changes")
    changes = []
    for item in data:
        table, key, change, columns, at = item
        if not (
            isinstance(table, str) and isinstance(key, str) and change in ("added", "removed", "changed")
        ):
            raise TypeError("a change is not named")
        if not isinstance(columns, dict) or not isinstance(at, list) or len(at) != 2:
            raise TypeError("a change's columns or position are malformed")
        cells: dict[str, tuple[str | None, str | None]] = {}
        for column, pair in columns.items():
            if not (
                isinstance(pair, list)
                and len(pair) == 2
                and all(v is None or isinstance(v, str) for v in pair)
            ):
                raise TypeError("a cell is malformed")
            cells[column] = (pair[0], pair[1])
        if not all(v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in at):
            raise TypeError("a position is not a number")
        changes.append(RowChange(table, key, change, cells, (at[0], at[1])))
    return ConfigDiff(changes)
