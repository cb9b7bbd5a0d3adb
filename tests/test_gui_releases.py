"""Releases in the window (pytest-qt, headless): taken from an environment in the Releases dialog,
promoted to the next stage through the Promote tab's plan and confirmation; a promotion from a
source changed since its last verified write asks for its own tick."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from app.archive import releases
from app.engine.gates import Gate
from app.gui.promote import confirm
from app.gui.runtime import messages
from tests.helpers import edit_config
from tests.test_gui import idle

ORIGINAL = "return {sent: true, to: user.email};"
CONSOLE = "return {sent: true, to: 'console'};"


def _console_edit(doc: str) -> str:
    return doc.replace(ORIGINAL, CONSOLE)


def _confirming(qtbot, shown, tick: Gate | None = None):
    def consent(parent, source, target, plan):
        dialog = confirm.ConfirmPromotion(source, target, plan, parent)
        qtbot.addWidget(dialog)
        shown.append((dialog, plan.summary()))
        if dialog.name_edit is not None:
            dialog.name_edit.setText(target.name)
        for gate, box in dialog.ticks.items():
            if tick is None or gate is tick:
                box.setChecked(True)
        return dialog.consent if dialog.ok_button.isEnabled() else None

    return consent


def test_a_release_is_taken_and_promoted_to_the_next_stage_from_the_window(
    qtbot, window, sandbox, monkeypatch, tmp_path
):
    tab = window.promote_tab
    tab.source.setCurrentText("dev")
    tab.target.setCurrentText("qa")
    shown: list = []
    monkeypatch.setattr(confirm, "confirm_promotion", _confirming(qtbot, shown))
    tab.promote_button.click()
    idle(qtbot, window)
    assert tab.banner.text().startswith("Succeeded"), tab.banner.text()

    dialog = window.on_releases()
    answers = iter(["1.0", "signed off by QA"])
    monkeypatch.setattr(messages, "ask_choice", lambda *a: "qa")
    monkeypatch.setattr(messages, "ask_text", lambda *a, **k: next(answers))
    dialog.create_button.click()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=30000)
    idle(qtbot, window)
    cells = [dialog.table.item(0, c).text() for c in range(dialog.table.columnCount())]
    assert cells[0] == "1.0" and cells[1] == "qa (shop-qa)" and cells[3] == "yes" and cells[4] == "pinned"
    assert cells[5] == "signed off by QA"

    # qa changes in the console; the release still sends what was verified
    edit_config(sandbox.url, "shop-qa", _console_edit, tmp_path)
    dialog.select("1.0")
    assert dialog.promote_button.isEnabled()
    shown.clear()
    dialog.promote_button.click()
    idle(qtbot, window)
    assert shown and shown[0][1]["release"] == "1.0"
    assert "Release <b>1.0</b> (taken from qa)" in shown[0][0].findChildren(confirm.QLabel)[0].text()
    assert tab.banner.text().startswith("Succeeded"), tab.banner.text()
    run = window.ctx.history.runs()[0]
    assert run.source == "release 1.0" and run.target == "prod" and run.status == "succeeded"
    assert tab.release is None  # the next Promote is of the pickers' pair again

    # promote qa prod now: qa's console change was never verified: its own tick, recorded
    shown.clear()
    monkeypatch.setattr(confirm, "confirm_promotion", _confirming(qtbot, shown))
    tab.source.setCurrentText("qa")
    tab.target.setCurrentText("prod")
    tab.promote_button.click()
    idle(qtbot, window)
    dialog_shown, summary = shown[0]
    assert Gate.UNVERIFIED_SOURCE in dialog_shown.ticks
    assert dialog_shown.ticks[Gate.UNVERIFIED_SOURCE].text() == "Send a source state that was never verified"
    assert any("Send confirmation" in line for line in summary["source_drift"])
    assert tab.banner.text().startswith("Succeeded"), tab.banner.text()
    assert window.ctx.history.runs()[0].plan["unverified_source_accepted"] is True

    # removing the pinned release asks first
    monkeypatch.setattr(messages, "ask_yes_no", lambda *a: True)
    dialog.select("1.0")
    dialog.remove_button.click()
    assert releases.releases(window.ctx.archive) == [] and dialog.table.rowCount() == 0
    assert not window.errors
