"""Which archive entries a prune deletes: the retention rule, as a pure function of the entries.

Kept, always: the *keep* newest entries of each profile and kind, every entry younger than *days*,
pinned entries, entries that runs still reference (the backups undo needs), and the newest backup of
each environment (its URL and app), whatever its age. Everything else goes.

A plan's reads (kind ``plan``) have a rule of their own: kept while younger than *plan_days* (or
pinned, or referenced), never by *keep* or *days*, and never counted as backups.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, TypeVar


class Kept(Protocol):
    """What the rule reads of an entry (``store.Entry`` has it): the rule needs nothing else."""

    @property
    def id(self) -> int: ...
    @property
    def profile(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def base_url(self) -> str: ...
    @property
    def app(self) -> str: ...
    @property
    def created_at(self) -> float | None: ...
    @property
    def pinned(self) -> bool: ...


E = TypeVar("E", bound=Kept)


@dataclass(frozen=True)
class Retention:
    keep: int  # newest entries kept per profile and kind
    days: float = 0.0  # and every entry younger than this
    plan_days: float = 0.0  # plan reads younger than this (their only rule)

    def __post_init__(self) -> None:
        if self.keep < 0 or self.days < 0 or self.plan_days < 0:
            raise ValueError("retention needs keep, days and plan_days >= 0")


def doomed(entries: Iterable[E], rule: Retention, referenced: set[int], now: float) -> list[E]:
    """The entries the rule deletes, oldest first; *entries* in any order."""
    ordered = sorted(entries, key=lambda e: (e.created_at or 0, e.id), reverse=True)
    newest_backup: set[tuple[str, str]] = set()
    seen: dict[tuple[str, str], int] = {}
    out = []
    for entry in ordered:
        if entry.kind == "plan":
            recent = now - (entry.created_at or 0) < rule.plan_days * 86400
            if not (recent or entry.pinned or entry.id in referenced):
                out.append(entry)
            continue
        group = (entry.profile, entry.kind)
        rank = seen.get(group, 0)
        seen[group] = rank + 1
        target = (entry.base_url.rstrip("/"), entry.app.lower())
        first_backup = entry.kind == "backup" and target not in newest_backup
        if entry.kind == "backup":
            newest_backup.add(target)
        young = rule.days > 0 and now - (entry.created_at or 0) < rule.days * 86400
        if rank < rule.keep or young or entry.pinned or entry.id in referenced or first_backup:
            continue
        out.append(entry)
    return out[::-1]
