"""The Archive tab's bundle actions: carry the archive to another disk and back, as jobs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.archive.bundle import BundleReport, export_bundle, import_bundle
from app.engine.events import CancelToken, Event
from app.gui import messages
from app.words import count

if TYPE_CHECKING:
    from app.gui.archive_tab import ArchiveTab


def on_export(tab: ArchiveTab) -> None:
    folder = messages.ask_folder(tab, "Export the archive into a new or empty folder")
    if not folder:
        return
    chosen = tab.selected() or tab.ctx.archive.entries()[::-1]
    ctx = tab.ctx

    def job(_listen: Callable[[Event], None], _cancel: CancelToken) -> list[str]:
        profiles = [p.as_json() for p in ctx.profiles.load()]
        return export_bundle(ctx.archive, Path(folder), chosen, profiles)

    def done(files: list[str]) -> None:
        tab.status.setText(
            f"Exported {count(len(files), 'entry')} with manifest.json and SHA256SUMS to {folder}."
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
