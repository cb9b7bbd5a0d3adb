"""Importing a configuration zip into the archive from the window: a file dialog or a drop.

The zip is checked first (a bad one is named and nothing is asked); the environment whose archived
zips name the same app id is proposed, and choosing another one asks before going on.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData
from PySide6.QtWidgets import QWidget

from app.archive.origin import app_id_of, known_app_ids
from app.configdoc.zipcheck import check_config_zip
from app.engine.context import Context
from app.errors import InvalidConfigZip
from app.gui.runtime import messages


def zip_paths(mime: QMimeData) -> list[Path]:
    """The local ``.zip`` files of a drag (anything else is ignored)."""
    if not mime.hasUrls():
        return []
    return [
        Path(u.toLocalFile())
        for u in mime.urls()
        if u.isLocalFile() and u.toLocalFile().lower().endswith(".zip")
    ]


def choose_environment(parent: QWidget, ctx: Context, path: Path) -> str | None:
    """Check *path*; ask which environment it is from (the likely one first); None: not imported."""
    try:
        check_config_zip(path)
    except InvalidConfigZip as exc:
        messages.show_error(parent, f"{path.name} was not imported: {exc.message}")
        return None
    names = [p.name for p in ctx.profiles.load()]
    if not names:
        messages.show_error(parent, "Add an environment first: an imported zip belongs to one.")
        return None
    app_id = app_id_of(path)
    known = known_app_ids(ctx.archive, names)
    likely = [n for n in names if app_id and known.get(n) == app_id]
    ordered = likely + [n for n in names if n not in likely]
    hint = f" It names app id {app_id}" + (f", as {', '.join(likely)}'s zips do." if likely else ".")
    name = messages.ask_choice(parent, "Import", f"Which environment is {path.name} from?{hint}", ordered)
    if not name:
        return None
    theirs = known.get(name)
    if (
        app_id
        and theirs
        and theirs != app_id
        and not messages.ask_yes_no(
            parent,
            "Import",
            f"{path.name} names app id {app_id}, but {name}'s archived zips name {theirs}. "
            f"Import it as {name} anyway?",
        )
    ):
        return None
    return name
