"""Settings: timeouts, retries, archive location, retention."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app import settings as settings_store
from app.errors import PromoterError
from app.paths import Home


class SettingsDialog(QDialog):
    def __init__(self, home: Home, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.home = home
        self.setWindowTitle("Settings")
        self.current = settings_store.load(home.settings_file)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.connect_timeout = QDoubleSpinBox()
        self.connect_timeout.setRange(0.5, 600)
        self.connect_timeout.setValue(self.current.connect_timeout)
        self.read_timeout = QDoubleSpinBox()
        self.read_timeout.setRange(1, 3600)
        self.read_timeout.setValue(self.current.read_timeout)
        self.retries = QSpinBox()
        self.retries.setRange(0, 10)
        self.retries.setValue(self.current.retries)
        self.archive_dir = QLineEdit(self.current.archive_dir)
        self.archive_dir.setPlaceholderText(str(home.archive_dir))
        self.keep = QSpinBox()
        self.keep.setRange(1, 10000)
        self.keep.setValue(self.current.keep_per_kind)
        form.addRow("Connect timeout (s)", self.connect_timeout)
        form.addRow("Read timeout (s)", self.read_timeout)
        form.addRow("Retries of reads", self.retries)
        form.addRow("Archive folder", self.archive_dir)
        form.addRow("Keep per environment and kind", self.keep)
        layout.addLayout(form)
        self.error = QLabel("")
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.on_save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def on_save(self) -> None:
        new = replace(
            self.current,
            connect_timeout=self.connect_timeout.value(),
            read_timeout=self.read_timeout.value(),
            retries=self.retries.value(),
            archive_dir=self.archive_dir.text().strip(),
            keep_per_kind=self.keep.value(),
        )
        try:
            settings_store.save(self.home.settings_file, new)
        except PromoterError as exc:
            self.error.setText(exc.message)
            return
        self.accept()
