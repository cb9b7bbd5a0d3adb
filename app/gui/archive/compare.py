"""The Archive screen's comparison of two entries: their differences as a tree, each change
side by side on a double-click."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtWidgets import QDialog, QLabel, QTreeWidget, QVBoxLayout, QWidget

from app.archive import Entry
from app.engine.reads.planview import ConfigChange
from app.gui.widgets import diffview
from app.gui.widgets.sidebyside import SideBySide


class CompareDialog(QDialog):
    def __init__(
        self, old: Entry, new: Entry, details: Sequence[ConfigChange], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Compare #{old.id} → #{new.id}")
        self.resize(900, 600)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                f"#{old.id} {old.profile} {old.version} ({old.kind}) → "
                f"#{new.id} {new.profile} {new.version} ({new.kind}); "
                "double-click a change to see it side by side"
            )
        )
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Change"])
        diffview.fill_config_tree(self.tree, details, "Differences")
        self.tree.itemDoubleClicked.connect(self._open)
        layout.addWidget(self.tree)
        self.details = details

    def _open(self, item: Any) -> None:
        change = item.data(0, diffview.CHANGE_ROLE)
        if isinstance(change, ConfigChange) and change.columns:
            SideBySide(change, self).open()
