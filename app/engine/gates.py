"""The safety gates, in one place: every write asks here and gets typed refusals.

A refusal names its kind and says why in plain words (no front end's vocabulary): the command line
maps each kind to its flag in a table of its own (``app/cli/gateflags.py``); the window shows each in
its confirmation with its own tick box or typed name. Neither front end decides on its own: both
build a :class:`Consent` from what the user said and pass it to the engine.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.errors import SafetyRefusal
from app.kinds import Valid
from app.plural import count as count_of
from app.profile import Profile

if TYPE_CHECKING:
    from app.engine.security import SecurityChange


class Gate(enum.StrEnum):
    INVALID = "invalid"  # the target refuses the model: no consent overrides it
    DATA_LOSS = "data_loss"
    PROTECTED = "protected"
    STAGE_SKIPPED = "stage_skipped"
    DRIFT = "drift"
    STALE_PLAN = "stale_plan"  # the confirmed plan no longer describes source or target: plan again
    LATER_WRITES = "later_writes"  # an undo would also discard later runs into the same target
    MODEL_MISMATCH = "model_mismatch"  # the configuration written describes objects the model lacks
    SECURITY = "security"  # the change widens access in a protected target: a reason in words
    UNVERIFIED_SOURCE = "unverified_source"  # the source changed since its last verified promotion
    OTHER_APP = "other_app"  # a release taken from none of this home's environments


FINAL = (Gate.INVALID, Gate.STALE_PLAN)  # no consent lifts these: fix the model, or plan again


@dataclass(frozen=True)
class Refusal:
    gate: Gate
    message: str

    @property
    def overridable(self) -> bool:
        return self.gate not in FINAL

    def as_json(self) -> dict[str, str]:
        return {"gate": self.gate.value, "message": self.message}

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Consent:
    """What the user explicitly agreed to, for this one write."""

    confirm: str | None = None  # the typed name of a protected target
    allow_data_loss: bool = False
    allow_skip_stage: bool = False
    accept_drift: bool = False  # overwrite changes made outside the promoter since its last write
    accept_later_writes: bool = False  # an undo that also discards the runs written after it
    config_only: bool = False  # write a configuration that does not match the target's model
    security_reason: str | None = None  # why access may be widened (words; blank is no consent)
    accept_unverified_source: bool = False  # send a source state never promoted through the source
    allow_other_app: bool = False  # promote a release taken from none of this home's environments

    @property
    def accepts_security(self) -> bool:
        return bool(self.security_reason and self.security_reason.strip())


class Refused(SafetyRefusal):
    """One or more gates said no; nothing was written."""

    def __init__(self, refusals: list[Refusal]) -> None:
        super().__init__("Refused: " + "; ".join(r.message for r in refusals) + ".")
        self.refusals = refusals


def protected(target: Profile, consent: Consent) -> list[Refusal]:
    if target.protected and consent.confirm != target.name:
        return [Refusal(Gate.PROTECTED, f"{target.name} is protected: its name must be typed to write to it")]
    return []


def stage_order(source: Profile, target: Profile, consent: Consent) -> list[Refusal]:
    if target.stage != source.stage + 1 and not consent.allow_skip_stage:
        return [
            Refusal(
                Gate.STAGE_SKIPPED,
                f"{source.name} is stage {source.stage} and {target.name} stage {target.stage}; "
                "promotions go to the next stage",
            )
        ]
    return []


def model_change(
    target: Profile, valid: str, warnings: list[str], drops: list[str], consent: Consent
) -> list[Refusal]:
    """A model about to be applied: refused when invalid, or when it loses data without consent."""
    if valid == Valid.NEVER:
        return [Refusal(Gate.INVALID, f"{target.name} refuses the model as invalid: " + "; ".join(warnings))]
    if (valid == Valid.DATA or drops) and not consent.allow_data_loss:
        parts = drops + (warnings if valid == Valid.DATA else [])
        return [
            Refusal(
                Gate.DATA_LOSS,
                "the model change loses data ("
                + (", ".join(parts) or "type changes")
                + ")",
            )
        ]
    return []


def drift(
    target: Profile, changed: bool, since: int | None, count: int | None, consent: Consent
) -> list[Refusal]:
    if changed and not consent.accept_drift:
        what = count_of(count, "change") if count is not None else "details unavailable"
        return [
            Refusal(
                Gate.DRIFT,
                f"{target.name} was changed outside the promoter since run #{since} ({what}); "
                "writing now discards those changes",
            )
        ]
    return []


def before_reading(source: Profile, target: Profile, consent: Consent) -> list[Refusal]:
    """The gates of a promotion that need nothing from a server (the profiles and the consent):
    decided before anything is downloaded, so such a refusal costs no export and archives nothing."""
    return protected(target, consent) + stage_order(source, target, consent)



def security(
    target: Profile, weakening: list[SecurityChange], consent: Consent, what: str = "promotion"
) -> list[Refusal]:
    """Changes that widen access (see ``security.py``): into a protected target only with a reason;
    into another one they are shown and counted, not gated. Narrowing is never gated."""
    if not target.protected or not weakening or consent.accepts_security:
        return []
    shown = "; ".join(f"{c.where}: {c.detail}" for c in weakening[:3])
    more = f"; and {len(weakening) - 3} more" if len(weakening) > 3 else ""
    return [
        Refusal(
            Gate.SECURITY,
            f"{target.name} is protected and this {what} widens access "
            f"({count_of(len(weakening), 'change')}: {shown}{more}); a reason in words is needed",
        )
    ]


def unverified_source(
    source: Profile, target: Profile, changed: bool, since: int | None, count: int | None, consent: Consent
) -> list[Refusal]:
    """The source changed since the promoter last verified a write into it: into a protected target,
    that state was never promoted through the source, so it needs its own consent."""
    if not changed or not target.protected or consent.accept_unverified_source:
        return []
    what = count_of(count, "change") if count is not None else "details unavailable"
    return [
        Refusal(
            Gate.UNVERIFIED_SOURCE,
            f"{source.name} changed after its last verified promotion (run #{since}; {what}): "
            f"{target.name} would receive a state never promoted through {source.name} (a release "
            "promotes exactly what was verified)",
        )
    ]


def unverified_release(target: Profile, label: str, why: str, consent: Consent) -> list[Refusal]:
    """A release taken from a state the promoter had not verified (*why* says how): into a protected
    target, the same consent as promoting an unverified source."""
    if not why or not target.protected or consent.accept_unverified_source:
        return []
    return [
        Refusal(
            Gate.UNVERIFIED_SOURCE,
            f"{label} was not a verified state when it was taken ({why}): {target.name} would receive "
            "a state never verified",
        )
    ]


def other_app(target: Profile, why: str, consent: Consent) -> list[Refusal]:
    """A release taken from none of this home's environments (*why* says so) into *target*."""
    if not why or consent.allow_other_app:
        return []
    return [
        Refusal(
            Gate.OTHER_APP,
            f"{why}: {target.name} would receive another app's model and configuration",
        )
    ]


