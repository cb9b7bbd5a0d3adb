"""Configuration diff: table by table and row by row, ignoring what an import rewrites.

Ignored: ``ConfigVersion``, row ids (``ID``/``Id``) and the view-id references (replaced by the
view's name), and the app id in ``/Uploads/<id>/`` paths.
"""

from __future__ import annotations

import hashlib
import json
import operator
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.configdoc.dataset import ConfigDocs, Row

IGNORED_COLUMNS = {"ID", "Id", "ConfigVersion"}
VIEW_REFS = {"Field": "Fields", "Rule": "Rules"}
UPLOADS = re.compile(r"/Uploads/[^/]*/")
NATURAL_KEYS = {"Upload": "UploadFileType"}  # rows with no Name: named by this column, not by position
CATEGORIES = {"Rule": "actions", "View": "objects", "Field": "fields", "Database": "settings"}


@dataclass(frozen=True, slots=True)
class RowChange:
    table: str
    key: str
    change: str  # added, removed, changed
    columns: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    at: tuple[int | None, int | None] = (None, None)  # the row's position in its table: old, new

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


class _Keyed:
    """One document's rows by table and key, as they are (no copies): each row is cleaned of what an
    import rewrites only while it is compared, so a diff holds no second copy of either document."""

    def __init__(self, docs: ConfigDocs) -> None:
        tables = docs.app.tables
        self.view_names = {row.get("ID", ""): row.get("Name", "") for row in tables.get("View", [])}
        self.tables: dict[str, dict[str, Row]] = {}
        self.ordinals: dict[str, dict[str, int]] = {}
        self._layouts: dict[tuple[str, int], tuple[str, Any, int, int, dict[str, int]]] = {}
        for table, rows in tables.items():
            ref = VIEW_REFS.get(table)
            keyed: dict[str, Row] = {}
            ordinals: dict[str, int] = {}
            for index, row in enumerate(rows):
                named = self.view_names.get(row[ref], row[ref]) if ref and ref in row else None
                key = row_key(table, row, index, ref, named)
                while key in keyed:
                    key += "'"
                keyed[key] = row
                ordinals[key] = index
            self.tables[table] = keyed
            self.ordinals[table] = ordinals

    def canonical(self, table: str, row: Row) -> str:
        """:meth:`clean`'s row as one text, columns in name order (what the fingerprint hashes):
        taken from the row's value tuple in C, not built cell by cell. Control characters cannot
        occur in XML text, so they separate the parts."""
        index = row._index
        layout = self._layouts.get((table, id(index)))
        if layout is None:
            kept = sorted(c for c in index if c not in IGNORED_COLUMNS)
            ref = VIEW_REFS.get(table)
            at = kept.index(ref) if ref in kept else -1
            getter = operator.itemgetter(*(index[c] for c in kept)) if kept else None
            layout = self._layouts[(table, id(index))] = ("\x1f".join(kept), getter, len(kept), at, index)
        columns, getter, width, at, _keep_alive = layout
        if getter is None:
            return columns + "\x1e"
        picked = getter(row._values)
        values = [picked] if width == 1 else list(picked)
        if "/Uploads/" in "\x1f".join(values):  # one search in C; rewritten cell by cell only if found
            values = [UPLOADS.sub("/Uploads/", v) if "/Uploads/" in v else v for v in values]
        if at >= 0:
            raw = row._values[row._index[VIEW_REFS[table]]]
            values[at] = self.view_names.get(raw, raw)
        return columns + "\x1e" + "\x1f".join(values)

    def clean(self, table: str, row: Row) -> dict[str, str]:
        """The row as compared: no ignored column, view ids as names, upload paths without app id."""
        clean = {
            k: (UPLOADS.sub("/Uploads/", v) if "/Uploads/" in v else v)
            for k, v in row.items()
            if k not in IGNORED_COLUMNS
        }
        ref = VIEW_REFS.get(table)
        if ref and ref in clean:
            clean[ref] = self.view_names.get(row.get(ref, ""), row.get(ref, ""))
        return clean


def row_key(table: str, row: Mapping[str, str], index: int, ref: str | None, view: str | None = None) -> str:
    """How a row is named in diffs and selectors: ``Database``'s one row, ``<view>.<Name>`` for a
    row of a view (*view*, its view's name, or else the row's ``ref`` column), else its ``Name``
    (or the column that names rows of its table, such as an upload's type), else its position."""
    if table == "Database":
        return "app settings"
    name = row.get("Name")
    if name is None and table in NATURAL_KEYS:
        name = row.get(NATURAL_KEYS[table])
    if name is not None:
        return f"{view if view is not None else row.get(ref, '')}.{name}" if ref else name
    return f"#{index + 1}"


