"""Which configuration changes affect access, and which way: the Security section of a plan.

One table, :data:`SETTINGS`, names every setting classified and how its values are read (the
reasoning, from the Backand server's source, is in docs/security.md). :func:`classify` reads a
:class:`ConfigDiff` (what loading the promoted configuration over the target's changes) and says of
each such change whether it **widens** access (a gate into a protected target: ``gates.security``),
**narrows** it (shown, never gated), changes it in a direction the diff cannot tell (``unknown``:
gated as widening, being the careful reading), or changes **server-side code** (listed and counted).

Pure: no I/O, no Qt; the plan computes it from its configuration diff.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.configdoc.diff import ConfigDiff, RowChange
from app.errors import UsageError
from app.plural import count


class Kind(enum.Enum):
    """How a setting's values are compared."""

    ALLOW = "allow"  # a role list that grants: more roles (or ``everyone``) is wider
    DENY = "deny"  # a role list that refuses: fewer roles is wider
    SOURCE = "source"  # whose role lists apply (``Precedent``): direction not in the diff
    LEVEL = "level"  # SecureLevel: who may call the app at all
    ON_WEAKENS = "on_weakens"  # a switch whose ``true`` lets more in
    OFF_WEAKENS = "off_weakens"  # a switch whose ``false`` lets more in
    LONGER_WEAKENS = "longer_weakens"  # a number of seconds a credential lives
    CODE = "code"  # server-side code of an action


class Effect(enum.StrEnum):
    WIDENS = "widens"
    NARROWS = "narrows"
    UNKNOWN = "unknown"  # access changes, the diff cannot tell which way: treated as widening
    CODE = "code"


WEAKENING = frozenset({Effect.WIDENS, Effect.UNKNOWN})
ORDER = (Effect.WIDENS, Effect.UNKNOWN, Effect.NARROWS, Effect.CODE)
ROLE_TABLES = frozenset({"View", "Field", "Workspace", "Page", "Chart", "Query"})


@dataclass(frozen=True)
class Setting:
    tables: frozenset[str]
    column: str
    kind: Kind
    default: str | None  # the server's value when the cell is absent (None: no default known)
    meaning: str


def _roles(column: str, verb: str, tables: frozenset[str] = ROLE_TABLES) -> Setting:
    return Setting(tables, column, Kind.ALLOW, None, f"roles that may {verb}")


# The one table. A column not named here is not a security setting.
SETTINGS: tuple[Setting, ...] = (
    _roles("AllowSelectRoles", "read"),
    _roles("AllowEditRoles", "edit"),
    _roles("AllowCreateRoles", "create"),
    _roles("AllowDeleteRoles", "delete"),
    Setting(ROLE_TABLES, "DenySelectRoles", Kind.DENY, None, "roles refused reading"),
    Setting(ROLE_TABLES, "DenyEditRoles", Kind.DENY, None, "roles refused editing"),
    Setting(ROLE_TABLES, "DenyCreateRoles", Kind.DENY, None, "roles refused creating"),
    Setting(ROLE_TABLES, "DenyDeleteRoles", Kind.DENY, None, "roles refused deleting"),
    Setting(ROLE_TABLES, "Precedent", Kind.SOURCE, "false", "own role lists apply (else the defaults)"),
    _roles("DefaultAllowSelectRoles", "read by default", frozenset({"Database"})),
    _roles("DefaultAllowEditRoles", "edit by default", frozenset({"Database"})),
    _roles("DefaultAllowCreateRoles", "create by default", frozenset({"Database"})),
    _roles("DefaultAllowDeleteRoles", "delete by default", frozenset({"Database"})),
    Setting(
        frozenset({"Database"}), "DefaultDenySelectRoles", Kind.DENY, None, "roles refused reading by default"
    ),
    Setting(
        frozenset({"Database"}), "DefaultDenyEditRoles", Kind.DENY, None, "roles refused editing by default"
    ),
    Setting(
        frozenset({"Database"}),
        "DefaultDenyCreateRoles",
        Kind.DENY,
        None,
        "roles refused creating by default",
    ),
    Setting(
        frozenset({"Database"}),
        "DefaultDenyDeleteRoles",
        Kind.DENY,
        None,
        "roles refused deleting by default",
    ),
    Setting(frozenset({"Database"}), "SecureLevel", Kind.LEVEL, "AllUsers", "who may call the app"),
    Setting(
        frozenset({"Database"}),
        "SignupEmailVerification",
        Kind.OFF_WEAKENS,
        "false",
        "sign-up needs a verified e-mail",
    ),
    Setting(
        frozenset({"Database"}),
        "EnableSecretKeyAccess",
        Kind.ON_WEAKENS,
        "true",
        "the app's secret keys sign in (basic authentication)",
    ),
    Setting(
        frozenset({"Database"}), "TokenExpiration", Kind.LONGER_WEAKENS, "86400", "access token lifetime (s)"
    ),
)
BY_COLUMN: dict[str, Setting] = {s.column: s for s in SETTINGS}

