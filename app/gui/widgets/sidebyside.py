"""A changed row's old and new text (an action's code) side by side: changed lines highlighted,
with next/previous change."""

from __future__ import annotations

import difflib

from PySide6.QtGui import QColor, QFont, QTextCursor, QTextFormat
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.engine.reads.planview import Change, ConfigChange
from app.gui.widgets import colours

RED, GREEN = QColor(colours.LIGHT["red"]), QColor(colours.LIGHT["green"])  # line highlights (translucent)


class SideBySide(QDialog):
    """Old and new text of a row (an action's code), side by side: changed lines highlighted
    (difflib), with next/previous change. An added or removed row has one side empty."""

    def __init__(self, change: ConfigChange, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{change.category}: {change.key} ({change.change})")
        self.resize(1000, 600)
        layout = QVBoxLayout(self)
        splitter = QSplitter()
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        columns = change.columns
        texts = [
            "\n\n".join(f"— {col} —\n{vals[index] or ''}" for col, vals in columns.items())
            for index in (0, 1)
        ]
        if change.change is not Change.CHANGED:  # one side has no such row at all
            texts[0 if change.change is Change.ADDED else 1] = ""
        self.old_text, self.new_text = QPlainTextEdit(), QPlainTextEdit()
        for edit, text, label in ((self.old_text, texts[0], "before"), (self.new_text, texts[1], "after")):
            box = QWidget()
            inner = QVBoxLayout(box)
            inner.addWidget(QLabel(label))
            edit.setReadOnly(True)
            edit.setFont(mono)
            edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
            edit.setPlainText(text)
            inner.addWidget(edit)
            splitter.addWidget(box)
        layout.addWidget(splitter)
        self.blocks = _changed_blocks(texts[0].splitlines(), texts[1].splitlines())
        _highlight(
            self.old_text,
            [(a1, a2) for a1, a2, _b1, _b2 in self.blocks],
            QColor(RED.red(), RED.green(), RED.blue(), 50),
        )
        _highlight(
            self.new_text,
            [(b1, b2) for _a1, _a2, b1, b2 in self.blocks],
            QColor(GREEN.red(), GREEN.green(), GREEN.blue(), 50),
        )
        self.current: int = -1
        row = QHBoxLayout()
        self.position = QLabel()
        self.prev_button, self.next_button = QPushButton("◀ Previous change"), QPushButton("Next change ▶")
        self.prev_button.clicked.connect(lambda: self.go(self.current - 1))
        self.next_button.clicked.connect(lambda: self.go(self.current + 1))
        for widget in (self.prev_button, self.next_button, self.position):
            row.addWidget(widget)
        row.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        row.addWidget(buttons)
        layout.addLayout(row)
        self.go(0)

    def go(self, index: int) -> None:
        """Show changed block *index* in both panes."""
        if not self.blocks:
            self.position.setText("no line differs")
            self.prev_button.setEnabled(False)
            self.next_button.setEnabled(False)
            return
        self.current = max(0, min(index, len(self.blocks) - 1))
        a1, _a2, b1, _b2 = self.blocks[self.current]
        for edit, line in ((self.old_text, a1), (self.new_text, b1)):
            block = edit.document().findBlockByNumber(line)
            cursor = QTextCursor(block)
            edit.setTextCursor(cursor)
            edit.centerCursor()
        self.position.setText(f"change {self.current + 1} of {len(self.blocks)}")
        self.prev_button.setEnabled(self.current > 0)
        self.next_button.setEnabled(self.current < len(self.blocks) - 1)


def _changed_blocks(old: list[str], new: list[str]) -> list[tuple[int, int, int, int]]:
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    return [(a1, a2, b1, b2) for tag, a1, a2, b1, b2 in matcher.get_opcodes() if tag != "equal"]


def _highlight(edit: QPlainTextEdit, spans: list[tuple[int, int]], colour: QColor) -> None:
    selections = []
    document = edit.document()
    for first, last in spans:
        for number in range(first, last):
            selection = QTextEdit.ExtraSelection()
            selection.format.setBackground(colour)
            selection.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
            selection.cursor = QTextCursor(document.findBlockByNumber(number))
            selections.append(selection)
    edit.setExtraSelections(selections)
