"""The Archive screen's list: a filter, "Plan reads", the count of what is listed, and the table
of entries (``model.py``); an empty archive shows how zips get there instead of an empty table."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.archive import Entry
from app.archive.store import Drill
from app.gui.archive.model import ArchiveModel
from app.plural import count

DROP_HINT_EMPTY = (
    "The archive is empty. Every configuration zip the promoter downloads (plans, backups, exports) "
    "is kept here.\n\nDrop a .zip anywhere on the window to import it, or use “Import a zip…”."
)


class ArchiveTable(QWidget):
    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter: environment, app, kind, version, note…")
        self.filter.setClearButtonEnabled(True)
        top.addWidget(self.filter, 1)
        self.show_plans = QCheckBox("Plan reads")
        self.show_plans.setToolTip(
            "List the configurations each plan read (kind plan), kept apart from backups and pruned "
            "on their own rule"
        )
        top.addWidget(self.show_plans)
        self.count = QLabel("")
        top.addWidget(self.count)
        layout.addLayout(top)
        self.model = ArchiveModel()
        self.filter.textChanged.connect(self._on_filter)
        self.show_plans.toggled.connect(self._on_show_plans)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(0, 50)
        self.table.setColumnWidth(1, 150)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        layout.addWidget(self.table, 1)
        self.empty_hint = QLabel(DROP_HINT_EMPTY)  # in place of the empty table: how zips get here
        self.empty_hint.setWordWrap(True)
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_hint.setVisible(False)
        layout.addWidget(self.empty_hint, 1)

    def refresh(self, entries: list[Entry], drills: dict[int, Drill]) -> None:
        chosen = [e.id for e in self.selected()]  # actions keep the selection (Pin, then Note)
        self.model.set_entries(entries, drills)
        if chosen:
            self.select_ids(chosen)
        self._count()

    def _on_filter(self, text: str) -> None:
        self.model.set_filter(text)
        self._count()

    def _on_show_plans(self, show: bool) -> None:
        self.model.set_show_plans(show)
        self._count()

    def _count(self) -> None:
        """What is listed, of how many: the numbers agree with the rows shown."""
        shown, total = self.model.rowCount(), self.model.total
        listed = count(total, "entry") if shown == total else f"{shown} of {count(total, 'entry')}"
        text = f"{listed} in {self.root}"
        apart = []
        if self.model.plans_hidden:
            apart.append(count(self.model.plans_hidden, "plan read"))
        if self.model.hidden:
            apart.append(f"{self.model.hidden} identical {'copy' if self.model.hidden == 1 else 'copies'}")
        if apart:
            text += f" ({' and '.join(apart)} not listed)"
        self.count.setText(text)
        empty = total == 0
        self.empty_hint.setVisible(empty)
        self.table.setVisible(not empty)

    def selected(self) -> list[Entry]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.entry(r) for r in rows]

    def select_ids(self, ids: list[int]) -> None:
        """Select the rows of these entries (used by History and by tests)."""
        self.table.clearSelection()
        mode = self.table.selectionMode()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        for row in range(self.model.rowCount()):
            if self.model.entry(row).id in ids:
                self.table.selectRow(row)
        self.table.setSelectionMode(mode)