# An action's columns that decide what runs on the server, and when.
CODE_COLUMNS = frozenset(
    {
        "Code",
        "WhereCondition",
        "DataAction",
        "WorkflowAction",
        "ExecuteCommand",
        "ValidateCommand1",
        "ValidateCommand2",
        "ValidateCommand3",
        "ValidateCommand4",
    }
)

# SecureLevel's values, from the most closed to the most open (the server's enum, in its order).
LEVELS = ("RegisteredUsers", "AuthenticatedUsers", "AllUsers")
EVERYONE = "everyone"
ALWAYS = "Developer"  # the server lets a Developer through whatever the lists say


@dataclass(frozen=True)
class SecurityChange:
    table: str
    key: str
    column: str
    before: str | None
    after: str | None
    effect: Effect
    detail: str

    @property
    def weakens(self) -> bool:
        return self.effect in WEAKENING

    @property
    def where(self) -> str:
        """The change as a rule selector names it (``View[orders].AllowSelectRoles``)."""
        row = "Database" if self.table == "Database" else f"{self.table}[{self.key}]"
        return f"{row}.{self.column}" if self.column else row

    def describe(self) -> str:
        return f"{self.effect.value}: {self.where}: {self.detail}"

    def as_json(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "key": self.key,
            "column": self.column,
            "where": self.where,
            "before": self.before,
            "after": self.after,
            "effect": self.effect.value,
            "weakens": self.weakens,
            "detail": self.detail,
        }


