"""The walkthrough's minors (issue 25), driven in the window with pytest-qt against the sandbox."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")


from app.gui import confirm, fit, write_door
from tests.test_gui import accept_with_dialog, idle


def promote_dev_to_qa(qtbot, window, monkeypatch):
    monkeypatch.setattr(confirm, "confirm_promotion", accept_with_dialog([]))
    window.tabs.setCurrentWidget(window.promote_tab)
    window.promote_tab.promote_button.click()
    idle(qtbot, window)
    assert window.promote_tab.progress.format() == "succeeded"


def test_no_text_is_cut_off_steps_history_and_the_undo_dialog(qtbot, window, monkeypatch):
    """The step list said "Download source configuratio", History's "When" was cut to 100 px, the
    undo dialog's title did not fit."""
    window.resize(1024, 700)
    promote_dev_to_qa(qtbot, window, monkeypatch)
    steps = window.promote_tab.steps
    qtbot.waitUntil(lambda: steps.viewport().width() > 0)
    widest = max(fit.text_width(steps, steps.item(i).text()) for i in range(steps.count()))
    assert widest <= steps.viewport().width(), (widest, steps.viewport().width())

    history = window.history_tab
    window.tabs.setCurrentWidget(history)
    history.refresh()
    table = history.table
    for column in range(table.columnCount() - 1):
        cells = [table.topLevelItem(i).text(column) for i in range(table.topLevelItemCount())]
        needed = max(fit.text_width(table, text) for text in [*cells, table.headerItem().text(column)])
        assert table.columnWidth(column) >= needed, (table.headerItem().text(column), needed)

    shown = []

    def look(parent, plan, verb):
        dialog = write_door.PlanDialog(plan, verb, parent)
        title = dialog.windowTitle()
        shown.append((title, dialog.width(), fit.text_width(dialog, title), dialog.heading.text()))
        dialog.deleteLater()
        return None  # cancelled: nothing written

    monkeypatch.setattr(write_door, "confirm_write", look)
    table.setCurrentItem(table.topLevelItem(0))
    history.on_undo()
    idle(qtbot, window)
    title, width, needed, heading = shown[0]
    assert title.startswith("Undo run #") and title in heading  # the whole title, inside the dialog
    assert width >= needed + 200
