"""The sandbox's model service: validate a model, compare it with the current one, alter SQLite.

Each app has a real SQLite database; an object is a table with an ``id`` primary key, a field a
column, a relation (``{"object": parent}``) an integer column. A collection field has no column.
A field's optional ``rename`` names the column it is renamed *from*.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.backand.model import Model
from app.modelcheck import schema_errors

SQL_TYPES: dict[str, str] = {
    "string": "TEXT",
    "text": "TEXT",
    "float": "REAL",
    "boolean": "INTEGER",
    "datetime": "TEXT",
    "point": "TEXT",
    "binary": "BLOB",
    "int": "INTEGER",
    "guid": "TEXT",
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # a model type, or "relation:<parent>"
    required: bool = False
    unique: bool = False
    default: Any = None
    renamed_from: str | None = None

    @property
    def sql_type(self) -> str:
        return "INTEGER" if self.kind.startswith("relation:") else SQL_TYPES[self.kind]


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def columns_of(obj: dict[str, Any]) -> list[Column]:
    """The columns an object's fields make (collections make none)."""
    out = []
    for name, spec in (obj.get("fields") or {}).items():
        if not isinstance(spec, dict) or "collection" in spec:
            continue
        kind = f"relation:{spec['object']}" if "object" in spec else str(spec.get("type"))
        out.append(
            Column(
                name=name,
                kind=kind,
                required=bool(spec.get("required")),
                unique=bool(spec.get("unique")),
                default=spec.get("defaultValue"),
                renamed_from=spec.get("rename"),
            )
        )
    return out


@dataclass
class Comparison:
    """The difference between the current model and a new one, as ``validate`` reports it."""

    valid: str = "always"
    warnings: list[Any] = field(default_factory=list)
    dropped_tables: list[str] = field(default_factory=list)
    dropped_columns: list[dict[str, str]] = field(default_factory=list)
    alter: list[str] = field(default_factory=list)
    order: dict[str, Any] = field(default_factory=dict)

    def as_response(self, severity: int) -> dict[str, Any]:
        if severity == 0 and self.valid != "always":
            return {"valid": self.valid, "warnings": self.warnings}
        return {
            "valid": self.valid,
            "warnings": self.warnings,
            "notifications": {
                "droppedTables": self.dropped_tables,
                "droppedColumns": self.dropped_columns,
            },
            "alter": self.alter,
            "order": self.order,
        }


HasData = Callable[[str, str], bool]


def compare(old: Model, new: Model, has_data: HasData) -> Comparison:
    """Compare *new* with the current *old* model; *has_data(table, column)* looks at the rows."""
    result = Comparison()
    errors = schema_errors(new)
    if errors:
        result.valid = "never"
        result.warnings = list(errors)
        return result
    old_objects = {o["name"]: o for o in old}
    new_objects = {o["name"]: o for o in new}
    result.order = {
        "tables": [o["name"] for o in new],
        "columns": {o["name"]: [c.name for c in columns_of(o)] for o in new},
    }
    for name in old_objects:
        if name not in new_objects:
            result.dropped_tables.append(name)
            result.alter.append(f"DROP TABLE {q(name)}")
    for name, obj in new_objects.items():
        new_cols = columns_of(obj)
        if name not in old_objects:
            result.alter.append(create_table_sql(name, new_cols))
            continue
        old_cols = {c.name: c for c in columns_of(old_objects[name])}
        kept: set[str] = set()
        changed = False
        for col in new_cols:
            source = col.renamed_from if col.renamed_from in old_cols else col.name
            before = old_cols.get(source)
            if before is None:
                changed = True
                continue
            kept.add(source)
            if before.kind != col.kind and has_data(name, source):
                result.valid = "data"
                result.warnings.append(
                    {
                        "kind": "column type conflict",
                        "object": name,
                        "column": col.name,
                        "oldType": before.kind.replace("relation:", "object "),
                        "newType": col.kind.replace("relation:", "object "),
                    }
                )
            if before != Column(**{**col.__dict__, "renamed_from": None}) or source != col.name:
                changed = True
        for cname in old_cols:
            if cname not in kept:
                result.dropped_columns.append({"table": name, "column": cname})
                changed = True
        if changed:
            result.alter.append(f"-- rebuild {q(name)} with its new columns")
    return result


