"""The desktop app (PySide6). The only package that imports Qt."""

from app.gui import signals as _signals  # noqa: F401  (first: keeps None, True and False alive; see there)
