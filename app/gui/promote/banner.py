"""The Promote tab's banner: one or two lines of white text on the colour of what it says."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

NEUTRAL = "#455a64"  # a run under way, or nothing planned yet


class Banner(QLabel):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.setObjectName("verdictBanner")
        self.setWordWrap(True)
        self.setMargin(8)
        # room for two lines: a long verdict wraps instead of being cut at 1024 px
        self.setMinimumHeight(2 * self.fontMetrics().lineSpacing() + 18)

    def show_text(self, text: str, colour: str) -> None:
        self.setStyleSheet(f"background: {colour}; color: white; border-radius: 4px;")
        self.setText(text)
