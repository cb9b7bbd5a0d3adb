"""The Help menu: About (version, Qt, Python, keyring, home folder, licence) and the user guide."""

from __future__ import annotations

import platform
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QUrl, qVersion
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QWidget

from app import __version__
from app.errors import PromoterError
from app.gui import messages
from app.paths import Home
from app.secrets import SecretStore, friendly_name


def about_text(home: Home, secrets: SecretStore) -> str:
    try:
        keyring = friendly_name(secrets.backend)
    except PromoterError as exc:
        keyring = f"unusable ({exc.message})"
    return (
        f"<b>Backand Promoter {__version__}</b><br>"
        "Promote a Backand app's model and configuration from one environment to the next, with a "
        "backup before every write and an automatic rollback.<br><br>"
        f"Qt {qVersion()} (PySide6 {pyside_version}), Python {platform.python_version()}<br>"
        f"Keyring: {keyring}<br>Home folder: {home.root}<br>Licence: MIT"
    )


def guide_url() -> QUrl | None:
    """The README next to the code, when there is one (a checkout or a source install)."""
    readme = Path(__file__).resolve().parents[2] / "README.md"
    return QUrl.fromLocalFile(str(readme)) if readme.is_file() else None


def show_about(parent: QWidget, home: Home, secrets: SecretStore) -> None:
    messages.show_info(parent, "About Backand Promoter", about_text(home, secrets))


def open_guide(parent: QWidget) -> None:
    url = guide_url()
    if url is None:
        messages.show_info(
            parent,
            "User guide",
            "The user guide is the README of the source; from a terminal, <tt>promoter --help</tt> "
            "and <tt>promoter COMMAND --help</tt> describe every command.",
        )
        return
    QDesktopServices.openUrl(url)