def create_table_sql(name: str, cols: list[Column], table: str | None = None) -> str:
    parts = ["id INTEGER PRIMARY KEY AUTOINCREMENT"]
    for col in cols:
        piece = f"{q(col.name)} {col.sql_type}"
        if col.default is not None and not col.kind.startswith("relation:"):
            piece += " DEFAULT " + _literal(col.default)
        parts.append(piece)
    return f"CREATE TABLE {q(table or name)} ({', '.join(parts)})"


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def has_data_in(conn: sqlite3.Connection) -> HasData:
    def check(table: str, column: str) -> bool:
        try:
            row = conn.execute(f"SELECT 1 FROM {q(table)} WHERE {q(column)} IS NOT NULL LIMIT 1").fetchone()
        except sqlite3.OperationalError:
            return False
        return row is not None

    return check


def apply(conn: sqlite3.Connection, old: Model, new: Model) -> list[str]:
    """Alter the app's database from *old* to *new*; return the statements run.

    Tables whose columns change are rebuilt (create, copy with CAST, drop, rename): SQLite cannot
    change a column's type in place, and a rebuild really drops the data of dropped columns.
    """
    ran: list[str] = []

    def run(sql: str) -> None:
        conn.execute(sql)
        ran.append(sql)

    old_objects = {o["name"]: o for o in old}
    new_objects = {o["name"]: o for o in new}
    conn.execute("BEGIN")
    try:
        for name in old_objects:
            if name not in new_objects:
                run(f"DROP TABLE IF EXISTS {q(name)}")
        for name, obj in new_objects.items():
            cols = columns_of(obj)
            if name not in old_objects:
                run(create_table_sql(name, cols))
                _unique_indexes(run, name, cols)
                continue
            old_cols = {c.name: c for c in columns_of(old_objects[name])}
            plain_new = [Column(**{**c.__dict__, "renamed_from": None}) for c in cols]
            if plain_new == list(old_cols.values()) and not any(c.renamed_from for c in cols):
                continue
            _rebuild(run, name, cols, old_cols)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return ran


def _rebuild(run: Callable[[str], None], name: str, cols: list[Column], old_cols: dict[str, Column]) -> None:
    temp = f"_new_{name}"[:60]
    run(f"DROP TABLE IF EXISTS {q(temp)}")
    run(create_table_sql(name, cols, table=temp))
    targets, sources = ["id"], ["id"]
    for col in cols:
        source = col.renamed_from if col.renamed_from in old_cols else col.name
        if source in old_cols:
            targets.append(q(col.name))
            sources.append(f"CAST({q(source)} AS {col.sql_type})")
    run(f"INSERT INTO {q(temp)} ({', '.join(targets)}) SELECT {', '.join(sources)} FROM {q(name)}")
    run(f"DROP TABLE {q(name)}")
    run(f"ALTER TABLE {q(temp)} RENAME TO {q(name)}")
    _unique_indexes(run, name, cols)


def _unique_indexes(run: Callable[[str], None], name: str, cols: list[Column]) -> None:
    for col in cols:
        if col.unique:
            index = q(f"ux_{name}_{col.name}")
            run(f"CREATE UNIQUE INDEX IF NOT EXISTS {index} ON {q(name)} ({q(col.name)})")


def stored_model(new: Model) -> Model:
    """The model as the server keeps and returns it: ``rename`` keys consumed."""
    out = []
    for obj in new:
        fields = {}
        for fname, spec in obj.get("fields", {}).items():
            fields[fname] = (
                {k: v for k, v in spec.items() if k != "rename"} if isinstance(spec, dict) else spec
            )
        out.append({"name": obj["name"], "fields": fields})
    return out


def table_names(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    ).fetchall()
    return [r[0] for r in rows]


def column_names(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_info({q(table)})").fetchall()]
