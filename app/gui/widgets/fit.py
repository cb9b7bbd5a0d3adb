"""Sizes that follow the text they show: no label, list row or column cut off mid-word."""

from __future__ import annotations

from PySide6.QtWidgets import QListWidget, QStyle, QTreeWidget, QWidget


def fit_list(view: QListWidget, cap: int = 520) -> None:
    """The list is at least as wide as its widest row (up to *cap* px; a longer row scrolls)."""
    rows = view.sizeHintForColumn(0) if view.count() else 0
    scrollbar = view.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
    needed = rows + 2 * view.frameWidth() + scrollbar + 8
    if needed > view.minimumWidth():
        view.setMinimumWidth(min(needed, cap))


def fit_columns(tree: QTreeWidget, skip_last: bool = True) -> None:
    """Every column as wide as its header and its widest cell (the last one stretches anyway)."""
    columns = tree.columnCount() - (1 if skip_last else 0)
    for column in range(columns):
        tree.resizeColumnToContents(column)


def text_width(widget: QWidget, text: str) -> int:
    return widget.fontMetrics().horizontalAdvance(text)
