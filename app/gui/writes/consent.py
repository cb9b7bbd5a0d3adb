"""One explicit consent per gate the engine reported, for every write's confirmation: a typed name
for a protected target, a tick for each other gate that consent can lift (and, for widening access,
the reason in words, recorded in history); gates that nothing lifts (an invalid model, a stale plan)
are said in red and keep the write from starting. The window only presents the gates: the engine
applies them again under the target's lock."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from app.engine.gates import FINAL, Consent, Gate, Refusal
from app.engine.security import REASON_LIMIT
from app.gui.widgets import colours

TICKS = {
    Gate.DATA_LOSS: "I accept losing data",
    Gate.STAGE_SKIPPED: "Skip a stage",
    Gate.DRIFT: "Overwrite the changes made outside the promoter",
    Gate.LATER_WRITES: "Discard the later runs' writes too",
    Gate.MODEL_MISMATCH: "Write the configuration anyway (the target stays inconsistent)",
    Gate.UNVERIFIED_SOURCE: "Send a source state that was never verified",
    Gate.OTHER_APP: "Promote another app's release",
    Gate.SECURITY: "I accept widening access",
}


class ConsentPanel(QWidget):
    """The consents one write needs; ``changed`` whenever one is given or taken back."""

    changed = Signal()

    def __init__(
        self, target: str, refusals: list[Refusal], verb: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.target = target
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        gates = {r.gate: r for r in refusals}
        self.blocked = [r for r in refusals if r.gate in FINAL]
        for refusal in self.blocked:
            label = QLabel(
                f"<span style='color:{colours.text('red')}'>Cannot {verb.lower()}: {refusal.message}.</span>"
            )
            label.setWordWrap(True)
            layout.addWidget(label)
        self.name_edit: QLineEdit | None = None
        if Gate.PROTECTED in gates:
            layout.addWidget(QLabel(f"{target} is protected. Type its name to confirm:"))
            self.name_edit = QLineEdit()
            self.name_edit.setPlaceholderText(target)
            self.name_edit.textChanged.connect(self.changed)
            layout.addWidget(self.name_edit)
        self.ticks: dict[Gate, QCheckBox] = {}
        for gate, text in TICKS.items():
            if gate in gates:
                box = QCheckBox(text)
                box.setStyleSheet(f"color: {colours.text('red')}; font-weight: bold")
                box.toggled.connect(self.changed)
                why = QLabel(gates[gate].message + ".")
                why.setWordWrap(True)
                why.setIndent(24)
                layout.addWidget(box)
                layout.addWidget(why)
                self.ticks[gate] = box
        self.reason_edit: QLineEdit | None = None
        if Gate.SECURITY in gates:  # widening access: the tick, and why in words
            self.reason_edit = QLineEdit()
            self.reason_edit.setPlaceholderText(
                "Why (recorded in history), for example: orders are public from 2.0"
            )
            self.reason_edit.setMaxLength(REASON_LIMIT)
            self.reason_edit.textChanged.connect(self.changed)
            layout.addWidget(self.reason_edit)

    @property
    def security_reason(self) -> str | None:
        """The reason given, when the tick is set and the words are more than spaces."""
        if self.reason_edit is None or not self.ticked(Gate.SECURITY):
            return None
        return self.reason_edit.text().strip() or None

    def ready(self) -> bool:
        if self.blocked:
            return False
        if self.name_edit is not None and self.name_edit.text() != self.target:
            return False
        if self.reason_edit is not None and self.security_reason is None:
            return False
        return all(box.isChecked() for box in self.ticks.values())

    def ticked(self, gate: Gate) -> bool:
        box = self.ticks.get(gate)
        return box is not None and box.isChecked()

    @property
    def consent(self) -> Consent:
        return Consent(
            confirm=None if self.name_edit is None else self.name_edit.text(),
            allow_data_loss=self.ticked(Gate.DATA_LOSS),
            allow_skip_stage=self.ticked(Gate.STAGE_SKIPPED),
            accept_drift=self.ticked(Gate.DRIFT),
            accept_later_writes=self.ticked(Gate.LATER_WRITES),
            config_only=self.ticked(Gate.MODEL_MISMATCH),
            security_reason=self.security_reason,
            accept_unverified_source=self.ticked(Gate.UNVERIFIED_SOURCE),
            allow_other_app=self.ticked(Gate.OTHER_APP),
        )
