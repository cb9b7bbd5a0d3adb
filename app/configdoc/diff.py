"""Configuration diff: table by table and row by row, ignoring what an import rewrites.

Ignored: ``ConfigVersion``, row ids (``ID``/``Id``) and the view-id references (replaced by the
view's name), and the app id in ``/Uploads/<id>/`` paths.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from app.configdoc.dataset import ConfigDocs, Row

IGNORED_COLUMNS = {"ID", "Id", "ConfigVersion"}
VIEW_REFS = {"Field": "Fields", "Rule": "Rules"}
UPLOADS = re.compile(r"/Uploads/[^/]*/")
NATURAL_KEYS = {"Upload": "UploadFileType"}  # rows with no Name: named by this column, not by position
CATEGORIES = {"Rule": "actions", "View": "objects", "Field": "fields", "Database": "settings"}


@dataclass(frozen=True)
class RowChange:
    table: str
    key: str
    change: str  # added, removed, changed
    columns: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)

    @property
    def category(self) -> str:
        return CATEGORIES.get(self.table, "other")

    def describe(self) -> str:
        sign = {"added": "+", "removed": "-", "changed": "~"}[self.change]
        text = f"{sign} {self.category[:-1] if self.category != 'other' else self.table} {self.key}"
        if self.change == "changed":
            text += " (" + ", ".join(sorted(self.columns)) + ")"
        return text


@dataclass
class ConfigDiff:
    changes: list[RowChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.changes

    def count(self) -> int:
        return len(self.changes)

    def summary(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for change in self.changes:
            bucket = out.setdefault(change.category, {"added": 0, "removed": 0, "changed": 0})
            bucket[change.change] += 1
        return out

    def lines(self) -> list[str]:
        return [c.describe() for c in self.changes]

    def as_json(self) -> list[dict[str, Any]]:
        return [
            {
                "table": c.table,
                "key": c.key,
                "change": c.change,
                "category": c.category,
                "columns": {k: list(v) for k, v in c.columns.items()},
            }
            for c in self.changes
        ]


def _normalise(docs: ConfigDocs) -> dict[str, dict[str, Row]]:
    tables = docs.app.tables
    view_names = {row.get("ID", ""): row.get("Name", "") for row in tables.get("View", [])}
    out: dict[str, dict[str, Row]] = {}
    for table, rows in tables.items():
        keyed: dict[str, Row] = {}
        for index, row in enumerate(rows):
            clean = {
                k: (UPLOADS.sub("/Uploads/", v) if "/Uploads/" in v else v)
                for k, v in row.items()
                if k not in IGNORED_COLUMNS
            }
            ref = VIEW_REFS.get(table)
            if ref and ref in clean:
                clean[ref] = view_names.get(row.get(ref, ""), row.get(ref, ""))
            key = row_key(table, clean, index, ref)
            while key in keyed:
                key += "'"
            keyed[key] = clean
        out[table] = keyed
    return out


def row_key(table: str, row: Row, index: int, ref: str | None) -> str:
    """How a row is named in diffs and selectors: ``Database``'s one row, ``<view>.<Name>`` for a
    row of a view (``ref`` holds the view's name), else its ``Name`` (or the column that names rows
    of its table, such as an upload's type), else its position."""
    if table == "Database":
        return "app settings"
    name = row.get("Name")
    if name is None and table in NATURAL_KEYS:
        name = row.get(NATURAL_KEYS[table])
    if name is not None:
        return f"{row.get(ref, '')}.{name}" if ref else name
    return f"#{index + 1}"


def diff_configs(old: ConfigDocs, new: ConfigDocs) -> ConfigDiff:
    """What loading *new* over *old* changes."""
    before, after = _normalise(old), _normalise(new)
    result = ConfigDiff()
    for table in sorted(set(before) | set(after), key=lambda t: (t not in CATEGORIES, t)):
        rows_old, rows_new = before.get(table, {}), after.get(table, {})
        for key, row in rows_new.items():
            if key not in rows_old:
                result.changes.append(RowChange(table, key, "added", _whole(table, row, new=True)))
            elif rows_old[key] != row:
                cols = {
                    c: (rows_old[key].get(c), row.get(c))
                    for c in sorted(set(row) | set(rows_old[key]))
                    if rows_old[key].get(c) != row.get(c)
                }
                result.changes.append(RowChange(table, key, "changed", cols))
        for key, row in rows_old.items():
            if key not in rows_new:
                result.changes.append(RowChange(table, key, "removed", _whole(table, row, new=False)))
    return result


def _whole(table: str, row: Row, *, new: bool) -> dict[str, tuple[str | None, str | None]]:
    """An added or removed action's cells (its code can be read in the plan); other tables' rows
    are named only, which keeps a plan of a large model small."""
    if table != "Rule":
        return {}
    return {c: ((None, v) if new else (v, None)) for c, v in row.items() if c not in VIEW_REFS.values()}


def fingerprint(docs: ConfigDocs) -> str:
    """A hash of the normalised configuration: equal when only import rewrites differ."""
    text = json.dumps(_normalise(docs), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()
