"""Start the Qt application and the main window."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from app.paths import Home
from app.secrets import SecretStore

if TYPE_CHECKING:
    from PySide6.QtGui import QIcon


def app_icon() -> QIcon:
    from PySide6.QtGui import QIcon, QPixmap

    from app import assets

    icon = QIcon()
    for item in assets.icon_files():
        pixmap = QPixmap()
        pixmap.loadFromData(item.read_bytes())
        icon.addPixmap(pixmap)
    return icon


def tune_for_the_window() -> None:
    """Settings of this process that keep the window answering while jobs work (once, at start-up).

    Jobs parse and hash on worker threads in Python; with the default 5 ms switch interval the GUI
    thread can wait several turns for the GIL behind them: 1 ms keeps its waits short. A collection
    of the oldest generation walks every container object holding the GIL (with a large
    configuration's rows alive, ~50 ms): what exists at start-up is frozen out of that walk, and
    young collections run less often (rows are made by the thousand)."""
    import gc

    sys.setswitchinterval(0.001)
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def run_gui(
    home: Home, secrets: SecretStore | None = None, demo: bool = False, quit_after: float | None = None
) -> int:
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
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("Backand Promoter")
    app.setDesktopFileName("backand-promoter")
    app.setWindowIcon(app_icon())
    window = MainWindow(home, secrets or SecretStore(), demo=demo)
    tune_for_the_window()
    window.show()
    if os.environ.get("PROMOTER_BENCH_SHOWN"):  # the start-up benchmark: say when the window is up
        from PySide6.QtCore import QTimer

        QTimer.singleShot(0, lambda: print("window shown", flush=True))
    if quit_after is not None:  # smoke tests: start, show, quit cleanly
        from PySide6.QtCore import QTimer

        QTimer.singleShot(int(quit_after * 1000), window.close)
    return int(app.exec())
