"""The confirmation before a promotion: a summary of the plan, and one explicit consent per gate the
engine reported (a typed name for a protected target, a tick for data loss, for skipping a stage and
for overwriting drift, a tick and a reason in words for widening access). OK stays disabled until
each is given; an invalid model cannot be promoted. The window only presents the gates: the engine
applies them again under the lock."""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.engine.gates import Consent, Gate
from app.engine.security import REASON_LIMIT
from app.gui import colours
from app.gui.diffview import VERDICTS
from app.gui.plan_shaping import effect_lines
from app.profiles import Profile
from app.words import count

TICKS = {
    Gate.DATA_LOSS: "I accept losing data",
    Gate.STAGE_SKIPPED: "Skip a stage",
    Gate.DRIFT: "Overwrite the changes made outside the promoter",
}
FLAG_HINT = re.compile(
    r"(;\s*(review (them|the Security section) and )?pass --[\w-]+( \"REASON\")?"
    r"|\s*\(pass --[\w-]+\)|;\s*confirm with --confirm \S+)"
)


def plain(message: str) -> str:
    """A gate's message without the command line's flag hint (the window asks with its own box)."""
    return FLAG_HINT.sub("", message).strip()


def loses_data(summary: dict[str, Any]) -> bool:
    return bool(
        summary.get("dropped_tables") or summary.get("dropped_columns") or summary.get("valid") == "data"
    )


class ConfirmPromotion(QDialog):
    def __init__(
        self, source: Profile, target: Profile, summary: dict[str, Any], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.target = target
        self.setWindowTitle(f"Promote {source.name} → {target.name}")
        self.setMinimumWidth(520)  # a one-line summary stays on one line
        layout = QVBoxLayout(self)
        lines = [
            f"<b>{source.name}</b> ({source.app}) → <b>{target.name}</b> ({target.app})",
            f"Validation: <b>{VERDICTS.get(str(summary.get('valid')), summary.get('valid'))}</b>",
            f"Model: {count(summary.get('model_changes', 0), 'change')}; "
            f"configuration: {count(summary.get('config_changes', 0), 'change')}",
            f"A backup of {target.name} (model and configuration) is taken first; a failure rolls "
            "back automatically.",
        ]
        shaping = summary.get("shaping") or {}
        effects = effect_lines(summary)  # counted as the plan view counts them
        if effects:
            lines.append(
                f"<span style='color:{colours.text('rule')}'>Rules and exclusions shape what is sent: "
                f"{count(len(effects), 'effect')} (listed in the plan).</span>"
            )
        if shaping.get("no_rules"):
            lines.append(
                f"<span style='color:{colours.text('red')}'><b>{target.name}'s "
                f"{count(shaping.get('rules_ignored', 0), 'rule')} "
                "NOT applied</b> (Ignore rules is ticked).</span>"
            )
        summary_label = QLabel("<br>".join(lines))
        summary_label.setWordWrap(True)
        layout.addWidget(summary_label)
        self.gates = {Gate(g["gate"]): g["message"] for g in summary.get("gates", [])}
        self.blocked = [m for g, m in self.gates.items() if g in (Gate.INVALID, Gate.STALE_PLAN)]
        for message in self.blocked:
            label = QLabel(
                f"<span style='color:{colours.text('red')}'>Cannot promote: {plain(message)}.</span>"
            )
            label.setWordWrap(True)
            layout.addWidget(label)
        self.name_edit: QLineEdit | None = None
        if Gate.PROTECTED in self.gates:
            layout.addWidget(QLabel(f"{target.name} is protected. Type its name to confirm:"))
            self.name_edit = QLineEdit()
            self.name_edit.setPlaceholderText(target.name)
            self.name_edit.textChanged.connect(self._update)
            layout.addWidget(self.name_edit)
        self.ticks: dict[Gate, QCheckBox] = {}
        for gate, text in TICKS.items():
            if gate in self.gates:
                box = QCheckBox(text)
                box.setStyleSheet(f"color: {colours.text('red')}; font-weight: bold")
                box.toggled.connect(self._update)
                why = QLabel(plain(self.gates[gate]) + ".")
                why.setWordWrap(True)
                why.setIndent(24)
                layout.addWidget(box)
                layout.addWidget(why)
                self.ticks[gate] = box
        self.security_box: QCheckBox | None = None
        self.reason_edit: QLineEdit | None = None
        if Gate.SECURITY in self.gates:
            self._ask_security(layout, self.gates[Gate.SECURITY])
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Promote")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._update()

    def _ask_security(self, layout: QVBoxLayout, message: str) -> None:
        """Widening access: a tick, and the reason in words (recorded in history with the run)."""
        self.security_box = QCheckBox("I accept widening access")
        self.security_box.setStyleSheet(f"color: {colours.text('red')}; font-weight: bold")
        self.security_box.toggled.connect(self._update)
        why = QLabel(plain(message) + ". See the plan's Security section.")
        why.setWordWrap(True)
        why.setIndent(24)
        self.reason_edit = QLineEdit()
        self.reason_edit.setPlaceholderText(
            "Why (recorded in history), for example: orders are public from 2.0"
        )
        self.reason_edit.setMaxLength(REASON_LIMIT)
        self.reason_edit.textChanged.connect(self._update)
        layout.addWidget(self.security_box)
        layout.addWidget(why)
        layout.addWidget(self.reason_edit)

    @property
    def security_reason(self) -> str | None:
        """The reason given, when the tick is set and the words are more than spaces."""
        if self.security_box is None or self.reason_edit is None or not self.security_box.isChecked():
            return None
        return self.reason_edit.text().strip() or None

    def _update(self) -> None:
        self.ok_button.setEnabled(self.ready())

    def ready(self) -> bool:
        if self.blocked:
            return False
        if self.name_edit is not None and self.name_edit.text() != self.target.name:
            return False
        if self.security_box is not None and self.security_reason is None:
            return False
        return all(box.isChecked() for box in self.ticks.values())

    def _ticked(self, gate: Gate) -> bool:
        box = self.ticks.get(gate)
        return box is not None and box.isChecked()

    @property
    def consent(self) -> Consent:
        return Consent(
            confirm=None if self.name_edit is None else self.name_edit.text(),
            allow_data_loss=self._ticked(Gate.DATA_LOSS),
            allow_skip_stage=self._ticked(Gate.STAGE_SKIPPED),
            accept_drift=self._ticked(Gate.DRIFT),
            security_reason=self.security_reason,
        )


def confirm_promotion(
    parent: QWidget, source: Profile, target: Profile, summary: dict[str, Any]
) -> Consent | None:
    """Ask; return what the user consented to, or None when cancelled. Tests replace this."""
    dialog = ConfirmPromotion(source, target, summary, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.consent
