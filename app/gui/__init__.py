"""The desktop app (PySide6). The only package that imports Qt."""

from app.gui.runtime import pyside_refs as _pyside_refs  # noqa: F401  (first: keeps None, True and False alive; see there)
