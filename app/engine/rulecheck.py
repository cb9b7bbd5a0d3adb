"""Whether a rule names anything in its target as last read: a typo said when the rule is made and
wherever rules are listed (the CLI's ``rules add``, the window's Rules dialog).

Only the archive is read (the target's newest archived read, when small enough to parse cheaply);
nothing is fetched from a server.
"""

from __future__ import annotations

import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from app.archive import Archive, Entry
from app.configdoc.dataset import read_config_zip
from app.configdoc.xmlstream import ConfigDocs
from app.errors import PromoterError
from app.profile import Profile
from app.shaping.check import missing
from app.shaping.rules import Rule

CHEAP_BYTES = 16 << 20  # a larger archived configuration is not parsed just to check a selector


@dataclass
class LastRead:
    """A target's newest archived read, its configuration parsed once for any number of rules."""

    entry: Entry
    archive: Archive
    _docs: ConfigDocs | None = None

    @property
    def docs(self) -> ConfigDocs:
        if self._docs is None:
            self._docs = read_config_zip(self.archive.path_of(self.entry))
        return self._docs

    @property
    def when(self) -> str:
        return time.strftime("%Y-%m-%d %H:%M", time.localtime(self.entry.created_at))


def last_read(archive: Archive, target: Profile) -> LastRead | None:
    """The newest small archived read of *target*'s app, or None when there is none."""
    try:
        reads = [
            e
            for e in archive.entries(target.name)
            if e.kind in ("export", "backup", "plan") and e.app == target.app and e.size <= CHEAP_BYTES
        ]
        if not reads:
            return None
        return LastRead(archive.get(max(reads, key=lambda e: (e.created_at, e.id)).id), archive)
    except (PromoterError, OSError, ValueError):
        return None


def matches_nothing(read: LastRead | None, rule: Rule) -> str:
    """What the rule names that *read* lacks, with the nearest names ("there is no ... (nearest:
    ...)"); "" when it matches, or when that is not known cheaply (nothing read, a damaged file)."""
    if read is None:
        return ""
    try:
        selector = rule.parsed
        docs = None if selector.is_model else read.docs
        return missing(selector, read.entry.model, docs)
    except (PromoterError, OSError, ValueError, zipfile.BadZipFile):
        return ""  # the plan will say what it finds


class RuleChecker:
    """The rules of each target that match nothing in its last read, each read parsed once (a
    window lists rules often; it parses again only when a newer read is archived)."""

    def __init__(self, archive: Callable[[], Archive]) -> None:
        self.archive = archive  # the context's current archive (settings may move it)
        self._reads: dict[str, LastRead] = {}

    def read(self, target: Profile) -> LastRead | None:
        newest = last_read(self.archive(), target)
        if newest is None:
            return None
        kept = self._reads.get(target.name)
        if kept is not None and kept.entry.id == newest.entry.id:
            return kept
        self._reads[target.name] = newest
        return newest

    def unmatched(self, target: Profile) -> list[tuple[Rule, str]]:
        """(rule, what it names that is not there, with the nearest names) for each such rule."""
        rules = target.rules or ()
        read = self.read(target) if rules else None
        found = [(rule, matches_nothing(read, rule)) for rule in rules]
        return [(rule, what) for rule, what in found if what]