def model_mismatch(target: Profile, lines: list[str], consent: Consent) -> list[Refusal]:
    """A configuration written without a model that matches it: the target would serve screens and
    actions for tables it does not have (or lack them for tables it has)."""
    if lines and not consent.config_only:
        return [
            Refusal(
                Gate.MODEL_MISMATCH,
                f"after this write {target.name} would be inconsistent: " + "; ".join(lines),
            )
        ]
    return []


def later_writes(target: Profile, undoing: str, later: tuple[str, ...], consent: Consent) -> list[Refusal]:
    """An undo puts a backup back over every later write into the same target (whichever profile
    or home made it): those are discarded too."""
    if later and not consent.accept_later_writes:
        return [
            Refusal(
                Gate.LATER_WRITES,
                f"{target.name} was written by later runs ({', '.join(later)}); undoing {undoing} "
                "discards them too",
            )
        ]
    return []


def stale(expected: str | None, actual: str) -> list[Refusal]:
    """The plan the user confirmed (its stamp) against the one made under the lock just now."""
    if expected is None or expected == actual:
        return []
    labels = ("source model", "source configuration", "target model", "target configuration")
    before, now = expected.split("-"), actual.split("-")
    changed = [label for label, a, b in zip(labels, before, now, strict=False) if a != b] or ["plan"]
    return [
        Refusal(
            Gate.STALE_PLAN,
            "the plan you confirmed is stale: the " + ", ".join(changed) + " changed since; plan again",
        )
    ]


def raise_if(refusals: list[Refusal]) -> None:
    if refusals:
        raise Refused(refusals)
