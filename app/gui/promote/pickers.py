"""The Promote tab's pair picker: "From [source] to [target]"; the target offered first is the
stage after the source's."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

from app.gui.runtime.pyside_refs import emit
from app.profile import Profile

WIDEST = "m" * 16  # about 25 characters of a name: two such pickers fit a 1280-pixel window
NARROWEST = "m" * 5  # "staging" or "prod" whole, however small the window is made


class PairPicker(QWidget):
    """Signals: changed(): the source or the target changed (once per change, not per step)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.profiles: list[Profile] = []
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.source, self.target = QComboBox(), QComboBox()
        for picker in (self.source, self.target):
            # as wide as the longest name where the window has room, also for a name added later
            # (the default sizes a picker on its first show, and cut a 40-character name added
            # later to its first letters, with no way to read the rest); past WIDEST a name is cut,
            # whole in the tooltip. The window's least width does not grow with the names.
            picker.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            picker.setMaximumWidth(picker.fontMetrics().horizontalAdvance(WIDEST) + 40)
            # and never narrower than a short name: a window made small squeezed them to an arrow
            picker.setMinimumWidth(picker.fontMetrics().horizontalAdvance(NARROWEST) + 40)
            picker.currentTextChanged.connect(picker.setToolTip)
        self.source.setObjectName("sourcePicker")
        self.target.setObjectName("targetPicker")
        self.source.currentIndexChanged.connect(self._on_source_changed)
        self.source.currentIndexChanged.connect(lambda _index: emit(self.changed))
        self.target.currentIndexChanged.connect(lambda _index: emit(self.changed))
        for widget in (QLabel("From"), self.source, QLabel("to"), self.target):
            row.addWidget(widget)

    def names(self) -> tuple[str, str]:
        return self.source.currentText(), self.target.currentText()

    def set_profiles(
        self, profiles: list[Profile], source: str | None = None, target: str | None = None
    ) -> None:
        self.profiles = profiles
        was_source, was_target = self.source.currentText(), self.target.currentText()
        keep = source or was_source
        self.source.blockSignals(True)
        self.source.clear()
        self.source.addItems([p.name for p in profiles])
        if keep:
            self.source.setCurrentText(keep)
        self.source.blockSignals(False)
        self._on_source_changed()
        if not target and self.source.currentText() == was_source:
            target = was_target  # the same source keeps the target picked (an environment added
        if target and self.target.findText(target) >= 0:  # or edited is no reason to change it)
            self.target.setCurrentText(target)
        emit(self.changed)

    def pair(self) -> tuple[Profile, Profile] | None:
        """The chosen profiles, or None when either is missing."""
        by_name = {p.name: p for p in self.profiles}
        source, target = by_name.get(self.source.currentText()), by_name.get(self.target.currentText())
        return None if source is None or target is None else (source, target)

    def _on_source_changed(self) -> None:
        self.target.blockSignals(True)  # one pair change at the end, not one per intermediate state
        self.target.clear()
        self.target.addItems([p.name for p in self.profiles if p.name != self.source.currentText()])
        source = next((p for p in self.profiles if p.name == self.source.currentText()), None)
        if source:
            after = next((p for p in self.profiles if p.stage == source.stage + 1), None)
            if after:
                self.target.setCurrentText(after.name)
        self.target.blockSignals(False)
