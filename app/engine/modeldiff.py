"""Model diff: object by object and field by field, with relations, defaults and dropped columns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from app.backand.model import Model

if TYPE_CHECKING:
    from app.backand import Validation

@dataclass(frozen=True)
class FieldChange:
    obj: str
    name: str
    change: str  # added, removed, changed
    old: dict[str, Any] | None = None
    new: dict[str, Any] | None = None

    @property
    def is_column(self) -> bool:
        spec = self.old or self.new or {}
        return "collection" not in spec

    def describe(self) -> str:
        if self.change == "changed":
            keys = sorted(set(self.old or {}) | set(self.new or {}))
            parts = [
                f"{k}: {(self.old or {}).get(k)!r} -> {(self.new or {}).get(k)!r}"
                for k in keys
                if (self.old or {}).get(k) != (self.new or {}).get(k)
            ]
            return f"{self.obj}.{self.name} changed ({'; '.join(parts)})"
        return f"{self.obj}.{self.name} {self.change}"


@dataclass
class ModelDiff:
    added_objects: list[str] = field(default_factory=list)
    removed_objects: list[str] = field(default_factory=list)
    fields: list[FieldChange] = field(default_factory=list)
    order_changed: bool = False

    @property
    def empty(self) -> bool:
        return not (self.added_objects or self.removed_objects or self.fields or self.order_changed)

    @property
    def dropped_tables(self) -> list[str]:
        return list(self.removed_objects)

    @property
    def dropped_columns(self) -> list[tuple[str, str]]:
        return [(f.obj, f.name) for f in self.fields if f.change == "removed" and f.is_column]

    def count(self) -> int:
        return len(self.added_objects) + len(self.removed_objects) + len(self.fields)

    def lines(self) -> list[str]:
        out = [f"+ object {o}" for o in self.added_objects]
        out += [f"- object {o} (table dropped with its data)" for o in self.removed_objects]
        for change in self.fields:
            sign = {"added": "+", "removed": "-", "changed": "~"}[change.change]
            note = (
                " (column dropped with its data)" if change.change == "removed" and change.is_column else ""
            )
            out.append(f"{sign} field {change.describe()}{note}")
        if self.order_changed and not out:
            out.append("~ object order changed")
        return out

    def as_json(self) -> dict[str, Any]:
        return {
            "added_objects": self.added_objects,
            "removed_objects": self.removed_objects,
            "fields": [
                {"object": f.obj, "field": f.name, "change": f.change, "old": f.old, "new": f.new}
                for f in self.fields
            ],
            "dropped_tables": self.dropped_tables,
            "dropped_columns": [{"table": t, "column": c} for t, c in self.dropped_columns],
        }


def diff_models(old: Model, new: Model) -> ModelDiff:
    """What applying *new* over *old* changes."""
    result = ModelDiff()
    old_by = {o.get("name"): o for o in old}
    new_by = {o.get("name"): o for o in new}
    result.added_objects = [str(n) for n in new_by if n not in old_by]
    result.removed_objects = [str(n) for n in old_by if n not in new_by]
    for name, obj in new_by.items():
        if name not in old_by:
            continue
        before = old_by[name].get("fields") or {}
        after = obj.get("fields") or {}
        for fname, spec in after.items():
            if fname not in before:
                result.fields.append(FieldChange(str(name), fname, "added", None, spec))
            elif before[fname] != spec:
                result.fields.append(FieldChange(str(name), fname, "changed", before[fname], spec))
        for fname, spec in before.items():
            if fname not in after:
                result.fields.append(FieldChange(str(name), fname, "removed", spec, None))
    kept_old = [n for n in old_by if n in new_by]
    kept_new = [n for n in new_by if n in old_by]
    result.order_changed = kept_old != kept_new
    return result


@dataclass(frozen=True)
class Drops:
    """The tables and columns a model change drops with their data: the union of what the server's
    validation names and what the model diff shows (either alone can miss one), computed here once."""

    tables: tuple[str, ...] = ()
    columns: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, validation: Validation | None, diff: ModelDiff) -> Drops:
        tables, columns = set(diff.dropped_tables), set(diff.dropped_columns)
        if validation is not None:
            tables |= set(validation.dropped_tables)
            columns |= set(validation.dropped_columns)
        return cls(tuple(sorted(tables)), tuple(sorted(columns)))

    def __bool__(self) -> bool:
        return bool(self.tables or self.columns)

    def lines(self) -> list[str]:
        """One phrase each, as the data-loss gate names them: ``table T``, ``column T.C``."""
        return [f"table {t}" for t in self.tables] + [f"column {t}.{c}" for t, c in self.columns]

    def as_json(self) -> dict[str, Any]:
        return {
            "dropped_tables": list(self.tables),
            "dropped_columns": [{"table": t, "column": c} for t, c in self.columns],
        }
