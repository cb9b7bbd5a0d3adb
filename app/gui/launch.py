"""Start the Qt application and the main window."""

from __future__ import annotations

import sys

from app.paths import Home
from app.secrets import SecretStore


def run_gui(home: Home, secrets: SecretStore | None = None, demo: bool = False) -> int:
    from PySide6.QtWidgets import QApplication

    from app.gui.main_window import MainWindow

    home.ensure()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Backand Promoter")
    window = MainWindow(home, secrets or SecretStore(), demo=demo)
    window.show()
    return int(app.exec())
