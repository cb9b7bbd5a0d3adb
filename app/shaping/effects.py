"""What shaping did, one entry per effect, for the plan, its JSON and the window."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.errors import UsageError


@dataclass(frozen=True)
class Effect:
    kind: str  # kept, replaced, left-out, with (a consequence), unmatched, not-applied
    by: str  # "rule 2", "exclusion" or "exclusion of model:orders"
    selector: str  # what it touched, in selector form
    text: str  # a sentence for the plan

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "by": self.by, "selector": self.selector, "text": self.text}


@dataclass(frozen=True)
class Source:
    """Who asks: a rule (keep or replace) or an exclusion of this promotion."""

    label: str  # "rule 2" or "exclusion"
    exclusion: bool

    def kept_verb(self) -> str:
        return "left out" if self.exclusion else f"kept by {self.label}"


def short(text: str, limit: int = 60) -> str:
    text = text.replace("\n", " ")
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def cannot(who: Source, selector: str, reason: str, advice: str) -> Effect:
    """A pin that cannot be honoured as asked: an exclusion is refused, saying why and what to leave
    out instead; a rule is reported as not applied there."""
    if who.exclusion:
        raise UsageError(f"Cannot leave out {selector}: {reason}. {advice}")
    return Effect("not-applied", who.label, selector, f"{who.label} not applied to {selector}: {reason}")


def unmatched(who: Source, selector: str, where: str = "") -> Effect:
    """A selector that names nothing: reported for a rule; an exclusion is refused (a typo must not
    let the change it meant to leave out go through)."""
    if who.exclusion:
        raise UsageError(
            f"--exclude {selector} matches nothing{where}; nothing was left out and nothing was written. "
            "Check the name against the plan (for example model:orders, Rule[Apply coupon], "
            "Database.DisplayName)."
        )
    return Effect("unmatched", who.label, selector, f"{who.label}: {selector} matches nothing{where}")
