"""Does a configuration describe the model it is served with?

A configuration describes the app's objects and fields (``View`` rows, one per object, named by
``Name``; ``Field`` rows, tied to their object's ``View`` by its ``ID`` in the ``Fields`` column);
the model is the tables. A configuration written without its model (a zip exported by the console,
a server version) can describe objects the model lacks, or lack objects it has: the app then serves
screens and actions for tables that are not there. This module lists each such mismatch, in words.

Only what the model names is compared: an object by its name; a field only when it is a plain
column of an object both sides have (relations are described by Backand under the names of their
constraints, and a configuration's own bookkeeping fields, such as ``id``, are not in the model).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.backand.model import Model
from app.configdoc.dataset import ConfigDocs
from app.plural import count

RELATIONS = {"SingleSelect", "Children", "MultiSelect", "Parent"}
BOOKKEEPING = {"id", "ID", "Id", "__metadata"}


@dataclass(frozen=True)
class Mismatch:
    """What a configuration and a model disagree on (empty: they agree)."""

    objects_missing_in_model: list[str] = field(default_factory=list)  # described, not in the model
    objects_missing_in_config: list[str] = field(default_factory=list)  # in the model, not described
    fields_missing_in_model: list[str] = field(default_factory=list)  # "object.field"
    fields_missing_in_config: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.objects_missing_in_model
            or self.objects_missing_in_config
            or self.fields_missing_in_model
            or self.fields_missing_in_config
        )

    def lines(self, whose: str = "the") -> list[str]:
        """One sentence per kind of mismatch, naming *whose* configuration (a profile's name)."""
        out = []
        if self.objects_missing_in_model:
            out.append(
                f"{whose} configuration describes {count(len(self.objects_missing_in_model), 'object')} "
                f"its model lacks: {', '.join(self.objects_missing_in_model)}"
            )
        if self.fields_missing_in_model:
            out.append(
                f"{whose} configuration describes {count(len(self.fields_missing_in_model), 'field')} "
                f"its model lacks: {', '.join(self.fields_missing_in_model)}"
            )
        if self.objects_missing_in_config:
            out.append(
                f"{whose} model has {count(len(self.objects_missing_in_config), 'object')} its "
                f"configuration does not describe: {', '.join(self.objects_missing_in_config)}"
            )
        if self.fields_missing_in_config:
            out.append(
                f"{whose} model has {count(len(self.fields_missing_in_config), 'field')} its "
                f"configuration does not describe: {', '.join(self.fields_missing_in_config)}"
            )
        return out

    def as_json(self) -> dict[str, list[str]]:
        return {
            "objects_missing_in_model": self.objects_missing_in_model,
            "objects_missing_in_config": self.objects_missing_in_config,
            "fields_missing_in_model": self.fields_missing_in_model,
            "fields_missing_in_config": self.fields_missing_in_config,
        }


def described(docs: ConfigDocs) -> dict[str, list[frozenset[str]]]:
    """The objects a configuration describes, each with its plain fields (a field by its name and,
    where the row names it, its database column: either may be the model's name for it)."""
    views = docs.app.tables.get("View", [])
    by_id = {row.get("ID", ""): row.get("Name", "") for row in views}
    out: dict[str, list[frozenset[str]]] = {name: [] for name in by_id.values() if name}
    for row in docs.app.tables.get("Field", []):
        owner = by_id.get(row.get("Fields", ""))
        name = row.get("Name", "")
        if not owner or not name or name in BOOKKEEPING:
            continue
        if row.get("DataType", "") in RELATIONS or row.get("FieldType", "") in RELATIONS:
            continue
        out.setdefault(owner, []).append(frozenset(n for n in (name, row.get("DatabaseNames", "")) if n))
    return out


def plain_fields(obj: dict[str, Any]) -> set[str]:
    fields = obj.get("fields")
    if not isinstance(fields, dict):
        return set()
    return {
        name
        for name, spec in fields.items()
        if not (isinstance(spec, dict) and ("object" in spec or "collection" in spec))
        and name not in BOOKKEEPING
    }


def compare(docs: ConfigDocs, model: Model) -> Mismatch:
    """Each object and plain field one side has and the other lacks."""
    config = described(docs)
    objects = {str(obj.get("name")): obj for obj in model if isinstance(obj, dict)}
    missing_in_model: list[str] = []
    missing_in_config: list[str] = []
    for name in sorted(set(config) & set(objects)):
        have, rows = plain_fields(objects[name]), config[name]
        if not rows:  # an object whose rows list no plain field says nothing about its fields
            continue
        missing_in_model += [f"{name}.{min(names)}" for names in rows if not names & have]
        told = set().union(*rows)
        missing_in_config += [f"{name}.{f}" for f in sorted(have - told)]
    return Mismatch(
        sorted(set(config) - set(objects)),
        sorted(set(objects) - set(config)),
        sorted(missing_in_model),
        missing_in_config,
    )
