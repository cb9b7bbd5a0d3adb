"""The Archive tab: every configuration zip the promoter downloaded, sortable and filterable;
Restore to…, Verify, Import, Save as, Show in folder, Pin, Note, Delete, Compare."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTableView,
    QTreeWidget,
    QVBoxLayout,
    QWidget,
)

from app.archive import Entry
from app.engine.context import Context
from app.engine.ops.restore import restore, restore_source
from app.engine.reads import one_target
from app.errors import PromoterError
from app.gui import bundle_actions, diffview, messages, notify, zip_import
from app.gui.archive_model import ArchiveModel
from app.gui.jobs import JobRunner
from app.gui.pyside_refs import emit
from app.gui.write_door import WriteDoor
from app.plural import count

DROP_HINT = "Or drop a .zip anywhere on the window: it is checked, then imported into the archive."
DROP_HINT_EMPTY = (
    "The archive is empty. Every configuration zip the promoter downloads (plans, backups, exports) "
    "is kept here.\n\nDrop a .zip anywhere on the window to import it, or use “Import a zip…”."
)


class ArchiveTab(QWidget):
    """Signals: changed(): an operation wrote to a server (the window refreshes)."""

    changed = Signal()

    def __init__(self, ctx: Context, jobs: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.jobs = ctx, jobs
        self.door = WriteDoor(self, ctx, jobs, self._on_written, self._error)
        layout = QVBoxLayout(self)
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
        self.table.setStatusTip(DROP_HINT)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._menu)
        self.setAcceptDrops(True)  # drop a .zip here to import it
        self.buttons: dict[str, QPushButton] = {}
        # two rows, so the window stays usable at 1024 px: what acts on the selection, then what
        # brings entries in or carries them out
        for actions in (
            (
                ("Restore to…", self.on_restore),
                ("Verify", self.on_verify),
                ("Pin / unpin", self.on_pin),
                ("Note…", self.on_note),
                ("Compare two", self.on_compare),
                ("Delete…", self.on_delete),
            ),
            (
                ("Import a zip…", self.on_import),
                ("Save as…", self.on_save_as),
                ("Show in folder", self.on_show),
                ("Export bundle…", lambda: bundle_actions.on_export(self)),
                ("Import bundle…", lambda: bundle_actions.on_import(self)),
            ),
        ):
            row = QHBoxLayout()
            for name, slot in actions:
                button = QPushButton(name)
                button.clicked.connect(slot)
                self.buttons[name] = button
                row.addWidget(button)
            row.addStretch(1)
            layout.addLayout(row)
        self.buttons["Import a zip…"].setToolTip("Check a configuration zip and add it. " + DROP_HINT)
        self.buttons["Import a zip…"].setStatusTip(DROP_HINT)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)

    def refresh(self) -> None:
        chosen = [e.id for e in self.selected()]  # actions keep the selection (Pin, then Note)
        self.model.set_entries(self.ctx.archive.entries(), self.ctx.archive.last_drills())
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
        text = f"{listed} in {self.ctx.archive.root}"
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

    def _one(self) -> Entry | None:
        chosen = self.selected()
        if len(chosen) != 1:
            self._hint("Select one archive entry.")
            return None
        return chosen[0]

    # -- actions --------------------------------------------------------------------------------

    def on_restore(self) -> None:
        entry = self._one()
        if entry is None:
            return
        names = [p.name for p in self.ctx.profiles.load()]
        name = messages.ask_choice(
            self,
            "Restore",
            f"Load archive entry #{entry.id} ({entry.app} {entry.version}) into:",
            sorted(names, key=lambda n: n != entry.profile),
        )
        if not name:
            return
        profile, ctx = self.ctx.profiles.get(name), self.ctx
        self.door.open(
            profile,
            "restore",
            "Restore",
            lambda: restore_source(ctx, profile, str(entry.id)),
            lambda consent, stamp, listen, cancel: restore(
                ctx, profile, str(entry.id), consent, listen, cancel, expect_stamp=stamp
            ),
        )

    def _job(self, label: str, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        """Archive work (hashing, zip checks, diffs) runs on a worker thread, never on the GUI's."""
        self.status.setText(label + "…")
        self.jobs.run(f"archive:{label}", label, lambda _listen, _cancel: work(), done, self._error)

    def on_verify(self) -> None:
        ids = [e.id for e in self.selected()] or None
        ctx = self.ctx

        def done(results: list[Any]) -> None:
            bad = [r for r in results if not r.ok]
            self.status.setText(
                f"Verified {len(results)}: {len(results) - len(bad)} good, {len(bad)} with problems."
                + "".join(f"\n#{r.id}: {r.problem}" for r in bad)
            )
            self.refresh()

        self._job("verify the archive", lambda: ctx.archive.verify(ids), done)

    def on_import(self) -> None:
        path = messages.ask_open_file(self, "Import a configuration zip", "Zip files (*.zip)")
        if path:
            self.import_path(Path(path))

    def import_path(self, path: Path) -> None:
        """Check *path*, ask which environment it is from (the likely one proposed), import it."""
        name = zip_import.choose_environment(self, self.ctx, path)
        if not name:
            return
        profile, ctx = self.ctx.profiles.get(name), self.ctx

        def done(entry: Entry) -> None:
            self.status.setText(f"Imported {path.name} as #{entry.id} ({name}).")
            self.refresh()
            self.select_ids([entry.id])

        self._job(
            f"import {path.name}",
            lambda: ctx.archive.import_zip(path, profile=name, base_url=profile.base_url, app=profile.app),
            done,
        )

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if zip_import.zip_paths(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        for path in zip_import.zip_paths(event.mimeData()):
            self.import_path(path)
        event.acceptProposedAction()

    def _menu(self, pos: Any) -> None:
        """Right-click on a row: the same actions as the buttons."""
        if not self.table.indexAt(pos).isValid():
            return
        menu = QMenu(self)
        for name in (
            "Restore to…",
            "Verify",
            "Pin / unpin",
            "Note…",
            "Save as…",
            "Show in folder",
            "Delete…",
        ):
            menu.addAction(name, self.buttons[name].click)
        menu.exec(self.table.viewport().mapToGlobal(pos))

    def on_save_as(self) -> None:
        entry = self._one()
        if entry is None:
            return
        dest = messages.ask_save_file(self, "Save configuration zip", f"{entry.app}_{entry.version}.zip")
        if dest:
            shutil.copyfile(self.ctx.archive.path_of(entry), dest)
            self.status.setText(f"Saved #{entry.id} to {dest}.")

    def on_show(self) -> None:
        entry = self._one()
        if entry is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.ctx.archive.path_of(entry).parent)))

    def on_pin(self) -> None:
        for entry in self.selected():
            self.ctx.archive.set_pinned(entry.id, not entry.pinned)
        self.refresh()

    def on_note(self) -> None:
        entry = self._one()
        if entry is None:
            return
        note = messages.ask_text(self, "Note", f"Note for #{entry.id}:", entry.note)
        if note is not None:
            self.ctx.archive.set_note(entry.id, note)
            self.refresh()

    def on_delete(self) -> None:
        chosen = self.selected()
        if not chosen or not messages.ask_yes_no(
            self,
            "Delete",
            f"Delete {count(len(chosen), 'archive entry')} and their files? This cannot be undone.",
        ):
            return
        problems = []
        for entry in chosen:
            try:
                self.ctx.archive.delete(entry.id)
            except PromoterError as exc:
                problems.append(exc.message)
        if problems:
            self._hint("Some entries were kept: " + " ".join(problems))
        self.refresh()

    def on_compare(self) -> None:
        chosen = self.selected()
        if len(chosen) != 2:
            self._hint("Select exactly two entries to compare.")
            return
        old, new = sorted(chosen, key=lambda e: e.created_at)
        ctx = self.ctx

        def done(details: list[dict[str, Any]]) -> None:
            self.status.setText(f"Compared #{old.id} with #{new.id}.")
            self.compare_dialog = CompareDialog(old, new, details, self)
            self.compare_dialog.open()

        self._job(
            f"compare #{old.id} and #{new.id}",
            lambda: one_target.compare(ctx, old, new).as_json(),
            done,
        )

    def _on_written(self, result: Any) -> None:
        self.status.setText(f"{result.status}: {result.message}")
        notify.job_ended(self, result)
        if not result.ok:
            messages.show_error(self, result.message, messages.steps_text(result))
        self.refresh()
        emit(self.changed)

    def _error(self, message: str) -> None:
        """A job failed: its message, with that failure's details."""
        self.status.setText(message)
        messages.show_error(self, message, self.jobs.last_details)

    def _hint(self, message: str) -> None:
        """Not a failure but a hint (select something first): no details, never an older error's."""
        self.status.setText(message)
        messages.show_error(self, message)


class CompareDialog(QDialog):
    def __init__(
        self, old: Entry, new: Entry, details: list[dict[str, Any]], parent: QWidget | None = None
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
        change = item.data(0, 256)
        if isinstance(change, dict) and change.get("columns"):
            diffview.SideBySide(change, self).open()
