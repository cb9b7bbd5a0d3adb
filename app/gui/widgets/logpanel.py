"""The live log of an operation: timestamped lines, with Copy and Save. It follows new lines while
the user has not scrolled up; a new run scrolls to the end and follows again."""

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
        self.following = True  # at the end, showing each new line (scrolling up stops it)
        self._moving = False  # the panel itself moves the scroll bar
        bar = self.log.verticalScrollBar()
        bar.valueChanged.connect(self._on_scrolled)
        bar.rangeChanged.connect(lambda _low, _high: self._follow())  # the layout grows lazily
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
        self._follow()

    def start_run(self, text: str) -> None:
        """A new run's first line: the view goes to the end and follows again."""
        self.following = True
        self.append(text)

    def _follow(self) -> None:
        if self.following:
            bar = self.log.verticalScrollBar()
            self._moving = True
            try:
                bar.setValue(bar.maximum())
            finally:
                self._moving = False

    def _on_scrolled(self, value: int) -> None:
        if not self._moving:  # the user: follow again only once back at the end
            self.following = value >= self.log.verticalScrollBar().maximum()

    def copy(self) -> None:
        from PySide6.QtGui import QGuiApplication

        QGuiApplication.clipboard().setText(self.log.toPlainText())

    def save(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save log", "promotion-log.txt", "Text (*.txt)")
        if path:
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(self.log.toPlainText())
