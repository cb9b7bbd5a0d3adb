"""The Backups dialog and the status bar's schedule, in the window (pytest-qt).

This machine has no systemd user instance: the schedule goes into a fake ``crontab`` on PATH (see
tests/test_schedule.py's System), which the window installs into and reads back for real."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt, QTime

from tests.test_schedule import System


def _idle(qtbot, window) -> None:
    qtbot.waitUntil(lambda: not window.jobs.active, timeout=30000)


def test_the_backups_dialog_installs_and_removes_a_schedule(qtbot, window, tmp_path, monkeypatch):
    system = System(tmp_path / "system")
    monkeypatch.setenv("PATH", str(system.bin))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(system.config))
    label = window.schedule_label
    label.refresh()
    _idle(qtbot, window)
    assert label.text() == "backups: not scheduled"
    assert f"Backups of this home: {window.home.root}" in label.toolTip()

    dialog = window.on_backups()
    _idle(qtbot, window)
    assert dialog.state is not None and not dialog.state.installed
    assert "not scheduled" in dialog.state_text.text() and dialog.install_button.text() == "&Install"
    dialog.how_often.setCurrentIndex(0)
    dialog.at.setTime(QTime(2, 30))
    dialog.all_environments.setChecked(False)
    dialog.environments.item(2).setCheckState(Qt.CheckState.Unchecked)  # prod left out
    qtbot.mouseClick(dialog.install_button, Qt.MouseButton.LeftButton)
    _idle(qtbot, window)
    assert "Added this home's line to the crontab: daily 02:30" in dialog.message.text()
    assert len(system.lines()) == 1 and "backup dev qa --scheduled --drill weekly" in system.lines()[0]
    assert dialog.state.drill == "weekly"  # read back from the system: drills follow the backups
    assert label.text() == "backups: daily 02:30 · not run yet", label.text()
    assert dialog.install_button.text() == "&Change" and "runs: daily 02:30" in dialog.state_text.text()

    window.backup_action.trigger()  # a backup run is the schedule's last run
    _idle(qtbot, window)
    assert label.text() == "backups: daily 02:30 · last just now ✓", label.text()

    dialog.how_often.setCurrentIndex(1)  # every N hours
    dialog.drill.setCurrentIndex(0)  # no restore drills
    dialog.hours.setCurrentIndex(dialog.hours.findData(12))
    qtbot.mouseClick(dialog.install_button, Qt.MouseButton.LeftButton)
    _idle(qtbot, window)
    assert len(system.lines()) == 1 and system.lines()[0].startswith("30 2-23/12 * * *")
    assert "--drill" not in system.lines()[0]
    assert label.text().startswith("backups: every 12 h from 02:30 · last"), label.text()

    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    _idle(qtbot, window)
    assert system.lines() == [] and label.text() == "backups: not scheduled"
    assert "not scheduled" in dialog.state_text.text() and not dialog.remove_button.isEnabled()

    dialog.keep_per_kind.setValue(7)
    dialog.save_keep.click()
    assert window.ctx.user_settings.keep_per_kind == 7 and "Retention saved" in dialog.message.text()
    dialog.close()
    assert window.errors == []
