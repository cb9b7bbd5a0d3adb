"""Environment profiles: one schema-versioned JSON file under the home, with no secret in it."""

from __future__ import annotations

import json
import secrets
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

from app import logs
from app import profileguard as guard
from app.errors import PromoterError, UsageError
from app.fsutil import atomic_write_bytes
from app.profile import Profile
from app.shaping.rules import Rule, next_id, rule_from_json

SCHEMA_VERSION = 2  # 2: profiles may carry rules (written only when one does, so 1 stays readable)
log = logs.profiles


class ProfileJournal(Protocol):
    """Where profile changes are recorded, with each profile's last known protection (history)."""

    def known(self) -> dict[str, guard.Known]: ...

    def record(self, change: guard.ProfileChange) -> None: ...

    def note(self, profiles: list[Profile]) -> None: ...


class ProfileStore:
    """Load and save ``profiles.json``. Every change goes through :mod:`app.profileguard` (a
    protected profile's change needs its name in *confirm*, or :class:`ProtectedProfileChange` is
    raised and nothing is written) and, with a *journal*, is recorded there."""

    def __init__(self, path: Path, journal: ProfileJournal | None = None) -> None:
        self.path = path
        self.journal = journal

    def load(self) -> list[Profile]:
        if not self.path.exists():
            return []
        profiles = parse_profiles(self.path.read_bytes(), str(self.path))
        if any(not p.id for p in profiles):  # from before profiles had ids: give them one, once
            profiles = [p if p.id else replace(p, id=new_id()) for p in profiles]
            self.save(profiles)
        return profiles

    def save(self, profiles: list[Profile]) -> None:
        version = SCHEMA_VERSION if any(p.rules for p in profiles) else 1
        doc = {"schema_version": version, "profiles": [p.as_json() for p in profiles]}
        atomic_write_bytes(self.path, json.dumps(doc, indent=2).encode() + b"\n")

    def get(self, name: str) -> Profile:
        for profile in self.load():
            if profile.name == name:
                return profile
        known = ", ".join(p.name for p in self.load()) or "none yet"
        raise UsageError(f"There is no profile named {name!r} (profiles: {known}).")

    def _known(self) -> dict[str, guard.Known]:
        return self.journal.known() if self.journal is not None else {}

    @staticmethod
    def _resolved(profile: Profile, same: Profile | None) -> Profile:
        """*profile* as it would be saved over *same* (the profile of its name): its id and rules."""
        profile = replace(profile, id=profile.id or (same.id if same else "") or new_id())
        if profile.rules is None:
            profile = replace(profile, rules=same.rules if same else ())
        return profile

    def consent_needed(self, new: Profile | None, old_name: str) -> tuple[str, ...]:
        """What about saving *new* over the profile *old_name* (None: removing it) needs that
        profile's name typed; () when nothing does (the front ends ask only then)."""
        old = next((p for p in self.load() if p.name == old_name), None)
        if old is None:
            return ()
        new = self._resolved(new, old) if new is not None else None
        return guard.consent_needed(guard.effective(old, self._known()), new)

    def upsert(self, profile: Profile, confirm: str | None = None) -> Profile:
        """Save *profile* (replacing one of the same name, whose id it keeps); return it as saved.

        Refused (nothing written) when the profile is protected and the change needs its name."""
        profile.validate()
        current = self.load()
        same = next((p for p in current if p.name == profile.name), None)
        profile = self._resolved(profile, same)
        known = self._known()
        old = guard.effective(same, known) if same is not None else None
        needed = guard.consent_needed(old, profile)
        guard.check({profile.name: needed}, confirm)
        profiles = [p for p in current if p.name != profile.name]
        profiles.append(profile)
        profiles.sort(key=lambda p: (p.stage, p.name))
        self.save(profiles)
        log.info("saved profile %s", profile.name)
        self._record(old, profile, same, bool(needed))
        return profile

    def _record(
        self, old: Profile | None, new: Profile | None, in_file: Profile | None, confirmed: bool
    ) -> None:
        changes = guard.field_changes(old, new)
        if self.journal is None or not changes:
            return
        which = new if new is not None else old
        assert which is not None
        self.journal.record(
            guard.ProfileChange(
                action=guard.action_of(old, new, changes),
                name=which.name,
                profile_id=which.id,
                target_key=which.target_key,
                protected=bool(new and new.protected),
                changes=changes,
                confirmed=confirmed,
                outside=old is not None and in_file is not None and old.protected != in_file.protected,
            )
        )

    def add_rule(self, name: str, rule: Rule, confirm: str | None = None) -> Rule:
        """Add *rule* (its id given here) to the profile *name*; return it as saved."""
        profile = self.get(name)
        rules = tuple(profile.rules or ())
        rule = replace(rule, id=next_id(rules)).made()
        if any(
            (r.kind, r.selector, r.find, r.with_, r.regex)
            == (rule.kind, rule.selector, rule.find, rule.with_, rule.regex)
            for r in rules
        ):
            raise UsageError(f"Profile {name} already has this rule.")
        self.upsert(replace(profile, rules=(*rules, rule)), confirm)
        return rule

    def remove_rule(self, name: str, rule_id: int, confirm: str | None = None) -> Rule:
        profile = self.get(name)
        rules = tuple(profile.rules or ())
        found = next((r for r in rules if r.id == rule_id), None)
        if found is None:
            known = ", ".join(str(r.id) for r in rules) or "none"
            raise UsageError(f"Profile {name} has no rule {rule_id} (its rules: {known}).")
        self.upsert(replace(profile, rules=tuple(r for r in rules if r.id != rule_id)), confirm)
        return found

    def remove(self, name: str, confirm: str | None = None) -> None:
        same = self.get(name)
        old = guard.effective(same, self._known())
        needed = guard.consent_needed(old, None)
        guard.check({name: needed}, confirm)
        self.save([p for p in self.load() if p.name != name])
        self._record(old, None, same, bool(needed))

    def lost_protection(self) -> list[guard.LostProtection]:
        """Profiles last recorded as protected whose file now says they are not (edited by hand).
        Profiles seen for the first time are noted. Best effort: an unreadable history says nothing."""
        if self.journal is None:
            return []
        profiles = self.load()
        try:
            lost = guard.lost_protection(profiles, self.journal.known())
            self.journal.note(profiles)
        except PromoterError as exc:
            log.warning("could not compare the profiles with the history: %s", exc.message)
            return []
        return lost

    def export_to(self, dest: Path) -> None:
        atomic_write_bytes(dest, self.path.read_bytes() if self.path.exists() else b"{}", 0o644)

    def import_from(self, source: Path, confirm: tuple[str, ...] = ()) -> list[Profile]:
        """Save the profiles of *source* over those of the same names: all of them, or none when a
        protected one would change without its name in *confirm*."""
        incoming = parse_profiles(source.read_bytes(), str(source))
        for profile in incoming:  # what is imported is made here: held to what a new rule is
            for rule in profile.rules or ():
                try:
                    rule.made()
                except UsageError as exc:
                    raise UsageError(f"{source}: profile {profile.name!r}: {exc.message}") from None
        # an imported profile is new in this home: it never takes another home's keyring entries
        incoming = [replace(profile, id="") for profile in incoming]
        for profile in incoming:
            profile.validate()
        # the file and the history are read once, every change checked, then the file written once:
        # all of them or none
        current, known = self.load(), self._known()
        by_name = {p.name: p for p in current}
        changes = []
        for profile in incoming:
            same = by_name.get(profile.name)
            new = self._resolved(profile, same)
            old = guard.effective(same, known) if same is not None else None
            changes.append((old, new, same, guard.consent_needed(old, new)))
        guard.check({new.name: needed for _old, new, _same, needed in changes}, confirm)
        merged = {**by_name, **{new.name: new for _old, new, _same, _needed in changes}}
        self.save(sorted(merged.values(), key=lambda p: (p.stage, p.name)))
        for old, new, same, needed in changes:
            log.info("saved profile %s", new.name)
            self._record(old, new, same, bool(needed))
        return [new for _old, new, _same, _needed in changes]


