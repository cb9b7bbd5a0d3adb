"""The window's one door for restore, Set and undo: the plan view (banner, diff tree, what is not
carried, inconsistency) and one confirmation built from the engine's gates."""

from __future__ import annotations

import shutil

from app.engine.gates import Gate
from app.engine.reads import one_target
from app.gui.writes import write_door
from tests.test_gui import idle, plan_like


def record_dialogs(monkeypatch, answer):
    """Build the real plan dialog, record it, and let *answer(dialog)* tick and type, then OK (a
    consent) or cancel (None)."""
    seen = []

    def confirm(parent, plan, verb):
        dialog = write_door.PlanDialog(plan, verb, parent)
        seen.append(dialog)
        if not answer(dialog) or not dialog.ok_button.isEnabled():
            return None
        return dialog.consent

    monkeypatch.setattr(write_door, "confirm_write", confirm)
    return seen


def test_set_shows_its_plan_and_one_confirmation(qtbot, window, monkeypatch, control):
    seen = record_dialogs(monkeypatch, lambda dialog: True)
    window.environments.list.setCurrentRow(1)  # qa
    window.tabs.setCurrentWidget(window.versions_tab)
    tab = window.versions_tab
    qtbot.waitUntil(lambda: tab.table.topLevelItemCount() == 5, timeout=30000)
    tab.table.topLevelItem(3).setSelected(True)  # 1.0.9
    tab.set_button.click()
    idle(qtbot, window)
    dialog = seen[-1]
    assert dialog.banner.text().startswith("Safe") and dialog.banner_colour == "green"
    lines = plan_like(dialog.tree)
    assert any(line.startswith("Configuration changes") for line in lines)
    assert any("a server version carries no model" in line for line in lines)
    assert control.state("shop-qa")["cached_version"] == "1.0.9"
    assert tab.status.text().startswith("succeeded"), tab.status.text()


def test_a_zip_without_its_model_is_shown_inconsistent_and_refused_until_ticked(
    qtbot, window, monkeypatch, control, tmp_path
):
    ctx = window.ctx
    dev_export = one_target.export(ctx, ctx.profiles.get("dev"))
    outside = tmp_path / "dev.zip"
    shutil.copyfile(ctx.archive.path_of(dev_export), outside)
    imported = ctx.archive.import_zip(outside, profile="dev", base_url="", app="shop-dev")  # as a user imports
    before = control.state("shop-qa")
    seen = record_dialogs(monkeypatch, lambda dialog: False)  # look, then cancel
    from app.gui.runtime import messages

    monkeypatch.setattr(messages, "ask_choice", lambda *a: "qa")
    tab = window.archive_tab
    tab.refresh()
    tab.select_ids([imported.id])
    tab.buttons["Restore to…"].click()
    idle(qtbot, window)
    dialog = seen[-1]
    assert dialog.banner_colour == "amber" and "coupons" in dialog.banner.text()
    assert Gate.MODEL_MISMATCH in dialog.consent_panel.ticks
    assert not dialog.ok_button.isEnabled()
    lines = plan_like(dialog.tree)
    assert any("describes 1 object its model lacks: coupons" in line for line in lines)
    assert any(line.startswith("Not carried") for line in lines)
    dialog.consent_panel.ticks[Gate.MODEL_MISMATCH].setChecked(True)
    assert dialog.ok_button.isEnabled()
    state = control.state("shop-qa")
    assert (state["model"], state["stored_version"]) == (before["model"], before["stored_version"])


def test_undo_of_a_set_from_history_and_a_protected_target_needs_its_name(
    qtbot, window, monkeypatch, control
):
    from app.engine.gates import Consent
    from app.engine.ops.setversion import set_version

    ctx = window.ctx
    prod = ctx.profiles.get("prod")
    before = control.state("shop-prod")["stored_version"]
    done = set_version(ctx, prod, "1.0.9", Consent(confirm="prod"))
    assert done.status == "succeeded", done.message

    def answer(dialog):
        assert not dialog.ok_button.isEnabled()  # the typed name first
        dialog.consent_panel.name_edit.setText("prod")
        return True

    seen = record_dialogs(monkeypatch, answer)
    tab = window.history_tab
    window.tabs.setCurrentWidget(tab)
    tab.refresh()
    for index in range(tab.table.topLevelItemCount()):
        item = tab.table.topLevelItem(index)
        if item.text(0) == str(done.run_id):
            item.setSelected(True)
    assert tab.undo_button.isEnabled()
    tab.undo_button.click()
    idle(qtbot, window)
    dialog = seen[-1]
    assert dialog.banner_colour == "amber" and "prod is protected" in dialog.banner.text()
    assert control.state("shop-prod")["stored_version"] == before
    assert ctx.history.get(done.run_id).undone_by is not None


def test_versions_show_when_first_seen_and_what_a_set_would_change(qtbot, window, control):
    """The server keeps no dates: each version says when the promoter first saw it; selecting one
    shows its plan against the live configuration, and reads nothing into the target."""
    before = control.state("shop-qa")
    window.environments.list.setCurrentRow(1)  # qa
    window.tabs.setCurrentWidget(window.versions_tab)
    tab = window.versions_tab
    qtbot.waitUntil(lambda: tab.table.topLevelItemCount() == 5, timeout=30000)
    seen = [tab.table.topLevelItem(i).text(3) for i in range(1, 5)]
    assert all(len(text) == len("2026-12-06 10:42") for text in seen), seen
    tab.table.topLevelItem(3).setSelected(True)  # 1.0.9
    idle(qtbot, window)
    assert tab.preview.shown == ("qa", "1.0.9")
    assert "If set now" in tab.preview.label.text()
    lines = plan_like(tab.preview.tree)
    assert any(line.startswith("Configuration changes") for line in lines), lines
    after = control.state("shop-qa")
    assert (after["stored_version"], after["cached_version"]) == (before["stored_version"], before["cached_version"])


def test_a_model_file_is_applied_through_the_same_plan_and_confirmation(
    qtbot, window, monkeypatch, control, tmp_path
):
    import json

    from app.gui.runtime import messages

    ctx = window.ctx
    with ctx.client(ctx.profiles.get("qa")) as client:
        model = client.get_model()
    model[0]["fields"]["memo"] = {"type": "string"}
    path = tmp_path / "model.json"
    path.write_text(json.dumps(model))
    (tmp_path / "broken.json").write_text("{not json")
    window.environments.list.setCurrentRow(1)  # qa
    monkeypatch.setattr(messages, "ask_open_file", lambda *a: str(tmp_path / "broken.json"))
    window.model_action.trigger()
    assert window.errors and "broken.json" in window.errors[-1]  # said; nothing read or written
    seen = record_dialogs(monkeypatch, lambda dialog: True)
    monkeypatch.setattr(messages, "ask_open_file", lambda *a: str(path))
    window.model_action.trigger()
    idle(qtbot, window)
    dialog = seen[-1]
    assert dialog.windowTitle() == "Apply model model file model.json → qa"
    lines = plan_like(dialog.tree)
    assert any("memo" in line for line in lines), lines
    assert any("the model only" in line for line in lines)
    assert control.state("shop-qa")["model"] == model
