"""The window's exclusions and rules: untick a change, promote, the target kept it; a keep rule from
the plan's right-click menu; an environment's rules edited in its dialog."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMenu

from app.engine.reads.planview import PlanView
from app.gui.environments.rules_dialog import RulesDialog
from app.gui.promote import confirm, plan_shaping
from app.gui.widgets.diffview import SELECTOR
from app.shaping.rules import Rule
from tests.test_gui import accept_with_dialog, idle, plan_texts


def find_item(tree, selector):
    stack = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    while stack:
        item = stack.pop()
        if item.data(0, SELECTOR) == selector:
            return item
        stack += [item.child(j) for j in range(item.childCount())]
    return None


def test_untick_a_change_then_promote_and_the_target_kept_it(qtbot, window, monkeypatch):
    tab = window.promote_tab
    tab.plan_button.click()
    idle(qtbot, window)
    item = find_item(tab.plan_tree, "model:coupons")
    assert item is not None and item.checkState(0) == Qt.CheckState.Checked
    owned = find_item(tab.plan_tree, "View[coupons]")
    assert owned is not None and owned.data(0, Qt.ItemDataRole.CheckStateRole) is None  # follows the model
    item.setCheckState(0, Qt.CheckState.Unchecked)  # a new plan starts by itself
    qtbot.waitUntil(lambda: any("left out: model:coupons" in t for t in plan_texts(tab)), timeout=60000)
    idle(qtbot, window)
    texts = plan_texts(tab)
    assert "+ object coupons" not in texts
    assert any(t.startswith("left out by you: model:coupons") for t in texts)
    dialogs: list[confirm.ConfirmPromotion] = []
    monkeypatch.setattr(confirm, "confirm_promotion", accept_with_dialog(dialogs))
    tab.promote_button.click()
    idle(qtbot, window)
    labels = " ".join(label.text() for label in dialogs[0].findChildren(QLabel))
    assert "Rules and exclusions shape what is sent" in labels
    assert tab.progress.format() == "succeeded", window.errors
    with window.ctx.client(window.ctx.profiles.get("qa")) as qa:
        names = [o["name"] for o in qa.get_model()]
    assert "coupons" not in names


def test_a_keep_rule_from_the_right_click_menu_is_in_the_next_plan(qtbot, window, monkeypatch):
    tab = window.promote_tab
    tab.plan_button.click()
    idle(qtbot, window)
    cell = find_item(tab.plan_tree, "Database.DisplayName")
    assert cell is not None
    menu = QMenu()
    plan_shaping.fill_menu(
        menu, "Database.DisplayName", "qa", False, tab.shaping.set_left_out, tab.shaping.keep_rule
    )
    keep = next(a for a in menu.actions() if a.text().startswith("Always keep qa's value"))
    keep.trigger()
    assert [r.selector for r in window.ctx.profiles.get("qa").rules] == ["Database.DisplayName"]
    qtbot.waitUntil(lambda: any("kept by rule 1" in t for t in plan_texts(tab)), timeout=60000)
    idle(qtbot, window)
    assert find_item(tab.plan_tree, "Database.DisplayName") is None  # no longer a change
    assert "1 rule" in window.environments.list.item(1).text()
    # "Ignore rules" plans again, and says so in red
    tab.ignore_rules.setChecked(True)
    qtbot.waitUntil(lambda: any(t.startswith("--no-rules") for t in plan_texts(tab)), timeout=60000)
    idle(qtbot, window)
    plan = tab.plans[("dev", "qa")].plan
    dialog = confirm.ConfirmPromotion(window.ctx.profiles.get("dev"), window.ctx.profiles.get("qa"), plan)
    assert "NOT applied" in " ".join(label.text() for label in dialog.findChildren(QLabel))
    dialog.close()


def test_rules_dialog_adds_refuses_and_removes(qtbot, window, monkeypatch):
    from app.gui.environments import profile_dialog

    asked: list[str] = []  # prod is protected: each change of its rules asks for its name

    def typed(parent, store, profile, name):
        asked.append(name)
        return True, "prod"

    monkeypatch.setattr(profile_dialog, "confirm_change", typed)
    dialog = RulesDialog(window.ctx.profiles, "prod", window)
    qtbot.addWidget(dialog)
    assert dialog.add(Rule(0, "keep", "Upload[Image].Title"))
    assert not dialog.add(Rule(0, "replace", "Rule[x].Code", "(", "y", True))  # a bad regex: named
    assert "regular expression" in window.errors[-1]
    assert not dialog.add(Rule(0, "keep", "Rule[unclosed"))
    assert dialog.table.rowCount() == 1 and dialog.table.item(0, 2).text() == "Upload[Image].Title"
    dialog.table.selectRow(0)
    dialog.on_remove()
    assert dialog.table.rowCount() == 0 and not window.ctx.profiles.get("prod").rules
    assert asked and set(asked) == {"prod"}


def test_the_overview_shows_the_pipeline_and_plans_a_step(qtbot, window, monkeypatch):
    from PySide6.QtWidgets import QPushButton

    overview = window.overview_tab
    assert window.tabs.widget(0) is overview
    window.tabs.setCurrentWidget(overview)
    qtbot.waitUntil(lambda: overview.overview is not None, timeout=60000)
    idle(qtbot, window)
    texts = " ".join(label.text() for label in overview.area.widget().findChildren(QLabel))
    assert "1. dev" in texts and "Serves configuration <b>1.1.4</b>" in texts
    assert "dev → qa: 4 model changes" in texts
    assert "Not written by the promoter yet." in texts
    assert "Nothing was written." in overview.status.text()
    dialogs: list[confirm.ConfirmPromotion] = []
    monkeypatch.setattr(confirm, "confirm_promotion", accept_with_dialog(dialogs))
    window.tabs.setCurrentWidget(window.promote_tab)
    window.promote_tab.promote_button.click()
    idle(qtbot, window)
    assert window.promote_tab.progress.format() == "succeeded"
    window.tabs.setCurrentWidget(overview)  # stale after the write: read again
    qtbot.waitUntil(
        lambda: (
            "Promoted from dev"
            in " ".join(label.text() for label in overview.area.widget().findChildren(QLabel))
        ),
        timeout=60000,
    )
    idle(qtbot, window)
    texts = " ".join(label.text() for label in overview.area.widget().findChildren(QLabel))
    assert "dev → qa: equal" in texts and "No drift" in texts
    button = overview.area.widget().findChild(QPushButton, "plan-qa-prod")
    button.click()
    assert window.tabs.currentWidget() is window.promote_tab
    assert (window.promote_tab.source.currentText(), window.promote_tab.target.currentText()) == (
        "qa",
        "prod",
    )
    idle(qtbot, window)
    assert window.promote_tab.plans.get(("qa", "prod")) is not None


def test_an_added_action_opens_its_code_and_changes_are_highlighted(qtbot, window):
    from app.engine.reads.planview import Change, ConfigChange
    from app.gui.widgets.sidebyside import SideBySide

    tab = window.promote_tab
    tab.plan_button.click()
    idle(qtbot, window)
    added = find_item(tab.plan_tree, "Rule[orders.Apply coupon]")
    change = added.data(0, 256)
    assert change.change == "added" and "coupon" in change.columns["Code"][1]
    view = SideBySide(change, tab)
    qtbot.addWidget(view)
    assert "Apply coupon" in view.new_text.toPlainText() and view.old_text.toPlainText() == ""
    assert view.position.text() == "change 1 of 1"
    changed = ConfigChange(
        "Rule", "x", Change.CHANGED, "actions", {"Code": ("a\nb\nc\nd\ne", "a\nB\nc\nd\nE")}
    )
    two = SideBySide(changed, tab)
    qtbot.addWidget(two)
    assert two.position.text() == "change 1 of 2" and not two.prev_button.isEnabled()
    assert len(two.new_text.extraSelections()) == 2
    two.next_button.click()
    assert two.position.text() == "change 2 of 2" and not two.next_button.isEnabled()
    assert two.new_text.textCursor().block().text() == "E"


def test_a_dropped_zip_is_checked_its_environment_proposed_and_a_mismatch_asked(
    qtbot,
    window,
    monkeypatch,
    tmp_path,
):
    import shutil

    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    from app.engine.reads import one_target
    from app.gui.runtime import messages

    ctx = window.ctx
    for name in ("dev", "qa"):
        one_target.export(ctx, ctx.profiles.get(name))
    dev_zip = tmp_path / "from-dev.zip"
    shutil.copyfile(ctx.archive.path_of(ctx.archive.entries("dev")[0]), dev_zip)
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really")
    asked: list[tuple[str, list[str]]] = []
    monkeypatch.setattr(
        messages, "ask_choice", lambda _p, _t, label, choices: asked.append((label, choices)) or "qa"
    )
    confirmations: list[str] = []
    monkeypatch.setattr(messages, "ask_yes_no", lambda _p, _t, text: confirmations.append(text) or False)

    def drop(path):
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(path))])
        event = QDropEvent(
            QPointF(5, 5),
            Qt.DropAction.CopyAction,
            mime,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
        window.dropEvent(event)

    before = len(ctx.archive.entries())
    drop(tmp_path / "broken.zip")
    assert "broken.zip was not imported" in window.errors[-1] and not asked
    drop(dev_zip)
    assert window.tabs.currentWidget() is window.archive_tab
    label, choices = asked[-1]
    assert choices[0] == "dev" and "app id 101" in label  # the likely environment first
    assert "names app id 101, but qa's archived zips name 102" in confirmations[-1]
    assert len(ctx.archive.entries()) == before  # declined: nothing imported
    monkeypatch.setattr(messages, "ask_choice", lambda *_a: "dev")
    drop(dev_zip)
    idle(qtbot, window)
    assert (
        len(ctx.archive.entries()) == before + 1
        and "Imported from-dev.zip" in window.archive_tab.status.text()
    )


def test_a_write_that_ends_while_the_window_is_not_in_front_says_so(qtbot, window, monkeypatch):
    from PySide6.QtWidgets import QApplication, QSystemTrayIcon

    from app.gui.promote import confirm

    alerts: list[object] = []
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: False))
    monkeypatch.setattr(QApplication, "alert", staticmethod(lambda widget, msec=0: alerts.append(widget)))
    monkeypatch.setattr(type(window), "isActiveWindow", lambda self: False)
    monkeypatch.setattr(confirm, "confirm_promotion", accept_with_dialog([]))
    window.promote_tab.plan_button.click()
    idle(qtbot, window)
    assert alerts == []  # a plan is not a write
    window.promote_tab.promote_button.click()
    idle(qtbot, window)
    assert alerts == [window]


def test_colours_read_on_a_dark_palette(qtbot, window, qapp):
    from PySide6.QtGui import QColor, QPalette

    from app.gui.widgets import colours

    light = qapp.palette()
    dark = QPalette(light)
    for role, colour in (
        (QPalette.ColorRole.Base, "#1e1e1e"),
        (QPalette.ColorRole.Window, "#2b2b2b"),
        (QPalette.ColorRole.Text, "#eeeeee"),
        (QPalette.ColorRole.WindowText, "#eeeeee"),
    ):
        dark.setColor(role, QColor(colour))
    qapp.setPalette(dark)
    try:
        assert colours.is_dark()
        tab = window.promote_tab
        tab.plan_button.click()
        idle(qtbot, window)
        item = find_item(tab.plan_tree, "model:coupons")
        base = dark.color(QPalette.ColorRole.Base)
        assert item.foreground(0).color().lightness() - base.lightness() > 100  # readable contrast
    finally:
        qapp.setPalette(light)
    assert not colours.is_dark()
    assert colours.qcolor("green").lightness() < 128


def test_slots_do_not_wear_down_true_and_false(qtbot, window):
    """PySide6 drops a reference to what a slot returns: a `lambda: sig.emit(...)` slot returned
    emit's bool, and enough selection changes made Python abort at exit ("bool_dealloc")."""
    import sys

    from PySide6.QtWidgets import QPushButton

    from app.engine.reads.overview import Overview, Station, Step
    from app.gui.overview_tab import OverviewTab

    envs = window.environments.list
    tab = OverviewTab(window.ctx, window.jobs)  # on its own: its signal goes nowhere
    qtbot.addWidget(tab)
    stations = [
        Station(n, f"shop-{n}", i, "#123456", False, reachable=True) for i, n in enumerate(("a", "b"))
    ]
    tab._done(Overview(stations, [Step("a", "b", known=True, model_changes=1)]))
    button = tab.area.widget().findChild(QPushButton, "plan-a-b")
    before = sys.getrefcount(True) + sys.getrefcount(False)
    for index in range(300):
        envs.setCurrentRow(index % envs.count())
        button.click()
    after = sys.getrefcount(True) + sys.getrefcount(False)
    assert after >= before - 50, f"True/False lost {before - after} references"


