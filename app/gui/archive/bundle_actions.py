"""The Archive screen's bundle actions: carry the archive to another disk and back, as jobs.

They know nothing of the tab: it hands them what they act on and where to say how it went."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QWidget

from app.archive import Entry
from app.archive.bundle import BundleReport, ExportReport, export_bundle, import_bundle, prepare_folder
from app.engine.context import Context
from app.engine.events import CancelToken, Listener
from app.errors import UsageError
from app.gui.runtime import messages
from app.gui.runtime.jobs import JobRunner
from app.plural import count

Say = Callable[[str], None]


def on_export(
    parent: QWidget, ctx: Context, jobs: JobRunner, chosen: list[Entry], say: Say, hint: Say, error: Say
) -> None:
    """Export *chosen* (every entry when none is chosen) into a folder the user names; *say* how it
    went, *hint* what is in the way, *error* a failure."""
    folder = messages.ask_new_folder(
        parent, "Export the archive into a new folder (type its name) or an empty one", "promoter-bundle"
    )
    if not folder:
        return
    try:
        prepare_folder(Path(folder))  # a new name is created; what is in the way is said, as a hint
    except UsageError as exc:
        hint(exc.message)
        return
    entries = chosen or ctx.archive.entries()[::-1]

    def job(_listen: Listener, _cancel: CancelToken) -> ExportReport:
        profiles = [p.as_json() for p in ctx.profiles.load()]
        return export_bundle(ctx.archive, Path(folder), entries, profiles)

    def done(report: ExportReport) -> None:
        say(
            f"Exported {count(len(report.files), 'entry')} with manifest.json and SHA256SUMS to {folder}."
            + "".join(f"\nleft out {line}" for line in report.skipped)
        )

    jobs.run("archive:bundle", "export a bundle", job, done, error)


def on_import(
    parent: QWidget, ctx: Context, jobs: JobRunner, say: Say, error: Say, then: Callable[[], None]
) -> None:
    """Import a bundle folder the user picks; *say* what was added, refused or already there, *then*
    refresh."""
    folder = messages.ask_folder(parent, "Import a bundle folder")
    if not folder:
        return

    def job(_listen: Listener, _cancel: CancelToken) -> BundleReport:
        return import_bundle(ctx.archive, Path(folder))

    def done(report: BundleReport) -> None:
        say(
            f"Added {count(len(report.added), 'entry')}; {len(report.already)} were already archived; "
            f"{len(report.refused)} refused." + "".join(f"\n{line}" for line in report.refused)
        )
        then()

    jobs.run("archive:bundle", "import a bundle", job, done, error)
