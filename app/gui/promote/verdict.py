"""The Promote tab's banner: a finished run's outcome, or a plan's verdict, in words and a colour."""

from __future__ import annotations

from app.engine.reads.plan import Plan
from app.engine.result import Result
from app.engine.verdict import Tone
from app.gui.widgets.colours import LIGHT
from app.plural import count

# backgrounds under white text: the strong colours read on a light and a dark palette alike
RED, AMBER, GREEN, BLUE = (LIGHT[name] for name in ("red", "amber", "green", "blue"))
BANNERS = {"succeeded": GREEN, "dry_run": BLUE, "refused": AMBER}


def cancelled_before_writing(result: Result) -> bool:
    """The run ended on a cancel (the user's, or the window's as it quits) with nothing written."""
    return result.status == "failed" and result.error_kind == "cancelled" and not result.written


def cancelled_as_asked(result: Result) -> bool:
    """The run ended on a cancel and the target is as it was: nothing was written, or what was
    written is rolled back and verified. Not a failure: an amber banner, no pop-up."""
    return result.error_kind == "cancelled" and (
        cancelled_before_writing(result) or result.status == "rolled_back"
    )


def banner(result: Result) -> tuple[str, str]:
    """The text and background colour for *result*: a finished run's outcome, or a plan's verdict
    (green only when no gate applies; amber with the reasons in words; nothing to promote)."""
    if cancelled_as_asked(result):
        return result.message, AMBER  # not a failure; the message says what became of the writes
    plan = result.planned
    if result.status != "dry_run" or not isinstance(plan, Plan):
        word = result.status.replace("_", " ").capitalize()
        text = result.message if result.message.startswith(word) else f"{word}: {result.message}"
        return text, BANNERS.get(result.status, RED)
    found = plan.verdict()
    head = f"Plan of {result.source} → {result.target} ready."
    if found.tone is Tone.NOTHING:
        return f"Nothing to promote: {result.target} already holds what {result.source} would send.", BLUE
    if found.tone is Tone.SAFE:
        text = f"{head} Safe: no gate applies; {result.target} accepts the model without losing data."
    else:
        lead = "Refused" if found.tone is Tone.REFUSED else "Needs your consent"
        text = f"{head} {lead}: " + "; ".join(found.reasons) + "."
    if plan.shaped.effect_lines():
        text += " Rules and exclusions shape what is sent (listed in the plan)."
    if plan.shaped.spec.no_rules:
        text += " The target's rules are NOT applied."
    left_out = plan.shaped.spec.excludes
    if left_out:
        they = "they stay" if len(left_out) > 1 else "it stays"
        text += (
            f" You left out {count(len(left_out), 'change')}: {they} out of every plan of"
            f" {result.source} → {result.target} until ticked again."
        )
    return text, {Tone.SAFE: GREEN, Tone.CAUTION: AMBER, Tone.REFUSED: RED}[found.tone]
