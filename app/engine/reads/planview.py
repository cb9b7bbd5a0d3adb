"""What a plan shows a person, typed: the one boundary between the engine's plans and the window.

A :class:`PlanView` is built from a live plan (``reads.plan.Plan`` of a promotion, or
``reads.writeplan.WritePlan`` of any other write: ``Result.planned``), or parsed strictly from a
plan's record as history keeps it (its JSON: an older record may lack a key, which then reads as
empty; a value of the wrong type is a :class:`PlanRecordError` naming it, never a traceback). The
window reads only this; JSON stays at the edges (``--json``, history).

(Not ``planrecord.py``, which keeps a plan's read of the source for its promotion.)
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from app.configdoc.diff import ConfigDiff
from app.engine.gates import Consent, Gate, Refusal
from app.engine.modeldiff import ModelDiff
from app.engine.reads.plan import Plan
from app.engine.reads.writeplan import WritePlan
from app.engine.security import Effect, SecurityReport
from app.errors import PromoterError
from app.kinds import Valid

T = TypeVar("T")


class PlanRecordError(PromoterError):
    """A plan's record holds a value of the wrong type (a hand-edited or corrupted history)."""


class Change(enum.StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclass(frozen=True)
class FieldChange:
    """A model field added, removed or changed (its spec before and after)."""

    obj: str
    name: str
    change: Change
    old: Mapping[str, object] = field(default_factory=dict)
    new: Mapping[str, object] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"{self.obj}.{self.name}"

    @property
    def is_column(self) -> bool:
        """A removed field that is a column (not a collection) drops its data."""
        return "collection" not in self.old


@dataclass(frozen=True)
class ModelChanges:
    added_objects: tuple[str, ...] = ()
    removed_objects: tuple[str, ...] = ()
    fields: tuple[FieldChange, ...] = ()

    @property
    def count(self) -> int:
        return len(self.added_objects) + len(self.removed_objects) + len(self.fields)

    def owned(self) -> set[str]:
        """The objects and fields added or removed: their View and Field rows follow the model."""
        moved = {f.where for f in self.fields if f.change is not Change.CHANGED}
        return set(self.added_objects) | set(self.removed_objects) | moved


@dataclass(frozen=True)
class ConfigChange:
    """A configuration row added, removed or changed, with its changed columns (old, new)."""

    table: str
    key: str
    change: Change
    category: str
    columns: Mapping[str, tuple[str | None, str | None]] = field(default_factory=dict)

    @property
    def row(self) -> str:
        """The row as a selector names it (``Rule[orders.Apply]``; the database settings' one row)."""
        return "Database" if self.table == "Database" else f"{self.table}[{self.key}]"


@dataclass(frozen=True)
class SecurityChange:
    key: str
    where: str
    effect: str  # ``security.Effect``: widens, narrows, unknown, code
    detail: str


@dataclass(frozen=True)
class Security:
    changes: tuple[SecurityChange, ...] = ()
    weakening: int = 0
    narrowing: int = 0
    code: int = 0
    reason: str = ""  # the reason in words given for widening access, once accepted


@dataclass(frozen=True)
class Shaping:
    """What the target's rules and this promotion's exclusions did to what is sent."""

    lines: tuple[str, ...] = ()  # every effect, and the --no-rules note first
    effects: tuple[str, ...] = ()  # the effects alone: the one count the plan and confirmation give
    excludes: tuple[str, ...] = ()
    no_rules: bool = False


@dataclass(frozen=True)
class PlanView:
    valid: Valid | None = None  # None: the record names no verdict
    warnings: tuple[str, ...] = ()
    model: ModelChanges = ModelChanges()
    config: tuple[ConfigChange, ...] = ()
    security: Security = Security()
    drifted: bool = False
    drift: tuple[str, ...] = ()
    shaping: Shaping = Shaping()
    not_carried: tuple[str, ...] = ()
    mismatch: tuple[str, ...] = ()
    later_writes: tuple[str, ...] = ()
    gates: tuple[Refusal, ...] = ()  # met without consent
    stamp: str = ""
    written: tuple[str, ...] = ()  # a run's record: what it wrote, and what was undone
    undone: tuple[str, ...] = ()
    has_changes: bool = True  # False: a record of a run that planned nothing (a profile change)

    @classmethod
    def of(cls, planned: object, security_reason: str = "") -> PlanView:
        """The view of a live plan (``Plan`` or ``WritePlan``)."""
        if isinstance(planned, Plan):
            shaped = planned.shaped
            return cls(
                valid=planned.validation.valid,
                warnings=tuple(planned.validation.warning_lines()),
                model=_model(planned.model_diff),
                config=config_changes(planned.config_diff),
                security=_security(planned.security, security_reason),
                drifted=planned.drifted,
                drift=tuple(planned.drift.lines() if planned.drift else ()),
                shaping=Shaping(
                    tuple(shaped.lines()),
                    tuple(shaped.effect_lines()),
                    shaped.spec.excludes,
                    shaped.spec.no_rules,
                ),
                gates=tuple(planned.gates(Consent())),
                stamp=planned.stamp,
            )
        if isinstance(planned, WritePlan):
            return cls(
                valid=planned.valid,
                warnings=tuple(planned.warnings),
                model=_model(planned.model_diff),
                config=config_changes(planned.config_diff),
                security=_security(planned.security, security_reason),
                drifted=planned.drifted,
                drift=tuple(planned.drift.lines() if planned.drift else ()),
                not_carried=tuple(planned.not_carried),
                mismatch=tuple(planned.mismatch.lines(f"{planned.target.name}'s")),
                later_writes=planned.source.later,
                gates=tuple(planned.refusals(Consent())),
                stamp=planned.stamp,
            )
        raise TypeError(f"not a plan: {type(planned).__name__}")

    @classmethod
    def of_result(cls, planned: object | None, record: Mapping[str, Any]) -> PlanView | None:
        """A run's plan: the live one it carries (with the reason its record adds once a widening
        of access is accepted), else its record; None when it has neither."""
        if planned is not None:
            security = _get(record, "security", dict, {})
            return cls.of(planned, _get(security, "reason", str, "", "security.reason"))
        return cls.from_record(record) if record else None

    @classmethod
    def from_record(cls, doc: Mapping[str, Any]) -> PlanView:
        """Parse a plan's record strictly: an absent key is empty, a wrong type a PlanRecordError."""
        if not isinstance(doc, Mapping):
            raise PlanRecordError(f"A plan's record is {type(doc).__name__}, not an object.")
        valid = _get(doc, "valid", str, "")
        try:
            verdict = Valid(valid) if valid else None
        except ValueError:
            raise PlanRecordError(
                f"A plan's record names an unknown validation verdict: {valid!r}."
            ) from None
        shaping = _get(doc, "shaping", dict, {})
        model = _get(doc, "model_details", dict, None)
        return cls(
            valid=verdict,
            warnings=_strings(doc, "warnings"),
            model=_model_record(model or {}),
            config=tuple(_config_record(c) for c in _get(doc, "config_details", list, [])),
            security=_security_record(_get(doc, "security", dict, {})),
            drifted=_get(doc, "drifted", bool, False),
            drift=_strings(doc, "drift"),
            shaping=Shaping(
                _strings(doc, "shaping_lines"),
                _strings(doc, "shaping_effects"),
                _strings(shaping, "excludes", "shaping.excludes"),
                _get(shaping, "no_rules", bool, False, "shaping.no_rules"),
            ),
            not_carried=_strings(doc, "not_carried"),
            mismatch=_strings(doc, "mismatch"),
            later_writes=_strings(doc, "later_writes"),
            gates=tuple(_gate_record(g) for g in _get(doc, "gates", list, [])),
            stamp=_get(doc, "stamp", str, ""),
            written=_strings(doc, "written"),
            undone=_strings(doc, "undone"),
            has_changes=model is not None or bool(_get(doc, "config_details", list, [])),
        )


def _model(diff: ModelDiff) -> ModelChanges:
    return ModelChanges(
        tuple(diff.added_objects),
        tuple(diff.removed_objects),
        tuple(FieldChange(f.obj, f.name, Change(f.change), f.old or {}, f.new or {}) for f in diff.fields),
    )


def config_changes(diff: ConfigDiff | None) -> tuple[ConfigChange, ...]:
    if diff is None:
        return ()
    return tuple(
        ConfigChange(c.table, c.key, Change(c.change), c.category, dict(c.columns)) for c in diff.changes
    )


def _security(report: SecurityReport, reason: str) -> Security:
    return Security(
        tuple(SecurityChange(c.key, c.where, c.effect.value, c.detail) for c in report.changes),
        len(report.weakening),
        report.count(Effect.NARROWS),
        report.count(Effect.CODE),
        reason,
    )


# -- the record, read strictly ---------------------------------------------------------------------


def _get(doc: Mapping[str, Any], key: str, kind: type[T], default: T, name: str = "") -> T:
    value = doc.get(key)
    if value is None:
        return default
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise PlanRecordError(
            f"A plan's record has {name or key} of type {type(value).__name__}, not {kind.__name__}."
        )
    return value


def _strings(doc: Mapping[str, Any], key: str, name: str = "") -> tuple[str, ...]:
    values = _get(doc, key, list, [], name)
    if not all(isinstance(v, str) for v in values):
        raise PlanRecordError(f"A plan's record has {name or key} that is not a list of texts.")
    return tuple(values)


def _change(doc: Mapping[str, Any], name: str) -> Change:
    text = _get(doc, "change", str, "", name)
    try:
        return Change(text)
    except ValueError:
        raise PlanRecordError(
            f"A plan's record has {name} {text!r}: not added, removed or changed."
        ) from None


def _model_record(doc: Mapping[str, Any]) -> ModelChanges:
    fields = []
    for item in _get(doc, "fields", list, [], "model_details.fields"):
        if not isinstance(item, dict):
            raise PlanRecordError("A plan's record has a model field change that is not an object.")
        name = "model_details.fields"
        fields.append(
            FieldChange(
                _get(item, "object", str, "", f"{name}.object"),
                _get(item, "field", str, "", f"{name}.field"),
                _change(item, f"{name}.change"),
                _get(item, "old", dict, {}, f"{name}.old"),
                _get(item, "new", dict, {}, f"{name}.new"),
            )
        )
    return ModelChanges(
        _strings(doc, "added_objects", "model_details.added_objects"),
        _strings(doc, "removed_objects", "model_details.removed_objects"),
        tuple(fields),
    )


def _config_record(item: object) -> ConfigChange:
    name = "config_details"
    if not isinstance(item, dict):
        raise PlanRecordError("A plan's record has a configuration change that is not an object.")
    columns: dict[str, tuple[str | None, str | None]] = {}
    for column, pair in _get(item, "columns", dict, {}, f"{name}.columns").items():
        if (
            not isinstance(pair, list | tuple)
            or len(pair) != 2
            or not all(v is None or isinstance(v, str) for v in pair)
        ):
            raise PlanRecordError(f"A plan's record has {name}.columns.{column} that is not [old, new].")
        columns[str(column)] = (pair[0], pair[1])
    return ConfigChange(
        _get(item, "table", str, "", f"{name}.table"),
        _get(item, "key", str, "", f"{name}.key"),
        _change(item, f"{name}.change"),
        _get(item, "category", str, "", f"{name}.category"),
        columns,
    )


def _security_record(doc: Mapping[str, Any]) -> Security:
    name = "security"
    changes = []
    for item in _get(doc, "changes", list, [], f"{name}.changes"):
        if not isinstance(item, dict):
            raise PlanRecordError("A plan's record has a security change that is not an object.")
        changes.append(
            SecurityChange(
                _get(item, "key", str, "", f"{name}.changes.key"),
                _get(item, "where", str, "", f"{name}.changes.where"),
                _get(item, "effect", str, "", f"{name}.changes.effect"),
                _get(item, "detail", str, "", f"{name}.changes.detail"),
            )
        )
    return Security(
        tuple(changes),
        _get(doc, "weakening", int, 0, f"{name}.weakening"),
        _get(doc, "narrowing", int, 0, f"{name}.narrowing"),
        _get(doc, "code", int, 0, f"{name}.code"),
        _get(doc, "reason", str, "", f"{name}.reason"),
    )


def _gate_record(item: object) -> Refusal:
    if not isinstance(item, dict):
        raise PlanRecordError("A plan's record has a gate that is not an object.")
    text = _get(item, "gate", str, "", "gates.gate")
    try:
        gate = Gate(text)
    except ValueError:
        raise PlanRecordError(f"A plan's record names an unknown gate: {text!r}.") from None
    return Refusal(gate, _get(item, "message", str, "", "gates.message"))
