"""Text colours that read well on the palette in use: the strong ones on a light base, lighter ones
on a dark base (a dark desktop theme). Banners keep the strong ones as backgrounds under white text,
which reads on both."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from app.engine.verdict import Tone

# a plan's verdict in a colour: green only when no gate applies
TONE_COLOURS = {Tone.SAFE: "green", Tone.CAUTION: "amber", Tone.REFUSED: "red", Tone.NOTHING: "blue"}

LIGHT = {
    "red": "#c62828",
    "green": "#2e7d32",
    "amber": "#ef6c00",
    "blue": "#1565c0",
    "rule": "#6a1b9a",
    "grey": "#757575",
}
DARK = {
    "red": "#ef9a9a",
    "green": "#a5d6a7",
    "amber": "#ffcc80",
    "blue": "#90caf9",
    "rule": "#ce93d8",
    "grey": "#bdbdbd",
}


def is_dark() -> bool:
    return QApplication.palette().color(QPalette.ColorRole.Base).lightness() < 128


def text(name: str) -> str:
    """The colour *name* (red, green, amber, blue, rule, grey) for text on the current palette."""
    return (DARK if is_dark() else LIGHT)[name]


def qcolor(name: str) -> QColor:
    return QColor(text(name))