@dataclass
class SecurityReport:
    changes: list[SecurityChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.changes

    @property
    def weakening(self) -> list[SecurityChange]:
        return [c for c in self.changes if c.weakens]

    def count(self, effect: Effect) -> int:
        return sum(1 for c in self.changes if c.effect is effect)

    def headline(self) -> str:
        if self.empty:
            return "no change affects access"
        parts = [
            count(len(self.weakening), "change") + " widening access",
            count(self.count(Effect.NARROWS), "change") + " narrowing it",
            count(self.count(Effect.CODE), "server-side code change"),
        ]
        return "; ".join(parts)

    def lines(self) -> list[str]:
        return [c.describe() for c in self.changes]

    def as_json(self) -> dict[str, Any]:
        return {
            "changes": [c.as_json() for c in self.changes],
            "weakening": len(self.weakening),
            "narrowing": self.count(Effect.NARROWS),
            "code": self.count(Effect.CODE),
        }


REASON_LIMIT = 500


def check_reason(text: str) -> str:
    """The reason given for widening access, stripped; a blank, overlong or control-character
    reason is a :class:`UsageError` naming the problem."""
    reason = text.strip()
    if not reason:
        raise UsageError(
            '--accept-security needs a reason in words (for example --accept-security "orders are '
            'public from this release, ticket 123"); it was empty.'
        )
    if len(reason) > REASON_LIMIT:
        raise UsageError(f"The security reason is {len(reason)} characters long; at most {REASON_LIMIT}.")
    if not any(c.isalnum() for c in reason):  # words: not only spaces, marks or invisible characters
        raise UsageError(
            "--accept-security needs a reason in words; it has no letter or digit "
            f"({len(reason)} characters of punctuation or invisible space)."
        )
    if any(ord(c) < 32 or ord(c) == 127 for c in reason):
        raise UsageError(
            "The security reason contains a control character (a line break?); write it on one line."
        )
    return reason


def classify(diff: ConfigDiff | None) -> SecurityReport:
    """Every change of *diff* that affects access: those that widen it first, then in the diff's order."""
    report = SecurityReport()
    if diff is None:
        return report
    for change in diff.changes:
        if change.table == "Rule":
            found = _code(change)
            if found is not None:
                report.changes.append(found)
            continue
        if change.change != "changed":
            continue  # an added or removed row of another table is named only (see docs/security.md)
        for column, (before, after) in change.columns.items():
            setting = BY_COLUMN.get(column)
            if setting is None or change.table not in setting.tables:
                continue
            found = _setting(change, setting, before, after)
            if found is not None:
                report.changes.append(found)
    report.changes.sort(key=lambda c: ORDER.index(c.effect))  # what widens first; stable otherwise
    return report


class ClassifiedOnce:
    """For a plan holding a ``config_diff``: its ``security``, classified once per diff (a large
    diff takes tens of milliseconds, and every gate, banner and confirmation asks for it). The
    classification is kept beside the instance's fields, not among them."""

    config_diff: ConfigDiff | None

    @property
    def security(self) -> SecurityReport:
        """The configuration changes that affect access: the Security section."""
        held = self.__dict__.get("_security")
        if held is None or held[0] is not self.config_diff:
            held = self.__dict__["_security"] = (self.config_diff, classify(self.config_diff))
        report: SecurityReport = held[1]
        return report


def _setting(
    change: RowChange, setting: Setting, before: str | None, after: str | None
) -> SecurityChange | None:
    old = before if before is not None else setting.default
    new = after if after is not None else setting.default
    judged = JUDGES[setting.kind](old, new)
    if judged is None:
        return None  # the same access, written differently
    effect, how = judged
    return SecurityChange(
        change.table, change.key, setting.column, before, after, effect, f"{setting.meaning}: {how}"
    )


def _code(change: RowChange) -> SecurityChange | None:
    cells = {c: v for c, v in change.columns.items() if c in CODE_COLUMNS}
    if not cells:
        return None
    obj, _, action = change.key.partition(".")
    what = f"action '{action or change.key}'" + (f" on object '{obj}'" if action else "")
    verb = {"added": "added", "removed": "removed", "changed": "changed"}[change.change]
    detail = f"{what}: code {verb}"
    if change.change == "changed":
        detail += " (" + ", ".join(sorted(cells)) + ")"
    return SecurityChange(change.table, change.key, "", None, None, Effect.CODE, detail)


# -- how each kind of setting is judged: (effect, words) or None when access is the same ---------

Judged = tuple[Effect, str] | None
Judge = Callable[[str | None, str | None], Judged]


def _quoted(value: str | None) -> str:
    return "(none)" if value is None else repr(value)


def role_set(value: str | None) -> frozenset[str] | None:
    """A role list as the server reads it: None for ``everyone`` (every role); else the roles named
    (empty: nobody but a Developer). Developer is dropped: it is always let through."""
    text = (value or "").strip()
    if text.lower() == EVERYONE:
        return None
    return frozenset(r.strip() for r in text.split(",") if r.strip() and r.strip() != ALWAYS)


def _allow(old: str | None, new: str | None) -> Judged:
    return _compare_roles(role_set(old), role_set(new), old, new, grants=True)


def _deny(old: str | None, new: str | None) -> Judged:
    return _compare_roles(role_set(old), role_set(new), old, new, grants=False)


def _compare_roles(
    a: frozenset[str] | None, b: frozenset[str] | None, old: str | None, new: str | None, *, grants: bool
) -> Judged:
    if a == b:
        return None
    moves = f"{_quoted(old)} -> {_quoted(new)}"
    if a is None or b is None:  # to or from everyone
        wider = (b is None) == grants
        label = "everyone" if b is None else "no longer everyone"
        return (Effect.WIDENS if wider else Effect.NARROWS), f"{moves} ({label})"
    added, removed = sorted(b - a), sorted(a - b)
    words = []
    if added:
        words.append("adds " + ", ".join(added))
    if removed:
        words.append("removes " + ", ".join(removed))
    if "Public" in added and grants:
        words.append("Public is anonymous users")
    wider = bool(added) if grants else bool(removed)
    return (Effect.WIDENS if wider else Effect.NARROWS), f"{moves} ({'; '.join(words)})"


def _source(old: str | None, new: str | None) -> Judged:
    if _bool(old) == _bool(new):
        return None
    return Effect.UNKNOWN, (
        f"{_quoted(old)} -> {_quoted(new)} (the roles that apply change between the row's own and the "
        "defaults; which is wider is not in the diff)"
    )


def _level(old: str | None, new: str | None) -> Judged:
    a, b = _level_index(old), _level_index(new)
    if a is not None and a == b:
        return None
    moves = f"{_quoted(old)} -> {_quoted(new)}"
    if a is None or b is None:
        return Effect.UNKNOWN, f"{moves} (a value the promoter does not know)"
    return (
        Effect.WIDENS if b > a else Effect.NARROWS
    ), f"{moves} ({'more' if b > a else 'fewer'} callers let in)"


def _level_index(value: str | None) -> int | None:
    text = (value or "").strip()
    if text.isdigit() and int(text) < len(LEVELS):  # the enum's number
        return int(text)
    lowered = [name.lower() for name in LEVELS]
    return lowered.index(text.lower()) if text.lower() in lowered else None


def _bool(value: str | None) -> bool | None:
    text = (value or "").strip().lower()
    return {"true": True, "1": True, "false": False, "0": False}.get(text)


def _switch(weak_when: bool) -> Judge:
    def judge(old: str | None, new: str | None) -> Judged:
        a, b = _bool(old), _bool(new)
        if a is not None and a == b:
            return None
        moves = f"{_quoted(old)} -> {_quoted(new)}"
        if a is None or b is None:
            return Effect.UNKNOWN, f"{moves} (not true or false)"
        state = "turned on" if b else "turned off"
        return (Effect.WIDENS if b == weak_when else Effect.NARROWS), f"{moves} ({state})"

    return judge


def _longer(old: str | None, new: str | None) -> Judged:
    try:
        a, b = int((old or "").strip()), int((new or "").strip())
    except ValueError:
        return Effect.UNKNOWN, f"{_quoted(old)} -> {_quoted(new)} (not a number of seconds)"
    if a == b:
        return None
    return (Effect.WIDENS if b > a else Effect.NARROWS), f"{a} -> {b} ({'longer' if b > a else 'shorter'})"


JUDGES: dict[Kind, Judge] = {
    Kind.ALLOW: _allow,
    Kind.DENY: _deny,
    Kind.SOURCE: _source,
    Kind.LEVEL: _level,
    Kind.ON_WEAKENS: _switch(True),
    Kind.OFF_WEAKENS: _switch(False),
    Kind.LONGER_WEAKENS: _longer,
}