def test_identical_zips_are_listed_once_and_hints_carry_no_old_details(qtbot, window):
    from app.engine.reads import one_target

    ctx = window.ctx
    for _ in range(3):  # three exports of an unchanged environment: the same bytes
        one_target.export(ctx, ctx.profiles.get("qa"))
    tab = window.archive_tab
    tab.refresh()
    rows = [tab.model.entry(r) for r in range(tab.model.rowCount())]
    assert len([e for e in rows if e.profile == "qa" and e.kind == "export"]) == 1
    assert "2 identical copies not listed" in tab.count.text()
    shown = next(e for e in rows if e.profile == "qa")
    assert tab.model.identical[shown.id] and len(tab.model.identical[shown.id]) == 2
    window.jobs.last_details = "HTTP status: 500\nServer said: an older failure"
    tab.table.clearSelection()
    tab.on_restore()
    assert window.errors[-1] == "Select one archive entry."  # and not the older failure's details


def test_what_a_newcomer_met_stays_fixed(qtbot, window, monkeypatch):
    """From a first-use walk: a removed environment is never swapped into "Plan this step"; a plan
    on show is made again after its target's rules change; "Ignore rules" belongs to one pair; the
    rule form keeps what was typed when it is wrong; a noted archive entry is never folded away."""
    from PySide6.QtWidgets import QPushButton

    from app.engine.reads import one_target
    from app.gui.environments.rules_dialog import RuleForm

    overview = window.overview_tab
    window.tabs.setCurrentWidget(overview)
    qtbot.waitUntil(lambda: overview.overview is not None, timeout=60000)
    idle(qtbot, window)
    button = overview.area.widget().findChild(QPushButton, "plan-qa-prod")
    window.ctx.profiles.remove("prod", confirm="prod")  # as another window or the command line would
    button.click()
    assert "prod is no longer an environment" in window.errors[-1]
    assert window.tabs.currentWidget() is overview and not window.promote_tab.plans
    idle(qtbot, window)

    tab = window.promote_tab
    window.tabs.setCurrentWidget(tab)
    tab.plan_button.click()
    idle(qtbot, window)
    assert not any("kept by rule" in t for t in plan_texts(tab))
    window.ctx.profiles.add_rule("qa", Rule(0, "keep", "Database.DisplayName"))
    window.environments.changed.emit()  # what the Rules dialog does when it closes
    qtbot.waitUntil(lambda: any("kept by rule 1" in t for t in plan_texts(tab)), timeout=60000)
    idle(qtbot, window)

    tab.ignore_rules.setChecked(True)
    idle(qtbot, window)
    tab.source.setCurrentText("qa")  # another pair: its rules apply again unless asked
    assert not tab.ignore_rules.isChecked()

    form = RuleForm("qa")
    qtbot.addWidget(form)
    form.kind.setCurrentText("replace")
    form.selector.setText("Rule[Validate price].Code")
    form.find_edit.setText("taxRate = (")
    form.regex.setChecked(True)
    form.accept()
    assert "This rule: --find is not a valid regular expression" in window.errors[-1]
    assert form.result() != form.DialogCode.Accepted and form.find_edit.text() == "taxRate = ("

    first = one_target.export(window.ctx, window.ctx.profiles.get("dev"))
    window.ctx.archive.set_note(first.id, "my important note")
    one_target.export(window.ctx, window.ctx.profiles.get("dev"))
    window.archive_tab.refresh()
    listed = [window.archive_tab.model.entry(r).id for r in range(window.archive_tab.model.rowCount())]
    assert first.id in listed


