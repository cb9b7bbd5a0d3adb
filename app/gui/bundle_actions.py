"""The Archive tab's bundle actions: carry the archive to another disk and back, as jobs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.archive.bundle import BundleReport, ExportReport, export_bundle, import_bundle, prepare_folder
from app.engine.events import CancelToken, Event
from app.errors import UsageError
from app.gui import messages
from app.plural import count

if TYPE_CHECKING:
    from app.gui.archive_tab import ArchiveTab


def on_export(tab: ArchiveTab) -> None:
    folder = messages.ask_new_folder(
        tab, "Export the archive into a new folder (type its name) or an empty one", "promoter-bundle"
    )
    if not folder:
        return
    try:
        prepare_folder(Path(folder))  # a new name is created; what is in the way is said, as a hint
    except UsageError as exc:
        tab._hint(exc.message)
        return
    chosen = tab.selected() or tab.ctx.archive.entries()[::-1]
    ctx = tab.ctx

    def job(_listen: Callable[[Event], None], _cancel: CancelToken) -> ExportReport:
        profiles = [p.as_json() for p in ctx.profiles.load()]
        return export_bundle(ctx.archive, Path(folder), chosen, profiles)

    def done(report: ExportReport) -> None:
        tab.status.setText(
            f"Exported {count(len(report.files), 'entry')} with manifest.json and SHA256SUMS to {folder}."
            + "".join(f"\nleft out {line}" for line in report.skipped)
        )

    tab.jobs.run("archive:bundle", "export a bundle", job, done, tab._error)


def on_import(tab: ArchiveTab) -> None:
    folder = messages.ask_folder(tab, "Import a bundle folder")
    if not folder:
        return
    ctx = tab.ctx

    def job(_listen: Callable[[Event], None], _cancel: CancelToken) -> BundleReport:
        return import_bundle(ctx.archive, Path(folder))

    def done(report: Any) -> None:
        tab.status.setText(
            f"Added {count(len(report.added), 'entry')}; {len(report.already)} were already archived; "
            f"{len(report.refused)} refused." + "".join(f"\n{line}" for line in report.refused)
        )
        tab.refresh()

    tab.jobs.run("archive:bundle", "import a bundle", job, done, tab._error)
