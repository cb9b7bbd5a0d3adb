"""The walkthrough's minors (issue 25), driven in the window with pytest-qt against the sandbox."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")


from app.gui.promote import confirm
from app.gui.widgets import fit
from app.gui.writes import write_door
from tests.test_gui import accept_with_dialog, idle
from tests.test_gui_shaping import find_item


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


def test_one_count_of_effects_and_a_left_out_change_says_it_stays_out(qtbot, window, monkeypatch):
    """The plan said "Rules and exclusions: 6", the confirmation "5 effects"; an unticked change
    stayed out of the pair's later plans without a word."""
    import re

    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLabel

    from tests.test_gui import plan_texts

    tab = window.promote_tab
    tab.plan_button.click()
    idle(qtbot, window)
    find_item(tab.plan_tree, "model:coupons").setCheckState(0, Qt.CheckState.Unchecked)  # plans again
    qtbot.waitUntil(lambda: any("left out: model:coupons" in t for t in plan_texts(tab)), timeout=60000)
    idle(qtbot, window)
    banner = tab.banner.text()
    assert "You left out 1 change: it stays out of every plan of dev → qa until ticked again." in banner
    tab.plan_button.click()  # a later plan of the pair: still out, and still said
    idle(qtbot, window)
    assert "You left out 1 change" in tab.banner.text()
    [header] = [t for t in plan_texts(tab) if t.startswith("Rules and exclusions:")]
    in_plan = int(re.search(r"Rules and exclusions: (\d+) effects?$", header).group(1))
    seen = []

    def look(parent, source, target, summary):
        dialog = confirm.ConfirmPromotion(source, target, summary, parent)
        seen.append(" ".join(label.text() for label in dialog.findChildren(QLabel)))
        dialog.deleteLater()
        return None  # not confirmed: nothing written

    monkeypatch.setattr(confirm, "confirm_promotion", look)
    tab.promote_button.click()
    idle(qtbot, window)
    in_confirmation = int(re.search(r"shape what is sent: (\d+) effects? ", seen[0]).group(1))
    assert in_plan == in_confirmation


def test_a_new_run_follows_the_log_again_after_scrolling_up(qtbot, window):
    """Scrolled up once, the log stayed there for every later run."""
    tab = window.promote_tab
    window.resize(1024, 700)
    for i in range(300):
        tab.log_panel.append(f"an earlier line {i}")
    bar = tab.log.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    bar.setValue(0)  # the user scrolls up to read
    tab.log_panel.append("a line while reading")
    assert bar.value() == 0  # reading is not disturbed
    tab.plan_button.click()  # a new run
    idle(qtbot, window)
    assert bar.value() == bar.maximum() and "Planning dev → qa" in tab.log.toPlainText()


def test_historys_status_line_is_of_the_last_action_only(qtbot, window, monkeypatch):
    """After an undo, its message stayed under the list whatever run was selected next."""
    from app.engine.gates import Consent

    promote_dev_to_qa(qtbot, window, monkeypatch)
    history = window.history_tab
    window.tabs.setCurrentWidget(history)
    history.refresh()
    promotion = next(
        history.table.topLevelItem(i)
        for i in range(history.table.topLevelItemCount())
        if history.table.topLevelItem(i).text(2) == "promote"
    )
    history.table.setCurrentItem(promotion)
    monkeypatch.setattr(write_door, "confirm_write", lambda *a: Consent(allow_data_loss=True))
    history.undo_button.click()
    idle(qtbot, window)
    assert history.status.text().startswith("succeeded"), (history.status.text(), window.errors)
    history.table.setCurrentItem(history.table.topLevelItem(history.table.topLevelItemCount() - 1))
    assert history.status.text() == ""


def test_a_rule_with_a_typo_is_amber_with_the_nearest_names(qtbot, window):
    """`Database.DisplayNme` was accepted and listed like the working rules."""
    from app.gui.environments.rules_dialog import RulesDialog
    from app.gui.widgets import colours
    from app.shaping.rules import Rule

    window.promote_tab.plan_button.click()  # a read of qa, archived: what the rules are checked on
    idle(qtbot, window)
    env = window.environments
    dialog = RulesDialog(window.ctx.profiles, "qa", window, env.rule_checker)
    qtbot.addWidget(dialog)
    assert dialog.add(Rule(0, "keep", "Database.DisplayName"))
    assert dialog.add(Rule(0, "keep", "Database.DisplayNme"))
    said = dialog.unmatched_label.text()
    assert "Database.DisplayNme" in said and "nearest: DisplayName" in said, said
    assert "Rule 1 " not in said  # the working rule is not named
    amber = colours.qcolor("amber")
    rows = {dialog.table.item(r, 2).text(): dialog.table.item(r, 2) for r in range(dialog.table.rowCount())}
    assert rows["Database.DisplayNme"].foreground().color() == amber
    assert rows["Database.DisplayName"].foreground().color() != amber
    env.refresh("qa")
    item = env.list.currentItem()
    assert "2 rules\n1 rule matches nothing" in item.text() and item.foreground().color() == amber
    assert "nearest: DisplayName" in item.toolTip()


def test_a_focused_list_shows_a_ring(qtbot, window):
    """The keyboard focus on a list was invisible: its frame looked the same either way."""
    from PySide6.QtGui import QColor, QPalette

    env = window.environments.list
    window.activateWindow()
    env.setFocus()
    qtbot.waitUntil(env.hasFocus)
    middle = env.height() // 2
    focused = QColor(env.grab().toImage().pixel(0, middle))
    window.promote_tab.plan_button.setFocus()
    qtbot.waitUntil(lambda: not env.hasFocus())
    unfocused = QColor(env.grab().toImage().pixel(0, middle))
    highlight = env.palette().color(QPalette.ColorRole.Highlight)
    assert focused == highlight and unfocused != highlight, (focused.name(), unfocused.name())


def test_the_archive_says_a_zip_can_be_dropped_on_the_window(qtbot, window):
    tab = window.archive_tab
    window.tabs.setCurrentWidget(tab)
    tab.refresh()
    assert tab.model.total == 0
    assert tab.empty_hint.isVisible() and "Drop a .zip anywhere on the window" in tab.empty_hint.text()
    assert "drop a .zip" in tab.buttons["Import a zip…"].toolTip()
    window.promote_tab.plan_button.click()  # a plan read is archived: the list shows it
    idle(qtbot, window)
    tab.refresh()
    assert not tab.empty_hint.isVisible() and tab.table.isVisible()
    assert "drop a .zip" in tab.table.statusTip()
