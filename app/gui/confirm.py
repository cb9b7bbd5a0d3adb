"""The confirmation before a promotion: a summary of the plan, the typed name of a protected target,
an explicit tick for data loss. OK stays disabled until each condition holds."""

from __future__ import annotations

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

from app.profiles import Profile


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
        layout = QVBoxLayout(self)
        lines = [
            f"<b>{source.name}</b> ({source.app}) → <b>{target.name}</b> ({target.app})",
            f"Validation: <b>{summary.get('valid')}</b>",
            f"Model: {summary.get('model_changes', 0)} changes; "
            f"configuration: {summary.get('config_changes', 0)} changes",
            f"A backup of {target.name} is taken first (archive #{summary.get('backup_id')} from the plan); "
            "a failure rolls back automatically.",
        ]
        if summary.get("drift"):
            lines.append(
                f"<span style='color:#ef6c00'>{target.name} was changed outside the promoter "
                f"({len(summary['drift'])} changes); they will be overwritten.</span>"
            )
        summary_label = QLabel("<br>".join(lines))
        summary_label.setWordWrap(True)
        layout.addWidget(summary_label)
        self.name_edit: QLineEdit | None = None
        if target.protected:
            layout.addWidget(QLabel(f"{target.name} is protected. Type its name to confirm:"))
            self.name_edit = QLineEdit()
            self.name_edit.setPlaceholderText(target.name)
            self.name_edit.textChanged.connect(self._update)
            layout.addWidget(self.name_edit)
        self.loss_box: QCheckBox | None = None
        if loses_data(summary):
            drops = [f"table {t}" for t in summary.get("dropped_tables", [])]
            drops += [f"column {c['table']}.{c['column']}" for c in summary.get("dropped_columns", [])]
            self.loss_box = QCheckBox("I accept losing data: " + (", ".join(drops) or "column type changes"))
            self.loss_box.setStyleSheet("color: #c62828")
            self.loss_box.toggled.connect(self._update)
            layout.addWidget(self.loss_box)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Promote")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._update()

    def _update(self) -> None:
        self.ok_button.setEnabled(self.ready())

    def ready(self) -> bool:
        if self.name_edit is not None and self.name_edit.text() != self.target.name:
            return False
        return not (self.loss_box is not None and not self.loss_box.isChecked())

    @property
    def allow_data_loss(self) -> bool:
        return self.loss_box is not None and self.loss_box.isChecked()

    @property
    def typed_name(self) -> str | None:
        return self.target.name if self.name_edit is None else self.name_edit.text()


def confirm_promotion(
    parent: QWidget, source: Profile, target: Profile, summary: dict[str, Any]
) -> tuple[str | None, bool] | None:
    """Ask; return (typed name, allow data loss), or None when cancelled. Tests replace this."""
    dialog = ConfirmPromotion(source, target, summary, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.typed_name, dialog.allow_data_loss
