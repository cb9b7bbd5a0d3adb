"""The confirmation before a promotion: a summary of the plan, and one explicit consent per gate the
engine reported (a typed name for a protected target, a tick for data loss, for skipping a stage and
for overwriting drift, a tick and a reason in words for widening access: ``consent.py``, shared by
every write's confirmation). OK stays disabled until each is given; an invalid model cannot be
promoted. The window only presents the gates: the engine
applies them again under the lock."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from app.engine.gates import Consent, Gate
from app.engine.reads.plan import Plan, PromoteOptions
from app.gui.widgets import colours
from app.gui.widgets.diffview import VERDICTS
from app.gui.writes.consent import ConsentPanel
from app.plural import count
from app.profile import Profile


class ConfirmPromotion(QDialog):
    def __init__(self, source: Profile, target: Profile, plan: Plan, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.target = target
        self.setWindowTitle(f"Promote {source.name} → {target.name}")
        self.setMinimumWidth(520)  # a one-line summary stays on one line
        layout = QVBoxLayout(self)
        config_changes = plan.config_diff.count() if plan.config_diff is not None else 0
        lines = [
            f"<b>{source.name}</b> ({source.app}) → <b>{target.name}</b> ({target.app})",
            f"Validation: <b>{VERDICTS.get(plan.validation.valid, plan.validation.valid)}</b>",
            f"Model: {count(plan.model_diff.count(), 'change')}; "
            f"configuration: {count(config_changes, 'change')}",
            f"A backup of {target.name} (model and configuration) is taken first; a failure rolls "
            "back automatically.",
        ]
        if plan.archived is not None and plan.archived.release:
            lines.insert(
                1,
                f"Release <b>{plan.archived.release}</b> (taken from {source.name}): its stored model and "
                f"configuration are sent, not what {source.name} holds now.",
            )
        effects = plan.shaped.effect_lines()
        if effects:
            lines.append(
                f"<span style='color:{colours.text('rule')}'>Rules and exclusions shape what is sent: "
                f"{count(len(effects), 'effect')} (listed in the plan).</span>"
            )
        if plan.shaped.spec.no_rules:
            lines.append(
                f"<span style='color:{colours.text('red')}'><b>{target.name}'s "
                f"{count(plan.shaped.spec.ignored, 'rule')} "
                "NOT applied</b> (Ignore rules is ticked).</span>"
            )
        summary_label = QLabel("<br>".join(lines))
        summary_label.setWordWrap(True)
        layout.addWidget(summary_label)
        refusals = plan.gates(Consent())
        self.gates = {r.gate: r.message for r in refusals}
        self.panel = ConsentPanel(target.name, refusals, "Promote")
        self.panel.changed.connect(self._update)
        layout.addWidget(self.panel)
        layout.addStretch(1)  # a taller dialog grows below the consents, not between the lines
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Promote")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._update()

    @property
    def name_edit(self) -> QLineEdit | None:
        return self.panel.name_edit

    @property
    def reason_edit(self) -> QLineEdit | None:
        return self.panel.reason_edit

    @property
    def ticks(self) -> dict[Gate, object]:
        return dict(self.panel.ticks)

    def _update(self) -> None:
        self.ok_button.setEnabled(self.ready())

    def ready(self) -> bool:
        return self.panel.ready()

    @property
    def consent(self) -> Consent:
        return self.panel.consent


def confirm_promotion(parent: QWidget, source: Profile, target: Profile, plan: Plan) -> Consent | None:
    """Ask; return what the user consented to, or None when cancelled. Tests replace this."""
    dialog = ConfirmPromotion(source, target, plan, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.consent


def promote_options(plan: Plan, answer: Consent) -> PromoteOptions:
    """The promotion of the plan the user confirmed, with what they consented to: refused as stale
    if either side changed since (its stamp); its exclusions and rules as planned."""
    return PromoteOptions(
        yes=answer.accept_drift,
        confirm=answer.confirm,
        allow_data_loss=answer.allow_data_loss,
        allow_skip_stage=answer.allow_skip_stage,
        expect_stamp=plan.stamp,
        exclude=plan.shaped.spec.excludes,
        no_rules=plan.shaped.spec.no_rules,
        accept_security=answer.security_reason,
        accept_unverified_source=answer.accept_unverified_source,
        allow_other_app=answer.allow_other_app,
    )
