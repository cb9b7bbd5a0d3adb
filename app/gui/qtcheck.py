"""The Qt part of ``promoter --self-check``: versions, the platform plugin that loads, and the
Unicode text handling that ICU gives Qt (the bundle carries a trimmed ICU data library)."""

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


NAMES = ["Zebra", "Straße", "Strasse", "İstanbul", "ﬁle", "apple", "Ärger", "zoo", "Öl"]
GERMAN_ORDER = ["apple", "Ärger", "ﬁle", "İstanbul", "Öl", "Strasse", "Straße", "Zebra", "zoo"]


def text_problems() -> list[str]:
    """Collation (German, and Swedish's own order: Ö after z) and locale case mapping of non-ASCII
    names, checked against what they must give; an empty list when all is right."""
    from functools import cmp_to_key

    from PySide6.QtCore import QCollator, QLocale

    problems = []
    german = sorted(NAMES, key=cmp_to_key(QCollator(QLocale("de_DE")).compare))
    if german != GERMAN_ORDER:
        problems.append(f"German collation gives {german}")
    swedish = sorted(["Öl", "zoo", "apple"], key=cmp_to_key(QCollator(QLocale("sv_SE")).compare))
    if swedish != ["apple", "zoo", "Öl"]:
        problems.append(f"Swedish collation gives {swedish}")
    cases = (
        (QLocale("tr_TR").toUpper("istanbul"), "İSTANBUL"),
        (QLocale("tr_TR").toLower("I"), "ı"),
        (QLocale("de_DE").toUpper("straße"), "STRASSE"),
        (QLocale("en_US").toUpper("ﬁle"), "FILE"),
    )
    problems += [f"case mapping gives {got!r}, not {want!r}" for got, want in cases if got != want]
    return problems
