"""The Releases dialog: every release (where it came from, when, verified or not, its note, pinned),
taken from an environment here, promoted to the next stage through the Promote tab's normal flow
(plan, confirmation with each gate's consent, promotion), or removed (it is pinned: asked first).

Taking a release reads a server: it runs as a job on the window's job runner."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.archive import releases
from app.archive.releases import Release
from app.engine.context import Context
from app.engine.events import CancelToken, Event
from app.engine.reads import releases as engine_releases
from app.errors import PromoterError
from app.gui.runtime import messages
from app.gui.runtime.jobs import JobRunner
from app.gui.runtime.pyside_refs import emit

COLUMNS = ("Release", "From", "Taken", "Verified", "Pinned", "Note")


class ReleasesDialog(QDialog):
    """``promote_requested(release, source, target)``: the Promote tab takes it from there."""

    promote_requested = Signal(str, str, str)
    changed = Signal()

    def __init__(self, ctx: Context, jobs: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.jobs = ctx, jobs
        self.setWindowTitle("Releases")
        self.setMinimumWidth(720)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "A release is an environment's model and configuration as they were when it was taken, "
            "pinned in the archive. Promoting it sends exactly that, whatever the environment holds since."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("releasesTable")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._update)
        layout.addWidget(self.table)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        row = QHBoxLayout()
        self.create_button = QPushButton("Take a release…")
        self.create_button.setToolTip("Take an environment's model and configuration as a named release")
        self.promote_button = QPushButton("Promote to the next stage…")
        self.remove_button = QPushButton("Remove…")
        self.create_button.clicked.connect(self.on_create)
        self.promote_button.clicked.connect(self.on_promote)
        self.remove_button.clicked.connect(self.on_remove)
        for button in (self.create_button, self.promote_button, self.remove_button):
            row.addWidget(button)
        row.addStretch(1)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        row.addWidget(close)
        layout.addLayout(row)
        self.refresh()

    # -- the list -------------------------------------------------------------------------------

    def refresh(self) -> None:
        self.shown = releases.releases(self.ctx.archive)
        self.table.setRowCount(len(self.shown))
        for index, release in enumerate(self.shown):
            pinned = self._pinned(release)
            cells = (
                release.name,
                f"{release.source} ({release.app})",
                time.strftime("%Y-%m-%d %H:%M", time.localtime(release.created_at)),
                "yes" if release.verified else "no",
                "pinned" if pinned else "NOT pinned",
                release.note,
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 3:
                    item.setToolTip(release.state)
                self.table.setItem(index, column, item)
        self.table.resizeColumnsToContents()
        self._update()

    def _pinned(self, release: Release) -> bool:
        try:
            return self.ctx.archive.get(release.entry_id).pinned
        except PromoterError:
            return False

    def selected(self) -> Release | None:
        rows = {index.row() for index in self.table.selectedIndexes()}
        return self.shown[rows.pop()] if len(rows) == 1 else None

    def select(self, name: str) -> None:
        for index, release in enumerate(self.shown):
            if release.name == name:
                self.table.selectRow(index)

    def _update(self) -> None:
        chosen = self.selected()
        self.promote_button.setEnabled(chosen is not None and self.next_stage(chosen) is not None)
        self.remove_button.setEnabled(chosen is not None)

    def next_stage(self, release: Release) -> str | None:
        """The environment after the release's (by stage), or None."""
        stage = next((p.stage for p in self.ctx.profiles.load() if p.name == release.source), release.stage)
        after = sorted((p for p in self.ctx.profiles.load() if p.stage == stage + 1), key=lambda p: p.name)
        return after[0].name if after else None

    # -- actions --------------------------------------------------------------------------------

    def on_create(self) -> None:
        names = [p.name for p in sorted(self.ctx.profiles.load(), key=lambda p: (p.stage, p.name))]
        if not names:
            messages.show_error(self, "Add an environment first: a release is taken from one.")
            return
        env = messages.ask_choice(self, "Take a release", "From which environment?", names)
        if not env:
            return
        profile = self.ctx.profiles.get(env)
        name = messages.ask_text(self, "Take a release", "Its name:", engine_releases.default_name(profile))
        if name is None:
            return
        note = messages.ask_text(self, "Take a release", "A note (what it is; may stay empty):")
        if note is None:
            return
        try:  # a bad name, a blank note or a name taken: said before anything is read
            name, note = engine_releases.check_new(self.ctx, name.strip(), note if note.strip() else None)
        except PromoterError as exc:
            messages.show_error(self, exc.message)
            return
        self.take(env, name, note or None)

    def take(self, env: str, name: str, note: str | None, then: Callable[[], None] | None = None) -> None:
        """Take release *name* of *env* on a job; the list shows it when done."""
        ctx = self.ctx
        profile = ctx.profiles.get(env)

        def job(listen: Callable[[Event], None], cancel: CancelToken) -> Release:
            return engine_releases.create(ctx, profile, name, note, listener=listen, cancel=cancel)

        def done(release: Release) -> None:
            self.status.setText(f"Release {release.name} taken from {release.source}: {release.state}.")
            self.refresh()
            self.select(release.name)
            emit(self.changed)
            if then is not None:
                then()

        def failed(message: str) -> None:
            self.status.setText(f"Release {name} was not taken: {message}")
            messages.show_error(self, message, self.jobs.last_details)

        self.status.setText(f"Taking release {name} from {env}…")
        self.jobs.run(f"release:{env}", f"take release {name} from {env}", job, done, failed)

    def on_promote(self) -> None:
        release = self.selected()
        if release is None:
            return
        target = self.next_stage(release)
        if target is None:
            messages.show_error(self, f"No environment comes after {release.source}'s stage.")
            return
        emit(self.promote_requested, release.name, release.source, target)

    def on_remove(self) -> None:
        release = self.selected()
        if release is None:
            return
        if not messages.ask_yes_no(
            self,
            "Remove release",
            f"Release {release.name} is pinned (archive entry #{release.entry_id}). Remove it and its "
            "entry from the archive?",
        ):
            return
        try:
            releases.remove(self.ctx.archive, release.name)
        except PromoterError as exc:
            messages.show_error(self, exc.message)
            return
        self.status.setText(f"Removed release {release.name}.")
        self.refresh()
        emit(self.changed)
