"""The Archive tab and the window's backup and bundle actions, through the real window."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from PySide6.QtWidgets import QMessageBox

from app.engine.ops.promote import plan_promotion
from app.gui.runtime import messages
from tests.test_gui import idle


def test_plan_reads_are_kept_apart_and_the_counts_agree(qtbot, window):
    ctx = window.ctx
    dev, qa = ctx.profiles.get("dev"), ctx.profiles.get("qa")
    for _ in range(2):
        assert plan_promotion(ctx, dev, qa).ok
    window.backup_action.trigger()
    idle(qtbot, window)
    window.findChild(QMessageBox, "backupResults").close()
    tab = window.archive_tab
    tab.refresh()
    everything = ctx.archive.entries()
    plans = [e for e in everything if e.kind == "plan"]
    assert plans and len(plans) < len(everything)
    rows = [tab.model.entry(r) for r in range(tab.model.rowCount())]
    assert rows and all(e.kind != "plan" for e in rows)
    shown = tab.model.rowCount()
    assert tab.count.text().startswith(f"{shown} of {len(everything)} entries in"), tab.count.text()
    assert f"{len(plans)} plan reads" in tab.count.text()
    tab.show_plans.setChecked(True)
    assert any(tab.model.entry(r).kind == "plan" for r in range(tab.model.rowCount()))
    assert "plan read" not in tab.count.text()
    tab.filter.setText("backup")
    filtered = tab.model.rowCount()
    assert 0 < filtered < len(everything)
    assert tab.count.text().startswith(f"{filtered} of {len(everything)} entries in"), tab.count.text()


def test_export_bundle_into_a_new_name_and_a_busy_folder(qtbot, window, monkeypatch, tmp_path):
    from app.engine.reads import one_target

    one_target.export(window.ctx, window.ctx.profiles.get("qa"))
    tab = window.archive_tab
    tab.refresh()
    errors: list[tuple[str, str]] = []
    monkeypatch.setattr(messages, "show_error", lambda _p, m, d="": errors.append((m, d)))
    new = tmp_path / "usb" / "typed-name"
    monkeypatch.setattr(messages, "ask_new_folder", lambda *a: str(new))
    tab.buttons["Export bundle…"].click()
    idle(qtbot, window)
    assert tab.status.text().startswith("Exported 1 entry"), tab.status.text()
    assert (new / "SHA256SUMS").is_file() and not errors
    tab.buttons["Export bundle…"].click()  # the same folder again: it is not empty now
    idle(qtbot, window)
    assert len(errors) == 1
    message, details = errors[0]
    assert "not empty" in message and "manifest.json" in message and "new folder name" in message
    assert "UsageError" not in message + details and details == ""


def test_back_up_all_shows_each_environment_and_the_tooltips_follow_at_once(qtbot, window, secret_store):
    from app.profile import Profile

    gone = window.ctx.profiles.upsert(
        Profile(name="gone", base_url="http://127.0.0.1:9", app="shop-qa", auth="keys", stage=4)
    )
    secret_store.set(gone, "master:user")
    window.environments.refresh()
    tips = {
        window.environments.list.item(r).data(256): window.environments.list.item(r).toolTip()
        for r in range(window.environments.list.count())
    }
    assert "last backup: never" in tips["qa"]
    window.backup_action.trigger()
    idle(qtbot, window)
    box = window.findChild(QMessageBox, "backupResults")
    assert box is not None and box.isVisible()
    lines = box.informativeText().splitlines()
    by_env = {line.split()[1].rstrip(":"): line for line in lines}
    assert set(by_env) == {"dev", "qa", "prod", "gone"}
    qa_backup = window.ctx.archive.entries("qa", "backup")[0]
    assert by_env["qa"].startswith("✓") and f"backup #{qa_backup.id}" in by_env["qa"], by_env["qa"]
    assert by_env["gone"].startswith("✗") and "could not reach" in by_env["gone"], by_env["gone"]
    assert "Backed up 3 of 4 environments" in box.text()
    for r in range(window.environments.list.count()):  # no F5: the tooltips already say it
        item = window.environments.list.item(r)
        if item.data(256) == "qa":
            assert "last backup: never" not in item.toolTip() and "(succeeded)" in item.toolTip()
        if item.data(256) == "gone":
            assert "(failed)" in item.toolTip()
    box.close()
    window.backup_action.trigger()  # again: nothing new, and it says which backup holds it
    idle(qtbot, window)
    box = window.findChild(QMessageBox, "backupResults")
    qa_line = next(line for line in box.informativeText().splitlines() if " qa:" in line)
    assert f"unchanged since backup #{qa_backup.id}" in qa_line, qa_line
    box.close()
    secret_store.delete(gone)