FIELD_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "name": ((str,), "a string"),
    "base_url": ((str,), "a string"),
    "app": ((str,), "a string"),
    "auth": ((str,), "a string"),
    "username": ((str, type(None)), "a string or null"),
    "signin_app": ((str,), "a string"),
    "stage": ((int,), "a whole number"),
    "protected": ((bool,), "true or false"),
    "colour": ((str,), "a string"),
    "allow_insecure_http": ((bool,), "true or false"),
    "extra": ((dict,), "an object"),
    "id": ((str,), "a string"),
    "rules": ((list,), "a list of rules"),
}


def _type_ok(key: str, value: Any) -> bool:
    """Strictly: "false" (a string) is not false, and true is not the stage number 1."""
    types = FIELD_TYPES[key][0]
    if isinstance(value, bool) and bool not in types:
        return False
    return isinstance(value, types)


def new_id() -> str:
    return secrets.token_hex(8)


def parse_profiles(raw: bytes, where: str) -> list[Profile]:
    try:
        doc = json.loads(raw)
    except RecursionError:
        raise UsageError(f"The profile file {where} is corrupted (nested too deeply).") from None
    except ValueError as exc:
        raise UsageError(f"The profile file {where} is corrupted (not JSON: {exc}).") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("profiles"), list):
        raise UsageError(f"The profile file {where} is corrupted (no 'profiles' list).")
    version = doc.get("schema_version")
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        raise UsageError(
            f"The profile file {where} has schema version {version!r}; this promoter reads up to "
            f"{SCHEMA_VERSION}. Upgrade the promoter, or restore an older copy of the file."
        )
    out = []
    known = set(Profile.__dataclass_fields__)
    for item in doc["profiles"]:
        if not isinstance(item, dict):
            raise UsageError(f"The profile file {where} has an entry that is not an object.")
        fields = {k: v for k, v in item.items() if k in known}
        for key, value in fields.items():
            if not _type_ok(key, value):
                label = item.get("name") if isinstance(item.get("name"), str) else "?"
                raise UsageError(
                    f"The profile file {where}: profile {label!r} has {key} = {value!r}, which is not "
                    f"{FIELD_TYPES[key][1]}."
                )
        if "rules" in fields:
            label = fields.get("name", "?")
            fields["rules"] = tuple(rule_from_json(r, f"{where}: profile {label!r}") for r in fields["rules"])
            ids = [r.id for r in fields["rules"]]
            if len(ids) != len(set(ids)):
                twice = sorted({i for i in ids if ids.count(i) > 1})
                raise UsageError(f"{where}: profile {label!r} has two rules numbered {twice[0]}.")
        else:
            fields["rules"] = ()
        try:
            out.append(Profile(**fields).validate())
        except TypeError as exc:
            raise UsageError(f"The profile file {where} has a bad entry: {exc}.") from None
        except UsageError as exc:  # what profile add refuses, written into the file by hand
            raise UsageError(f"The profile file {where}: {exc.message}") from None
    names = [p.name for p in out]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:  # which of two entries would win is no question to leave to the order
        raise UsageError(
            f"The profile file {where}: profile {', '.join(twice)} is listed more than once; remove or "
            "rename all but one. Nothing was changed."
        )
    return out
