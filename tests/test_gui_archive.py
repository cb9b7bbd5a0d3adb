"""The Archive tab and the window's backup and bundle actions, through the real window."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from app.engine.promote import plan_promotion
from app.gui import messages
from tests.test_gui import idle


def test_plan_reads_are_kept_apart_and_the_counts_agree(qtbot, window):
    ctx = window.ctx
    dev, qa = ctx.profiles.get("dev"), ctx.profiles.get("qa")
    for _ in range(2):
        assert plan_promotion(ctx, dev, qa).ok
    window.backup_action.trigger()
    idle(qtbot, window)
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
    from app.engine import operations

    operations.export(window.ctx, window.ctx.profiles.get("qa"))
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
