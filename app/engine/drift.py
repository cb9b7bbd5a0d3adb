"""Drift: what a target holds against what the promoter last left it holding (its baseline in
history, which prune never touches). One reading for every plan: a promotion's target, its source
(the unverified-source gate) and a planned write's target."""

from __future__ import annotations

from dataclasses import dataclass

from app.archive import Entry
from app.configdoc.diff import ConfigDiff, comparable
from app.engine.context import Context
from app.errors import PromoterError


@dataclass(frozen=True)
class Drift:
    since: int  # the run that set the baseline
    comparable: bool  # False: the baseline was recorded by an older promoter, in another form
    diff: ConfigDiff | None = None  # the changes, when the baseline's export is still archived
    unavailable: str = ""  # why the changes could not be read

    def count_text(self) -> str:
        from app.plural import count

        return count(self.diff.count(), "change") if self.diff is not None else "details unavailable"


def since_baseline(ctx: Context, target_key: str, fingerprint: str, held: Entry | None) -> Drift | None:
    """How the target (*fingerprint*, archived as *held*) differs from its baseline; None when it
    has none or holds it."""
    base = ctx.history.baseline(target_key)
    if base is None or base.fingerprint == fingerprint:
        return None
    if not comparable(base.fingerprint):
        return Drift(base.run_id, comparable=False)
    diff, unavailable = None, ""
    try:
        if base.entry_id is not None and held is not None:
            diff = ctx.config_diff(ctx.archive.get(int(base.entry_id)), held)
    except PromoterError as exc:
        unavailable = exc.message
    return Drift(base.run_id, True, diff, unavailable)
