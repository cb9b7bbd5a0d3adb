"""The Archive tab: every configuration zip the promoter downloaded, sortable and filterable;
Restore to…, Verify, Import, Save as, Show in folder, Pin, Note, Delete, Compare."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.archive import Entry, VerifyResult
from app.engine.context import Context
from app.engine.ops.restore import restore, restore_source
from app.engine.reads import one_target
from app.engine.reads.planview import ConfigChange, config_changes
from app.engine.result import Result
from app.gui.archive import bundle_actions, entry_actions, zip_import
from app.gui.archive.compare import CompareDialog
from app.gui.archive.table import ArchiveTable
from app.gui.runtime import messages, notify
from app.gui.runtime.jobs import JobRunner
from app.gui.runtime.pyside_refs import emit
from app.gui.writes.write_door import WriteDoor

DROP_HINT = "Or drop a .zip anywhere on the window: it is checked, then imported into the archive."

R = TypeVar("R")


class ArchiveTab(QWidget):
    """Signals: changed(): an operation wrote to a server (the window refreshes)."""

    changed = Signal()

    def __init__(self, ctx: Context, jobs: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.jobs = ctx, jobs
        self.door = WriteDoor(self, ctx, jobs, self._on_written, self._error)
        layout = QVBoxLayout(self)
        self.listing = ArchiveTable(ctx.archive.root)
        listing = self.listing
        self.filter, self.show_plans, self.count = listing.filter, listing.show_plans, listing.count
        self.model, self.table, self.empty_hint = listing.model, listing.table, listing.empty_hint
        self.selected, self.select_ids = listing.selected, listing.select_ids
        layout.addWidget(listing, 1)
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
                ("Export bundle…", self.on_export_bundle),
                ("Import bundle…", self.on_import_bundle),
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
        self.listing.refresh(self.ctx.archive.entries(), self.ctx.archive.last_drills())

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

    def _job(self, label: str, work: Callable[[], R], done: Callable[[R], None]) -> None:
        """Archive work (hashing, zip checks, diffs) runs on a worker thread, never on the GUI's."""
        self.status.setText(label + "…")
        self.jobs.run(f"archive:{label}", label, lambda _listen, _cancel: work(), done, self._error)

    def on_verify(self) -> None:
        ids = [e.id for e in self.selected()] or None
        ctx = self.ctx

        def done(results: list[VerifyResult]) -> None:
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
        if entry is not None:
            entry_actions.save_as(self, self.ctx.archive, entry, self.status.setText)

    def on_show(self) -> None:
        entry = self._one()
        if entry is not None:
            entry_actions.show_in_folder(self.ctx.archive, entry)

    def on_pin(self) -> None:
        entry_actions.toggle_pins(self.ctx.archive, self.selected())
        self.refresh()

    def on_note(self) -> None:
        entry = self._one()
        if entry is not None and entry_actions.edit_note(self, self.ctx.archive, entry):
            self.refresh()

    def on_delete(self) -> None:
        if entry_actions.delete(self, self.ctx.archive, self.selected(), self._hint):
            self.refresh()

    def on_compare(self) -> None:
        chosen = self.selected()
        if len(chosen) != 2:
            self._hint("Select exactly two entries to compare.")
            return
        old, new = sorted(chosen, key=lambda e: e.created_at)
        ctx = self.ctx

        def done(details: tuple[ConfigChange, ...]) -> None:
            self.status.setText(f"Compared #{old.id} with #{new.id}.")
            self.compare_dialog = CompareDialog(old, new, details, self)
            self.compare_dialog.open()

        self._job(
            f"compare #{old.id} and #{new.id}",
            lambda: config_changes(one_target.compare(ctx, old, new)),
            done,
        )

    def on_export_bundle(self) -> None:
        bundle_actions.on_export(
            self, self.ctx, self.jobs, self.selected(), self.status.setText, self._hint, self._error
        )

    def on_import_bundle(self) -> None:
        bundle_actions.on_import(self, self.ctx, self.jobs, self.status.setText, self._error, self.refresh)

    def _on_written(self, result: Result) -> None:
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

