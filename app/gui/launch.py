"""Start the Qt application and the main window."""

from __future__ import annotations

import sys

from app.paths import Home
from app.secrets import SecretStore


def run_gui(home: Home, secrets: SecretStore | None = None, demo: bool = False) -> int:
    import os

    from PySide6.QtWidgets import QApplication

    from app.errors import UsageError
    from app.gui.main_window import MainWindow

    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if (
        sys.platform.startswith("linux")
        and not platform
        and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    ):
        raise UsageError(
            "No display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set). Run it in a "
            "desktop session, or under a virtual one: xvfb-run -a make demo."
        )
    home.ensure()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Backand Promoter")
    window = MainWindow(home, secrets or SecretStore(), demo=demo)
    window.show()
    return int(app.exec())
