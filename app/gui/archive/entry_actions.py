"""The Archive screen's actions on the entries chosen: save one as, show its folder, pin or unpin,
note, delete."""

from __future__ import annotations

import shutil
from collections.abc import Callable

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QWidget

from app.archive import Archive, Entry
from app.errors import PromoterError
from app.gui.runtime import messages
from app.plural import count


def save_as(parent: QWidget, archive: Archive, entry: Entry, say: Callable[[str], None]) -> None:
    dest = messages.ask_save_file(parent, "Save configuration zip", f"{entry.app}_{entry.version}.zip")
    if dest:
        shutil.copyfile(archive.path_of(entry), dest)
        say(f"Saved #{entry.id} to {dest}.")


def show_in_folder(archive: Archive, entry: Entry) -> None:
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(archive.path_of(entry).parent)))


def toggle_pins(archive: Archive, entries: list[Entry]) -> None:
    for entry in entries:
        archive.set_pinned(entry.id, not entry.pinned)


def edit_note(parent: QWidget, archive: Archive, entry: Entry) -> bool:
    """Ask for *entry*'s note; whether it was set."""
    note = messages.ask_text(parent, "Note", f"Note for #{entry.id}:", entry.note)
    if note is None:
        return False
    archive.set_note(entry.id, note)
    return True


def delete(parent: QWidget, archive: Archive, entries: list[Entry], hint: Callable[[str], None]) -> bool:
    """Delete *entries* once the user agrees (*hint* names those kept); whether any was tried."""
    if not entries or not messages.ask_yes_no(
        parent,
        "Delete",
        f"Delete {count(len(entries), 'archive entry')} and their files? This cannot be undone.",
    ):
        return False
    problems = []
    for entry in entries:
        try:
            archive.delete(entry.id)
        except PromoterError as exc:
            problems.append(exc.message)
    if problems:
        hint("Some entries were kept: " + " ".join(problems))
    return True
