"""The live log of an operation: timestamped lines, with Copy and Save."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget


class LogPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(20000)
        row.addWidget(self.log, 1)
        side = QVBoxLayout()
        copy_button, save_button = QPushButton("Copy log"), QPushButton("Save log…")
        copy_button.clicked.connect(self.copy)
        save_button.clicked.connect(self.save)
        side.addWidget(copy_button)
        side.addWidget(save_button)
        side.addStretch(1)
        row.addLayout(side)

    def append(self, text: str) -> None:
        self.log.appendPlainText(time.strftime("%H:%M:%S ") + text)

    def copy(self) -> None:
        from PySide6.QtGui import QGuiApplication

        QGuiApplication.clipboard().setText(self.log.toPlainText())

    def save(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save log", "promotion-log.txt", "Text (*.txt)")
        if path:
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(self.log.toPlainText())