def diff_configs(old: ConfigDocs, new: ConfigDocs) -> ConfigDiff:
    """What loading *new* over *old* changes."""
    before, after = _Keyed(old), _Keyed(new)
    result = ConfigDiff()
    tables = set(before.tables) | set(after.tables)
    for table in sorted(tables, key=lambda t: (t not in CATEGORIES, t)):
        rows_old, rows_new = before.tables.get(table, {}), after.tables.get(table, {})
        for key, raw in rows_new.items():
            if key not in rows_old:
                row = after.clean(table, raw) if table == "Rule" else {}
                at: tuple[int | None, int | None] = (None, after.ordinals[table][key])
                result.changes.append(RowChange(table, key, "added", _whole(table, row, new=True), at))
                continue
            if raw is rows_old[key]:
                continue
            was, row = before.clean(table, rows_old[key]), after.clean(table, raw)
            if was != row:
                cols = {
                    c: (was.get(c), row.get(c))
                    for c in sorted(set(row) | set(was))
                    if was.get(c) != row.get(c)
                }
                at = (before.ordinals[table][key], after.ordinals[table][key])
                result.changes.append(RowChange(table, key, "changed", cols, at))
        for key, raw in rows_old.items():
            if key not in rows_new:
                row = before.clean(table, raw) if table == "Rule" else {}
                at = (before.ordinals[table][key], None)
                result.changes.append(RowChange(table, key, "removed", _whole(table, row, new=False), at))
    return result


def _whole(table: str, row: Mapping[str, str], *, new: bool) -> dict[str, tuple[str | None, str | None]]:
    """An added or removed action's cells (its code can be read in the plan); other tables' rows
    are named only, which keeps a plan of a large model small."""
    if table != "Rule":
        return {}
    return {c: ((None, v) if new else (v, None)) for c, v in row.items() if c not in VIEW_REFS.values()}


def fingerprint(docs: ConfigDocs) -> str:
    """A hash of the normalised configuration: equal when only import rewrites differ.

    Hashed row by row (tables and keys in order), never as one text: the fingerprint of a 78 MiB
    document costs no more memory than its rows. ``2:`` names this form (drift baselines recorded
    in another form are not compared with it: :func:`comparable`)."""
    keyed = _Keyed(docs)
    total = hashlib.sha256()
    for table in sorted(keyed.tables):
        rows = keyed.tables[table]
        total.update(json.dumps(table).encode() + b"\x00")
        for n, key in enumerate(sorted(rows)):
            row = rows[key]
            compact = row if isinstance(row, Row) else Row.of(row)  # rows made by hand (tests)
            total.update((key + "\x1d" + keyed.canonical(table, compact) + "\x00").encode())
            if n % 100 == 99:
                time.sleep(0)  # let the GIL go now and then: a window's thread may be waiting for it
    return FORM + total.hexdigest()


FORM = "2:"


def comparable(recorded: str) -> bool:
    """Whether a fingerprint recorded earlier (a drift baseline) is of the form made now: one of an
    older promoter, which kept texts of other lengths whole, cannot be compared."""
    return recorded.startswith(FORM)


def row_digests(docs: ConfigDocs) -> dict[str, str]:
    """Each row's digest (as the fingerprint hashes it: what an import rewrites left out), keyed by
    ``table<US>key``: what a backup held when archived, so that a later change of its file is named
    row by row (:func:`digest_changes`)."""
    keyed = _Keyed(docs)
    out: dict[str, str] = {}
    for table, rows in keyed.tables.items():
        for key, row in rows.items():
            compact = row if isinstance(row, Row) else Row.of(row)
            text = keyed.canonical(table, compact).encode()
            out[f"{table}\x1f{key}"] = hashlib.sha256(text).hexdigest()[:20]
    return out


def digest_changes(recorded: Mapping[str, str], now: Mapping[str, str]) -> list[str]:
    """The rows that differ between two :func:`row_digests`, in a plan's words ("~ action Validate
    price", "+ object coupons", "- setting app settings")."""
    lines = []
    for name in sorted(set(recorded) | set(now)):
        table, _, key = name.partition("\x1f")
        was, is_ = recorded.get(name), now.get(name)
        if was == is_:
            continue
        sign = "+" if was is None else "-" if is_ is None else "~"
        category = CATEGORIES.get(table)
        lines.append(f"{sign} {category[:-1] if category else table} {key}")
    return lines
