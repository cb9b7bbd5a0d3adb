"""The Qt part of ``promoter --self-check``: versions and the platform plugin that loads."""

from __future__ import annotations

import os
import sys


def qt_report() -> list[str]:
    """Lines to print; raises whatever Qt raises when it cannot start (the caller reports it)."""
    import PySide6
    from PySide6 import QtCore
    from PySide6.QtGui import QGuiApplication

    lines = [f"PySide6 {PySide6.__version__}, Qt {QtCore.qVersion()}"]
    if not os.environ.get("QT_QPA_PLATFORM") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        lines.append("no display: trying the offscreen platform plugin")
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    lines.append(f"Qt platform plugin: {QGuiApplication.platformName()}")
    del app
    return lines