def test_the_window_opens_within_the_screen(window):
    """1280×720 by default, but never wider or taller than the screen's free area beyond what its
    layout needs (the offscreen screen is 800×600; the layout needs ~940 px)."""
    free, least = window.screen().availableGeometry(), window.minimumSizeHint()
    assert window.width() <= max(free.width(), least.width())
    assert window.height() <= max(free.height(), least.height())


def test_a_row_without_a_name_offers_its_whole_table_not_a_checkbox(qtbot, window):
    """Issue 25: Tooltip rows have no name; unticking "#3" left out another row."""
    tab = window.promote_tab
    change = {"table": "Tooltip", "key": "#3", "change": "added", "category": "other", "columns": {}}
    named = {"table": "Rule", "key": "o.a", "change": "added", "category": "actions", "columns": {}}
    tab.show_plan(
        PlanView.from_record({"valid": "always", "config_details": [change, named], "model_details": {}})
    )
    qtbot.waitUntil(lambda: not tab.filler.running, timeout=30_000)
    row = find_item(tab.plan_tree, "Tooltip")
    assert row is not None and row.data(0, Qt.ItemDataRole.CheckStateRole) is None
    assert "no name" in row.toolTip(0)
    assert find_item(tab.plan_tree, "Tooltip[#3]") is None
    assert find_item(tab.plan_tree, "Rule[o.a]").checkState(0) == Qt.CheckState.Checked


