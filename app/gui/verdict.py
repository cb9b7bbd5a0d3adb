"""The Promote tab's banner: a finished run's outcome, or a plan's verdict, in words and a colour."""

from __future__ import annotations

from app.engine.result import Result
from app.gui.colours import LIGHT
from app.words import count

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
    """The text and background colour for *result*."""
    valid = result.plan.get("valid") if result.plan else None
    if cancelled_as_asked(result):
        return result.message, AMBER  # not a failure; the message says what became of the writes
    if result.status != "dry_run" or valid is None:
        word = result.status.replace("_", " ").capitalize()
        text = result.message if result.message.startswith(word) else f"{word}: {result.message}"
        return text, BANNERS.get(result.status, RED)
    warnings = "; ".join(result.plan.get("warnings", []))
    colour = {"always": GREEN, "data": AMBER}.get(valid, RED)
    message = {
        "always": "Safe: the target accepts the model without losing data.",
        "data": "May lose data: " + warnings,
        "never": "Invalid: the target refuses this model: " + warnings,
    }.get(valid, valid)
    if result.plan.get("dropped_tables") or result.plan.get("dropped_columns"):
        colour, message = AMBER, "May lose data: tables or columns are dropped (their data with them)."
    if [line for line in result.plan.get("shaping_lines") or [] if not line.startswith("--no-rules")]:
        message += " Rules and exclusions shape what is sent (listed in the plan)."
    if (result.plan.get("shaping") or {}).get("no_rules"):
        message += " The target's rules are NOT applied."
    left_out = (result.plan.get("shaping") or {}).get("excludes") or []
    if left_out:
        they = "they stay" if len(left_out) > 1 else "it stays"
        message += (
            f" You left out {count(len(left_out), 'change')}: {they} out of every plan of"
            f" {result.source} → {result.target} until ticked again."
        )
    return f"Plan of {result.source} → {result.target} ready. {message}", colour
