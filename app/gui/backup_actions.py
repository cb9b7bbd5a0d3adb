"""The window's backup actions: "Back up all environments" as a job (read-only on every server).
(The schedule in the status bar and the Backups dialog are in :mod:`app.gui.backups_dialog`.)"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from app.engine.backups import BackupReport, back_up_all
from app.engine.context import Context
from app.engine.events import CancelToken, Event
from app.gui import messages
from app.gui.jobs import JobRunner
from app.words import count


def start_back_up_all(
    parent: QWidget, ctx: Context, jobs: JobRunner, show: Callable[[str], None], after: Callable[[], None]
) -> None:
    profiles = ctx.profiles.load()
    if not profiles:
        show("No environments to back up yet.")
        return

    def job(_listen: Callable[[Event], None], _cancel: CancelToken) -> list[BackupReport]:
        return back_up_all(ctx, profiles)

    def done(reports: list[BackupReport]) -> None:
        failed = [r for r in reports if not r.ok]
        added = sum(len(r.added) for r in reports)
        show(
            f"Backed up {len(reports) - len(failed)} of {count(len(reports), 'environment')}; "
            f"{count(added, 'entry')} added."
        )
        if failed:
            messages.show_error(
                parent, "Some environments were not backed up.", "\n".join(r.message for r in failed)
            )
        after()

    def failed(message: str) -> None:
        messages.show_error(parent, message)

    show(f"Backing up {len(profiles)} environments…")
    jobs.run("backup:all", "back up all environments", job, done, failed)
