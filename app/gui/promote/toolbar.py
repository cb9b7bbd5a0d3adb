"""The Promote tab's top row: the pair picker, Plan, Promote…, Cancel and "Ignore rules"."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QPushButton, QWidget

from app.gui.promote.pickers import PairPicker


class Toolbar(QWidget):
    def __init__(
        self, on_plan: Callable[[], None], on_promote: Callable[[], None], on_cancel: Callable[[], None]
    ) -> None:
        super().__init__()
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.picker = PairPicker()
        self.plan_button = _button("Plan", "Read-only preflight (Ctrl+P)", on_plan)
        self.promote_button = _button("Promote…", "Plan, confirm, then promote (Ctrl+Enter)", on_promote)
        self.cancel_button = _button(
            "Cancel", "Stop; anything already written is rolled back (Esc)", on_cancel
        )
        self.cancel_button.setEnabled(False)
        self.ignore_rules = QCheckBox("Ignore rules")
        self.ignore_rules.setToolTip(
            "Promote without the target's rules (what it always keeps or rewrites); the plan and the "
            "confirmation say so"
        )
        for widget in (
            self.picker,
            self.plan_button,
            self.promote_button,
            self.cancel_button,
            self.ignore_rules,
        ):
            row.addWidget(widget)
        row.addStretch(1)

    def set_busy(self, busy: bool) -> None:
        self.plan_button.setEnabled(not busy)
        self.promote_button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)

    def offer(self, nothing: bool, busy: bool) -> None:
        """Promote… only when there is something to promote (a plan with no change asks for
        nothing, not even a protected target's name)."""
        self.promote_button.setEnabled(not nothing and not busy)
        self.promote_button.setToolTip(
            "Nothing to promote: the target already holds this." if nothing else ""
        )

    def rules_as_set(self) -> None:
        """ "Ignore rules" is said per pair: unticked (quietly) when another pair is picked."""
        if self.ignore_rules.isChecked():
            self.ignore_rules.blockSignals(True)
            self.ignore_rules.setChecked(False)
            self.ignore_rules.blockSignals(False)


def _button(text: str, tip: str, slot: Callable[[], None]) -> QPushButton:
    button = QPushButton(text)
    button.setToolTip(tip)
    button.clicked.connect(slot)
    return button
