"""The rule for changing a profile, once: what changed (field by field) and what needs consent.

A protected profile is production. Unprotecting it, pointing it at another URL or app, lowering its
stage, allowing plain http, renaming or removing it, or changing its rules needs its name typed;
protecting a profile, raising its stage or changing its colour does not. The command line and the
window only present what this module decides (``--confirm NAME``, a dialog with a field).

"Protected" here is what the promoter last knew, not only what the file says: a profile whose
protection was removed by editing ``profiles.json`` by hand still needs its name typed, and is
reported (:func:`lost_protection`). Pure functions, no I/O.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from app.errors import SafetyRefusal

if TYPE_CHECKING:
    from app.profile import Profile
    from app.shaping.rules import Rule

# the fields a change is recorded for, in the order they are shown (the id and "extra" are not)
FIELDS = (
    "name",
    "base_url",
    "app",
    "auth",
    "username",
    "signin_app",
    "stage",
    "protected",
    "colour",
    "allow_insecure_http",
)


@dataclass(frozen=True)
class FieldChange:
    """One field's old and new value as text (None: absent); a rule's field is ``rule N``."""

    field: str
    old: str | None
    new: str | None

    def describe(self) -> str:
        old, new = ("—" if v is None else v for v in (self.old, self.new))
        return f"{self.field}: {old} → {new}"

    def as_json(self) -> dict[str, Any]:
        return {"field": self.field, "old": self.old, "new": self.new}


@dataclass(frozen=True)
class ProfileChange:
    """A change of one profile, as history records it (a profile holds no secret, so neither does this)."""

    action: str  # add, edit, remove, protect, unprotect, rules
    name: str
    profile_id: str
    target_key: str
    protected: bool  # after the change (False once removed)
    changes: tuple[FieldChange, ...]
    confirmed: bool = False  # the protected profile's name was typed
    outside: bool = False  # it starts from a protection removed outside the promoter

    def summary(self) -> str:
        what = "; ".join(c.describe() for c in self.changes) or "no field changed"
        note = " (its protection had been removed outside the promoter)" if self.outside else ""
        return f"{self.action} {self.name}: {what}{note}"

    def as_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "name": self.name,
            "profile_id": self.profile_id,
            "protected": self.protected,
            "changes": [c.as_json() for c in self.changes],
            "confirmed": self.confirmed,
            "changed_outside": self.outside,
        }


@dataclass(frozen=True)
class Known:
    """The protection the promoter last recorded for a profile (by its id, else its name)."""

    name: str
    protected: bool
    at: float
    run_id: int | None


@dataclass(frozen=True)
class LostProtection:
    """A profile the promoter last knew as protected whose file now says it is not."""

    name: str
    known: Known

    def message(self, file: str = "profiles.json") -> str:
        where = f"run #{self.known.run_id}" if self.known.run_id else "the promoter"
        return (
            f"{self.name} was protected when {where} last recorded it, but {file} now says it is "
            f"not: its protection was removed outside the promoter. Changing {self.name} still needs "
            "its name typed until that is confirmed or the protection is put back."
        )


class ProtectedProfileChange(SafetyRefusal):
    """A change of protected profiles that needs their names typed; nothing was changed."""

    def __init__(self, needed: Mapping[str, tuple[str, ...]]) -> None:
        self.needed = dict(needed)
        super().__init__(
            " ".join(question(name, reasons) for name, reasons in needed.items()) + " Nothing was changed."
        )


def question(name: str, reasons: tuple[str, ...]) -> str:
    """``prod is protected: unprotecting it and changing its rules needs its name typed.``"""
    return f"{name} is protected: {_join(reasons)} needs its name typed."


def _join(reasons: tuple[str, ...]) -> str:
    return reasons[0] if len(reasons) == 1 else ", ".join(reasons[:-1]) + " and " + reasons[-1]


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def field_changes(old: Profile | None, new: Profile | None) -> tuple[FieldChange, ...]:
    """Old → new for each field that differs, then each rule added, removed or changed."""
    out = []
    for name in FIELDS:
        before = _text(getattr(old, name)) if old is not None else None
        after = _text(getattr(new, name)) if new is not None else None
        if before != after:
            out.append(FieldChange(name, before, after))
    old_rules = {r.id: _rule(r) for r in (old.rules or ())} if old is not None else {}
    new_rules = {r.id: _rule(r) for r in (new.rules or ())} if new is not None else {}
    for rule_id in sorted(old_rules.keys() | new_rules.keys()):
        if old_rules.get(rule_id) != new_rules.get(rule_id):
            out.append(FieldChange(f"rule {rule_id}", old_rules.get(rule_id), new_rules.get(rule_id)))
    return tuple(out)


def _rule(rule: Rule) -> str:
    return rule.describe().removeprefix(f"rule {rule.id}: ")


def consent_needed(old: Profile | None, new: Profile | None) -> tuple[str, ...]:
    """What about changing *old* into *new* (None: added, removed) needs the protected name typed.

    *old* is the profile as the promoter knows it (see :func:`effective`)."""
    if old is None or not old.protected:
        return ()
    if new is None:
        return ("removing it",)
    reasons = []
    if new.name != old.name:
        reasons.append("renaming it")
    if not new.protected:
        reasons.append("unprotecting it")
    if new.target_key != old.target_key:
        reasons.append("pointing it at another URL or app")
    if new.stage < old.stage:
        reasons.append(f"lowering its stage ({old.stage} → {new.stage})")
    if new.allow_insecure_http and not old.allow_insecure_http:
        reasons.append("allowing plain http")
    if _rules(old) != _rules(new):
        reasons.append("changing its rules")
    return tuple(reasons)


def _rules(profile: Profile) -> list[dict[str, Any]]:
    return [r.as_json() for r in profile.rules or ()]


def known_for(profile: Profile, known: Mapping[str, Known]) -> Known | None:
    """The record of *profile*: by its id, else by its name (a hand edit may have changed the id)."""
    return (
        known.get(f"id:{profile.id}")
        if profile.id and f"id:{profile.id}" in known
        else known.get(f"name:{profile.name}")
    )


def effective(profile: Profile, known: Mapping[str, Known]) -> Profile:
    """*profile* as the promoter knows it: protected if its file says so or if it was last recorded
    protected (a protection removed by hand is not a protection removed)."""
    record = known_for(profile, known)
    if not profile.protected and record is not None and record.protected:
        return replace(profile, protected=True)
    return profile


def lost_protection(profiles: Iterable[Profile], known: Mapping[str, Known]) -> list[LostProtection]:
    out = []
    for profile in profiles:
        record = known_for(profile, known)
        if record is not None and record.protected and not profile.protected:
            out.append(LostProtection(profile.name, record))
    return out


def action_of(old: Profile | None, new: Profile | None, changes: tuple[FieldChange, ...]) -> str:
    if old is None:
        return "add"
    if new is None:
        return "remove"
    fields = {c.field for c in changes}
    if fields == {"protected"}:
        return "protect" if new.protected else "unprotect"
    if fields and all(f.startswith("rule ") for f in fields):
        return "rules"
    return "edit"


def check(needed: Mapping[str, tuple[str, ...]], confirm: Collection[str] | str | None) -> None:
    """Refuse unless each protected profile of *needed* was named in *confirm*."""
    names = {confirm} if isinstance(confirm, str) else set(confirm or ())
    missing = {name: reasons for name, reasons in needed.items() if reasons and name not in names}
    if missing:
        raise ProtectedProfileChange(missing)
