"""A table model over the archive index (fast with 10,000 entries: rows are read once per refresh)."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from app.archive import Entry

COLUMNS = ["Date", "Environment", "App", "Kind", "Version", "Size", "Hash", "Verified", "Note", "Pinned", "#"]
Index = QModelIndex | QPersistentModelIndex


class ArchiveModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.entries: list[Entry] = []

    def set_entries(self, entries: list[Entry]) -> None:
        self.beginResetModel()
        self.entries = entries
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        entry = self.entries[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.UserRole:  # sort key
            return [
                entry.created_at,
                entry.profile,
                entry.app,
                entry.kind,
                entry.version or "",
                entry.size,
                entry.sha256,
                entry.verified,
                entry.note,
                entry.pinned,
                entry.id,
            ][column]
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == 0:
            return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(entry.created_at))
        if column == 5:
            return f"{entry.size:,}"
        if column == 6:
            return entry.sha256[:12]
        if column == 9:
            return "pinned" if entry.pinned else ""
        return str(
            [
                None,
                entry.profile,
                entry.app,
                entry.kind,
                entry.version or "",
                None,
                None,
                entry.verified,
                entry.note,
                None,
                entry.id,
            ][column]
        )

    def entry(self, row: int) -> Entry:
        return self.entries[row]
