"""A restore or undo refused only because the older model drops data: say what, ask, run again."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtWidgets import QWidget

from app.engine.gates import Consent, Gate
from app.engine.result import Result, Status
from app.gui import messages


def ask_again(parent: QWidget, result: Result, consent: Consent, rerun: Callable[[Consent], None]) -> bool:
    """True when *result* was such a refusal and the user chose to go on (*rerun* was called)."""
    if result.status != Status.REFUSED or {r.gate for r in result.refusals} != {Gate.DATA_LOSS}:
        return False
    question = f"{result.refusals[0].message}.\n\nGo on and drop it?"
    if not messages.ask_yes_no(parent, "This drops data", question):
        return False
    rerun(replace(consent, allow_data_loss=True))
    return True
