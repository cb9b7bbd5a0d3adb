"""The Versions tab: the selected environment's server-side versions (when each was first seen),
what a Set of the selected one would change; Set (rollback) and Export."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.engine.context import Context
from app.engine.events import CancelToken, Listener
from app.engine.ops.setversion import set_version, version_source
from app.engine.reads import one_target
from app.engine.result import Result
from app.gui.runtime import messages, notify
from app.gui.runtime.jobs import JobRunner
from app.gui.runtime.pyside_refs import emit
from app.gui.writes.version_preview import VersionPreview
from app.gui.writes.write_door import WriteDoor
from app.profile import Profile


class VersionsTab(QWidget):
    """Signals: changed(): something was written or archived (the window refreshes)."""

    changed = Signal()

    def __init__(self, ctx: Context, jobs: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.jobs = ctx, jobs
        self.door = WriteDoor(self, ctx, jobs, self._on_written, self._on_error)
        self.profile: Profile | None = None
        self.versions: list[str] = []  # the saved versions listed (the live row is not one)
        self._keep: set[str] = set()  # the selection to restore after a refresh
        layout = QVBoxLayout(self)
        self.header = QLabel("Select an environment on the left.")
        self.header.setWordWrap(True)
        layout.addWidget(self.header)
        self.table = QTreeWidget()
        self.table.setHeaderLabels(["Version", "Current", "In local archive", "First seen"])
        header = self.table.headerItem()
        header.setToolTip(3, "When the promoter first saw this version (the server keeps no dates)")
        self.table.setRootIsDecorated(False)
        self.table.setColumnWidth(0, 140)
        self.table.setColumnWidth(1, 260)
        self.table.itemSelectionChanged.connect(self._on_selected)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        self.preview = VersionPreview(ctx, jobs)
        splitter.addWidget(self.preview)
        layout.addWidget(splitter, 1)
        row = QHBoxLayout()
        self.refresh_button = QPushButton("Refresh")
        self.set_button = QPushButton("Set (roll back)…")
        self.export_button = QPushButton("Export to archive")
        self.export_all_button = QPushButton("Export all")
        self.refresh_button.clicked.connect(self.refresh)
        self.set_button.clicked.connect(self.on_set)
        self.export_button.clicked.connect(self.on_export)
        self.export_all_button.clicked.connect(self.on_export_all)
        for button in (self.refresh_button, self.set_button, self.export_button, self.export_all_button):
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        self.status = QLabel("")
        self.status.setWordWrap(True)  # a long error wraps; it never widens the window
        layout.addWidget(self.status)

    def show_profile(self, profile: Profile | None) -> None:
        if profile == self.profile and self.table.topLevelItemCount():
            return  # the same environment again (the periodic check): keep the list and the selection
        self.profile = profile
        self.refresh()

    def refresh(self) -> None:
        self._keep = set(self.selected_versions()) if self.profile is not None else set()
        self.table.clear()
        if self.profile is None:
            return
        profile, ctx = self.profile, self.ctx
        if self.jobs.is_busy(f"versions:{profile.name}"):
            return  # a refresh is on its way
        self.header.setText(f"Versions of {profile.name} ({profile.app}) — loading…")
        self.jobs.run(
            f"versions:{profile.name}",
            f"versions of {profile.name}",
            lambda _l, _c: one_target.versions(ctx, profile),
            self._on_versions,
            self._on_error,
        )

    def _on_versions(self, info: dict[str, Any]) -> None:
        keep = self._keep | set(self.selected_versions())
        self.table.clear()
        self.versions = [row["version"] for row in info["versions"]]
        archived = sum(1 for v in info["versions"] if v["archived"])
        self.header.setText(
            f"Versions of {info['profile']}: current {info['current']}. The server keeps only the "
            f"{info['kept_by_server']} newest versions — {archived} of these {len(info['versions'])} are "
            "also in the local archive; export the others to keep them."
        )
        if info["current"] and not any(row["current"] for row in info["versions"]):
            live = QTreeWidgetItem(self.table, [info["current"], "✓ live (not a saved version)", ""])
            live.setDisabled(True)
        for row in info["versions"]:
            seen = row.get("first_seen")
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(seen)) if seen else ""
            QTreeWidgetItem(
                self.table,
                [row["version"], "✓ current" if row["current"] else "", "✓" if row["archived"] else "", when],
            )
        for index in range(self.table.topLevelItemCount()):
            item = self.table.topLevelItem(index)
            if item is not None and item.text(0) in keep and not item.isDisabled():
                item.setSelected(True)  # a refresh keeps what the user had selected

    def _on_selected(self) -> None:
        """One version selected: show what a Set of it would change (read in the background)."""
        chosen = self.selected_versions()
        self.preview.show_version(self.profile, chosen[0] if len(chosen) == 1 else None)

    def selected_versions(self) -> list[str]:
        return [item.text(0) for item in self.table.selectedItems()]

    def on_set(self) -> None:
        versions = self.selected_versions()
        if self.profile is None or len(versions) != 1:
            self._hint("Select one version to set.")
            return
        profile, version, ctx = self.profile, versions[0], self.ctx
        self.door.open(
            profile,
            "rollback",
            "Set",
            lambda: version_source(version),
            lambda consent, stamp, listen, cancel: set_version(
                ctx, profile, version, consent, listen, cancel, expect_stamp=stamp
            ),
        )

    def on_export(self, versions: list[str] | None = None) -> None:
        if self.profile is None:
            return
        chosen = versions or self.selected_versions()
        if not chosen:
            self._hint("Select the versions to export.")
            return
        profile, ctx = self.profile, self.ctx

        def job(listen: Listener, cancel: CancelToken) -> list[int]:
            return [one_target.export(ctx, profile, version, listen).id for version in chosen]

        self.jobs.run(
            f"export:{profile.name}", f"export from {profile.name}", job, self._on_exported, self._on_error
        )

    def on_export_all(self) -> None:
        items = [self.table.topLevelItem(i) for i in range(self.table.topLevelItemCount())]
        # the live row is not a saved version: "Export all" exports the saved ones
        names = [item.text(0) for item in items if item is not None and item.text(0)]
        self.on_export([n for n in names if n in self.versions])

    def _on_exported(self, ids: list[int]) -> None:
        self.status.setText("Archived as " + ", ".join(f"#{i}" for i in ids))
        emit(self.changed)
        self.refresh()

    def _on_written(self, result: Result) -> None:
        self.status.setText(f"{result.status}: {result.message}")
        notify.job_ended(self, result)
        if not result.ok:
            messages.show_error(self, result.message, messages.steps_text(result))
        emit(self.changed)
        self.refresh()

    def _on_error(self, message: str) -> None:
        """A job failed: its message, with that failure's details."""
        self.status.setText(message)
        messages.show_error(self, message, self.jobs.last_details)

    def _hint(self, message: str) -> None:
        """Not a failure but a hint (select something first): no details, never an older error's."""
        self.status.setText(message)
        messages.show_error(self, message)
