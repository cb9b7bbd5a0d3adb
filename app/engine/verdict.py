"""A plan's verdict in one word and its reasons, for every write: what the banner says before the
confirmation does. Safe only when no gate applies and nothing deserves a second look; refused when a
gate that no consent lifts applies; nothing to do when the write would change nothing."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.engine import gates
from app.engine.gates import FINAL, Consent, Refusal
from app.words import count

if TYPE_CHECKING:
    from app.engine.plan import Plan
    from app.engine.writeplan import WritePlan


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


def of_promotion(plan: Plan) -> Verdict:
    refusals = gates.promotion(plan, Consent())
    cautions = []
    diff = plan.config_diff
    if plan.target.protected:
        removed = [c.describe() for c in diff.changes if c.change == "removed"] if diff else []
        if removed:
            shown = ", ".join(removed[:3]) + (f" and {len(removed) - 3} more" if len(removed) > 3 else "")
            cautions.append(f"deletes {count(len(removed), 'row')} in protected {plan.target.name}: {shown}")
    elif plan.security.weakening:
        cautions.append(
            f"widens access in {plan.target.name} ({count(len(plan.security.weakening), 'change')}; "
            "see the Security section)"
        )
    nothing = None
    if plan.model_diff.empty and (diff is None or diff.empty):
        nothing = f"nothing to promote: {plan.target.name} already holds what would be sent"
    return decide(refusals, cautions, nothing)


def of_write(plan: WritePlan) -> Verdict:
    nothing = None
    if plan.nothing_to_write:
        nothing = f"nothing to change: {plan.target.name} already holds {plan.source.label}"
    return decide(plan.refusals(Consent()), [], nothing)
