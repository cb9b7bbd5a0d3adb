"""One explicit consent per gate the engine reported: a typed name for a protected target, a tick for
each other gate that consent can lift; gates that nothing lifts (an invalid model, a stale plan)
are said in red and keep the write from starting. The window only presents the gates: the engine
applies them again under the target's lock."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from app.engine.gates import Consent, Gate, Refusal
from app.gui import colours

TICKS = {
    Gate.DATA_LOSS: "I accept losing data",
    Gate.STAGE_SKIPPED: "Skip a stage",
    Gate.DRIFT: "Overwrite the changes made outside the promoter",
    Gate.LATER_WRITES: "Discard the later runs' writes too",
    Gate.MODEL_MISMATCH: "Write the configuration anyway (the target stays inconsistent)",
}
BLOCKING = (Gate.INVALID, Gate.STALE_PLAN)


def reason(refusal: Refusal) -> str:
    """A gate's reason without the command line's flag hint (the window asks with its own box)."""
    from app.gui.confirm import plain

    return plain(refusal.message)


class ConsentPanel(QWidget):
    changed = Signal()

    def __init__(self, target: str, refusals: list[Refusal], verb: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.target = target
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        gates = {r.gate: r for r in refusals}
        self.blocked = [r for r in refusals if r.gate in BLOCKING]
        for refusal in self.blocked:
            label = QLabel(
                f"<span style='color:{colours.text('red')}'>Cannot {verb.lower()}: {reason(refusal)}.</span>"
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
                why = QLabel(reason(gates[gate]) + ".")
                why.setWordWrap(True)
                why.setIndent(24)
                layout.addWidget(box)
                layout.addWidget(why)
                self.ticks[gate] = box

    def ready(self) -> bool:
        if self.blocked:
            return False
        if self.name_edit is not None and self.name_edit.text() != self.target:
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
            accept_drift=self.ticked(Gate.DRIFT) or self.ticked(Gate.LATER_WRITES),
            config_only=self.ticked(Gate.MODEL_MISMATCH),
        )
