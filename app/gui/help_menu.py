"""The Help menu: About (version, Qt, Python, keyring, home folder, licence) and the user guide.

The guide is the README, shipped with the app as a resource (``app/resources/README.md``: a link in a
source checkout, package data in the wheel, a data file in the frozen app). It is shown inside the
window, rendered from Markdown, so it works offline and where no external viewer is registered.
"""

from __future__ import annotations

import platform
import re
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, QUrl, qVersion
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from app import __version__, assets
from app.errors import PromoterError
from app.gui.runtime import messages
from app.paths import Home
from app.secrets import SecretStore, friendly_name

GUIDE_RESOURCE = "README.md"
CHECKOUT_ROOT = Path(__file__).resolve().parents[2]  # pictures resolve here in a source checkout
IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")
NO_GUIDE = (
    "The user guide is missing from this installation; from a terminal, <tt>promoter --help</tt> "
    "and <tt>promoter COMMAND --help</tt> describe every command."
)


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


def guide_markdown(base: Path = CHECKOUT_ROOT) -> str | None:
    """The guide's Markdown, or None when it was not shipped. A picture whose file is not under
    *base* (an installed app ships no screenshots) becomes its caption in italics."""
    try:
        text = assets.resource(GUIDE_RESOURCE).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None

    def picture(match: re.Match[str]) -> str:
        caption, target = match.group(1), match.group(2)
        return match.group(0) if (base / target).is_file() else f"*[{caption}]*"

    return IMAGE.sub(picture, text)


class GuideDialog(QDialog):
    """The user guide in a QTextBrowser: headings, lists and code as Markdown renders them; links
    to the web open in the browser, links inside the guide scroll to their place."""

    def __init__(self, markdown: str, parent: QWidget | None = None, base: Path = CHECKOUT_ROOT) -> None:
        super().__init__(parent)
        self.setWindowTitle("Backand Promoter — User guide")
        self.browser = QTextBrowser()
        self.browser.setOpenLinks(False)
        self.browser.anchorClicked.connect(self._follow)
        self.browser.setSearchPaths([str(base)])
        self.browser.document().setBaseUrl(QUrl.fromLocalFile(str(base) + "/"))
        self.browser.setMarkdown(markdown)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        self.resize(860, 680)

    def _follow(self, url: QUrl) -> None:
        if url.scheme() in ("http", "https", "mailto"):
            QDesktopServices.openUrl(url)
        elif url.hasFragment():
            self.browser.scrollToAnchor(url.fragment())


def show_about(parent: QWidget, home: Home, secrets: SecretStore) -> None:
    messages.show_info(parent, "About Backand Promoter", about_text(home, secrets))


def open_guide(parent: QWidget) -> GuideDialog | None:
    """Help → User guide: the guide in a window of its own (not modal), or a message when missing."""
    markdown = guide_markdown()
    if markdown is None:
        messages.show_info(parent, "User guide", NO_GUIDE)
        return None
    dialog = GuideDialog(markdown, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
