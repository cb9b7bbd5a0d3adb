"""A plan's verdict in one word and its reasons, for every write: what the banner says before the
confirmation does. Safe only when no gate applies and nothing deserves a second look; refused when a
gate that no consent lifts applies; nothing to do when the write would change nothing."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from app.engine.gates import FINAL, Refusal


class Tone(enum.StrEnum):
    SAFE = "safe"  # no gate applies
    CAUTION = "caution"  # a gate (or a deletion in a protected target) needs a second look
    REFUSED = "refused"  # a gate no consent lifts: an invalid model, a stale plan
    NOTHING = "nothing"  # the write would change nothing


@dataclass(frozen=True)
class Verdict:
    tone: Tone
    reasons: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        return {"tone": self.tone.value, "reasons": list(self.reasons)}


def decide(refusals: list[Refusal], cautions: list[str], nothing: str | None) -> Verdict:
    """The verdict from the gates a plan meets without consent, the cautions that are not gates,
    and, when the write would change nothing, why."""
    final = [r.message for r in refusals if r.gate in FINAL]
    if final:
        return Verdict(Tone.REFUSED, tuple(final))
    if nothing is not None:
        return Verdict(Tone.NOTHING, (nothing,))
    reasons = [r.message for r in refusals] + cautions
    return Verdict(Tone.CAUTION if reasons else Tone.SAFE, tuple(reasons))
