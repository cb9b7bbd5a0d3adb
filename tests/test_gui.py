"""The window, driven with pytest-qt against the sandbox: plan, promote, history."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from app.gui.main_window import MainWindow
from tests.engine_helpers import wire


@pytest.fixture
def window(qtbot, tmp_path, sandbox, secret_store):
    ctx = wire(tmp_path / "home", sandbox, secret_store)
    ctx.close()
    win = MainWindow(ctx.home, secret_store, demo=True)
    qtbot.addWidget(win)
    win.show()
    yield win
    for name in ("dev", "qa", "prod"):
        secret_store.delete(name)


def _wait_idle(qtbot, win):
    qtbot.waitUntil(lambda: win._thread is None, timeout=60000)


def test_plan_then_promote_dev_to_qa(qtbot, window, tmp_path):
    assert window.source.currentText() == "dev" and window.target.currentText() == "qa"
    window.plan_button.click()
    _wait_idle(qtbot, window)
    assert window.banner.text().startswith("dry run")
    texts = [window.plan_tree.topLevelItem(i).text(0) for i in range(window.plan_tree.topLevelItemCount())]
    assert texts[0] == "Validation: always" and texts[1] == "Model changes: 4"
    window.ask_confirmation = lambda source, target: True
    window.promote_button.click()
    _wait_idle(qtbot, window)
    assert window.banner.text().startswith("succeeded"), window.banner.text()
    steps = [window.steps.item(i).text() for i in range(window.steps.count())]
    assert all("failed" not in s for s in steps) and any("Verify — done" in s for s in steps)
    assert window.history.topLevelItemCount() == 2
    assert window.history.topLevelItem(0).text(5) == "succeeded"
    window.grab().save(str(tmp_path / "window.png"))


def test_protected_target_needs_its_name(qtbot, window, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    window.source.setCurrentText("qa")
    assert window.target.currentText() == "prod"
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("wrong", True)))
    window.promote_button.click()
    assert window._thread is None and window.history.topLevelItemCount() == 0
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("prod", True)))
    window.promote_button.click()
    _wait_idle(qtbot, window)
    assert window.banner.text().startswith("succeeded"), window.banner.text()