def overview_text(window) -> str:
    return " ".join(label.text() for label in window.overview_tab.area.widget().findChildren(QLabel))


def test_the_overview_on_show_reads_again_after_a_write_elsewhere(qtbot, window, monkeypatch):
    """A Set written while the Overview is on show (or while it reads) is shown at once; it said
    "Restored … (run #11)" after run #12 until the tab was left and opened again."""
    from app.engine.gates import Consent
    from app.gui.writes import write_door

    overview = window.overview_tab
    window.tabs.setCurrentWidget(overview)
    qtbot.waitUntil(lambda: overview.overview is not None, timeout=60000)
    idle(qtbot, window)
    assert "Set to a server version" not in overview_text(window)
    monkeypatch.setattr(write_door, "confirm_write", lambda *a: Consent())
    versions = window.versions_tab
    versions.show_profile(window.ctx.profiles.get("qa"))
    qtbot.waitUntil(lambda: versions.table.topLevelItemCount() == 5, timeout=30000)
    versions.table.topLevelItem(3).setSelected(True)  # 1.0.9
    versions.on_set()  # written while the Overview stays on show
    qtbot.waitUntil(lambda: "Set to a server version" in overview_text(window), timeout=60000)
    idle(qtbot, window)
    assert window.tabs.currentWidget() is overview and "from version 1.0.9" in overview_text(window)
