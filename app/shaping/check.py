"""Whether a selector names anything in one side's model and configuration (a typo said at once).

Pure: the caller gives what it already has (a target's newest archived read); nothing is fetched.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from app.configdoc.diff import VIEW_REFS
from app.configdoc.xmlstream import ConfigDocs
from app.shaping.selectors import Selector


def missing(selector: Selector, model: Any, docs: ConfigDocs | None) -> str:
    """What *selector* names that is not there, with the nearest names; "" when it matches (or
    when the side it names was not given)."""
    if selector.is_model:
        return _missing_in_model(selector, model) if isinstance(model, list) else ""
    return _missing_in_config(selector, docs) if docs is not None else ""


def _missing_in_model(selector: Selector, model: list[Any]) -> str:
    objects = {o["name"]: o for o in model if isinstance(o, dict) and isinstance(o.get("name"), str)}
    name = selector.model_object
    if name not in objects:
        return f"there is no model object {name!r}{_nearest(name, objects)}"
    fields = objects[name].get("fields")
    if selector.model_field and isinstance(fields, dict) and selector.model_field not in fields:
        return f"{name} has no field {selector.model_field!r}{_nearest(selector.model_field, fields)}"
    return ""


def _missing_in_config(selector: Selector, docs: ConfigDocs) -> str:
    from app.shaping.config import _Doc  # the keys the plan shows, views by name

    tables = docs.app.tables
    if selector.table not in tables:
        return f"there is no table {selector.table!r}{_nearest(selector.table, tables)}"
    doc = _Doc(docs.app, VIEW_REFS, "ID")
    rows = doc.rows.get(selector.table, {})
    matched = [row for key, (_o, row) in rows.items() if selector.matches_row(key, row.get("Name"))]
    if not matched:
        names = [*rows, *(row.get("Name") or "" for _o, row in rows.values())]
        return f"{selector.table} has no row {selector.row!r}{_nearest(selector.row, names)}"
    columns = {column for row in matched for column in row}
    if selector.column and selector.column not in columns:
        return f"{selector.table} has no column {selector.column!r}{_nearest(selector.column, columns)}"
    return ""


def _nearest(word: str, names: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, [n for n in names if n], n=3, cutoff=0.6)
    return f" (nearest: {', '.join(close)})" if close else ""
