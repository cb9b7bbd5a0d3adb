"""The window's backup actions: "Back up all environments" as a job (read-only on every server).
(The schedule in the status bar and the Backups dialog are in :mod:`app.gui.backups.dialog`.)"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from app.engine.context import Context
from app.engine.events import CancelToken, Event
from app.engine.reads.backup_all import BackupReport, back_up_all
from app.gui.runtime import messages
from app.gui.runtime.jobs import JobRunner
from app.plural import count


def start_back_up_all(
    parent: QWidget, ctx: Context, jobs: JobRunner, show: Callable[[str], None], after: Callable[[], None]
) -> None:
    profiles = ctx.profiles.load()
    if not profiles:
        show("No environments to back up yet.")
        return

    def job(_listen: Callable[[Event], None], cancel: CancelToken) -> list[BackupReport]:
        return back_up_all(ctx, profiles, cancel=cancel)  # quitting stops it: cancelled, not died

    def done(reports: list[BackupReport]) -> None:
        failed = [r for r in reports if not r.ok]
        added = sum(len(r.added) for r in reports)
        summary = (
            f"Backed up {len(reports) - len(failed)} of {count(len(reports), 'environment')}; "
            f"{count(added, 'entry')} added."
        )
        show(summary)
        after()  # the archive, history and the environments' tooltips show the new backups now
        show_results(parent, summary, reports)

    def failed(message: str) -> None:
        messages.show_error(parent, message)

    show(f"Backing up {len(profiles)} environments…")
    jobs.run("backup:all", "back up all environments", job, done, failed)


def result_lines(reports: list[BackupReport]) -> list[str]:
    """One line per environment: the entries it added, or why it was not backed up."""
    marks = {"succeeded": "✓", "skipped": "–", "cancelled": "–"}
    return [f"{marks.get(r.status, '✗')} {r.message}" for r in reports]


def show_results(parent: QWidget, summary: str, reports: list[BackupReport]) -> QMessageBox:
    """The per-environment result, in a box that does not block the window (found by its name)."""
    for old in parent.findChildren(QMessageBox, "backupResults"):  # one at a time
        old.close()
        old.deleteLater()
    bad = any(not r.ok and r.status != "cancelled" for r in reports)  # a cancel is no warning
    icon = QMessageBox.Icon.Warning if bad else QMessageBox.Icon.Information
    box = QMessageBox(icon, "Back up all environments", summary, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("backupResults")
    box.setInformativeText("\n".join(result_lines(reports)))
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box

