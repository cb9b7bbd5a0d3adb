"""The window: a protected environment changes only with its name typed (one dialog with a field),
every change is in the History tab, and a protection removed by hand is said."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from PySide6.QtWidgets import QApplication

from app.gui.runtime import messages
from app.shaping.rules import Rule


@pytest.fixture(autouse=True)
def no_leaks(qapp):
    before = set(QApplication.topLevelWidgets())
    yield
    QApplication.processEvents()
    leaked = [w for w in QApplication.topLevelWidgets() if w not in before and w.isVisible()]
    assert not leaked, f"windows left open: {leaked}"


@pytest.fixture
def asked(monkeypatch):
    """The typed-name questions asked (title, text, name); each answered with ``asked.answer``. A
    yes/no question fails the test: a protected environment asks for its name, in one dialog."""

    class Asked(list):
        answer: str | None = None

    record = Asked()

    def typed(parent, title, text, name):
        record.append((title, text, name))
        return record.answer

    def yes_no(parent, title, text):
        raise AssertionError(f"a yes/no question for a protected environment: {text}")

    monkeypatch.setattr(messages, "ask_typed_name", typed)
    monkeypatch.setattr(messages, "ask_yes_no", yes_no)
    return record


def profile_runs(window):
    return [r for r in window.ctx.history.runs(100) if r.kind == "profile"]


def select(window, name):
    panel = window.environments
    for row in range(panel.list.count()):
        if panel.list.item(row).text().split("\n")[0].split(" ")[1] == name:
            panel.list.setCurrentRow(row)
    assert panel.current().name == name


def test_unticking_protected_asks_for_the_name_once_and_is_recorded(qtbot, window, asked):
    before = len(profile_runs(window))
    dialog = window.environments.open_dialog(window.ctx.profiles.get("prod"))
    qtbot.addWidget(dialog)
    dialog.protected.setChecked(False)
    dialog.on_save()  # the name not typed: nothing saved
    assert [q[2] for q in asked] == ["prod"] and "unprotecting it" in asked[0][1]
    assert dialog.result() == 0 and window.ctx.profiles.get("prod").protected
    assert "Not saved" in dialog.test_result.text()
    assert len(profile_runs(window)) == before
    asked.answer = "prod"
    dialog.on_save()
    assert len(asked) == 2 and dialog.result() == 1
    assert not window.ctx.profiles.get("prod").protected
    change = profile_runs(window)[0].plan["profile"]
    assert change["action"] == "unprotect" and change["confirmed"]
    assert change["changes"] == [{"field": "protected", "old": "true", "new": "false"}]
    # protecting again needs no question
    again = window.environments.open_dialog(window.ctx.profiles.get("prod"))
    qtbot.addWidget(again)
    again.protected.setChecked(True)
    again.on_save()
    assert len(asked) == 2 and again.result() == 1 and window.ctx.profiles.get("prod").protected


def test_the_history_tab_shows_a_profile_change_and_offers_no_undo(qtbot, window, asked):
    asked.answer = "prod"
    dialog = window.environments.open_dialog(window.ctx.profiles.get("prod"))
    qtbot.addWidget(dialog)
    dialog.stage.setValue(2)
    dialog.on_save()
    assert dialog.result() == 1 and "lowering its stage (3 → 2)" in asked[0][1]
    tab = window.history_tab
    tab.refresh()
    top = tab.table.topLevelItem(0)
    assert top.text(2) == "profile" and top.text(4) == "prod"
    tab.table.setCurrentItem(top)
    assert [tab.plan_tree.topLevelItem(i).text(0) for i in range(tab.plan_tree.topLevelItemCount())] == [
        "stage: 3 → 2"
    ]
    details = tab.details.toPlainText()
    assert "profile edit: prod" in details and "its name was typed" in details and "By " in details
    assert not tab.undo_button.isEnabled()


def test_removing_moving_or_changing_rules_of_a_protected_environment_asks_for_its_name(qtbot, window, asked):
    from app.gui.environments.rules_dialog import RulesDialog

    panel = window.environments
    select(window, "prod")
    panel.on_remove()  # not typed: kept
    assert [q[2] for q in asked] == ["prod"] and "removing it" in asked[-1][1]
    assert "prod" in [p.name for p in window.ctx.profiles.load()]
    panel.on_move(-1)  # prod to an earlier stage than qa: its name
    assert len(asked) == 2 and "lowering its stage" in asked[-1][1]
    assert window.ctx.profiles.get("prod").stage == 3
    rules = RulesDialog(window.ctx.profiles, "prod", window)
    qtbot.addWidget(rules)
    assert not rules.add(Rule(0, "keep", "Database.DisplayName"))
    assert len(asked) == 3 and "changing its rules" in asked[-1][1]
    assert not window.ctx.profiles.get("prod").rules
    asked.answer = "prod"
    assert rules.add(Rule(0, "keep", "Database.DisplayName"))
    assert len(window.ctx.profiles.get("prod").rules or ()) == 1
    select(window, "prod")
    panel.on_remove()
    assert len(asked) == 5 and "prod" not in [p.name for p in window.ctx.profiles.load()]
    assert profile_runs(window)[0].plan["profile"]["action"] == "remove"


def test_a_protection_removed_by_hand_is_said_in_the_window(qtbot, window, asked):
    path = window.ctx.home.profiles_file
    path.write_text(path.read_text().replace('"protected": true', '"protected": false'))
    window.environments.refresh()
    said = [e for e in window.errors if "its protection was removed outside the promoter" in e]
    assert len(said) == 1 and said[0].startswith("prod was protected")
    texts = [window.environments.list.item(i).text() for i in range(window.environments.list.count())]
    assert any(t.startswith("3. prod  [protection removed outside the promoter]") for t in texts)
    window.environments.refresh()
    assert len([e for e in window.errors if "removed outside" in e]) == 1, "said once"
    # still guarded: saving it unprotected asks for the name, and that is recorded
    asked.answer = "prod"
    dialog = window.environments.open_dialog(window.ctx.profiles.get("prod"))
    qtbot.addWidget(dialog)
    dialog.on_save()
    assert dialog.result() == 1 and [q[2] for q in asked] == ["prod"]
    assert profile_runs(window)[0].plan["profile"]["changed_outside"]
    window.environments.refresh()
    texts = [window.environments.list.item(i).text() for i in range(window.environments.list.count())]
    assert not any("removed outside" in t for t in texts)
