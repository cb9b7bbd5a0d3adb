"""Say how a write ended when the window is not in front: a tray message where a system tray
exists, else the taskbar's attention alert (QApplication.alert)."""

from __future__ import annotations

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QSystemTrayIcon, QWidget

from app.engine.result import Result

_tray: list[QSystemTrayIcon] = []  # one icon for the application, made on first use


def scheduled_run_failed(widget: QWidget, summary: str) -> None:
    """A scheduled run (backup, drift check or restore drill) failed while nobody watched: said as a
    desktop notification whether or not the window is in front (once per run: the caller knows)."""
    window = widget.window()
    if QSystemTrayIcon.isSystemTrayAvailable():
        if not _tray:
            icon = window.windowIcon() if not window.windowIcon().isNull() else QIcon()
            _tray.append(QSystemTrayIcon(icon, QApplication.instance()))
            _tray[0].show()
        _tray[0].showMessage("Scheduled backup failed", summary, QSystemTrayIcon.MessageIcon.Warning, 30_000)
    else:
        QApplication.alert(window)


def job_ended(widget: QWidget, result: Result) -> None:
    """*result* is an engine Result of a write (promotion, Set, restore, undo)."""
    window = widget.window()
    if window.isActiveWindow() or result.status == "dry_run":
        return
    title = f"{result.kind.capitalize()} {result.status.replace('_', ' ')}"
    message = f"{result.target}: {result.message}"
    if QSystemTrayIcon.isSystemTrayAvailable():
        if not _tray:
            icon = window.windowIcon() if not window.windowIcon().isNull() else QIcon()
            _tray.append(QSystemTrayIcon(icon, QApplication.instance()))
            _tray[0].show()
        ok = result.status == "succeeded"
        kind = QSystemTrayIcon.MessageIcon.Information if ok else QSystemTrayIcon.MessageIcon.Warning
        _tray[0].showMessage(title, message, kind, 10_000)
    else:
        QApplication.alert(window)
