"""The window's Security section and its consent: a tick and a reason in words (pytest-qt, headless)."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from app.engine.gates import Gate
from app.gui.promote import confirm
from tests.helpers import edit_config, set_view_cell
from tests.test_gui import idle, plan_texts


def _orders_readers(roles: str, code: str | None = None):
    def edit(doc: str) -> str:
        doc = set_view_cell(doc, "orders", "AllowSelectRoles", roles)
        return doc.replace("return {sent: true, to: user.email};", code) if code else doc

    return edit


def _find(tree, prefix):
    stack = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    while stack:
        item = stack.pop()
        if item.text(0).startswith(prefix):
            return item
        stack += [item.child(j) for j in range(item.childCount())]
    raise AssertionError(prefix)


def test_security_section_and_its_consent(qtbot, window, sandbox, monkeypatch, tmp_path):
    edit_config(sandbox.url, "shop-prod", _orders_readers("Developer,Admin"), tmp_path)
    edit_config(sandbox.url, "shop-qa", _orders_readers("everyone", "return {sent: true};"), tmp_path)
    tab = window.promote_tab
    tab.source.setCurrentText("qa")
    tab.target.setCurrentText("prod")
    tab.plan_button.click()
    idle(qtbot, window)
    texts = plan_texts(tab)
    assert "Security: 1 widening access, 0 narrowing, 1 server-side code" in texts, texts
    widened = next(t for t in texts if t.startswith("widens: View[orders].AllowSelectRoles"))
    assert "'Developer,Admin' -> 'everyone'" in widened
    assert any(t.startswith("code: Rule[orders.Send confirmation]") for t in texts)
    code = _find(tab.plan_tree, "code: Rule[orders.Send confirmation]")
    assert "return {sent: true};" in code.data(0, 256).columns["Code"][1]  # double-click: its code

    shown = []

    def consent(parent, source, target, summary):
        dialog = confirm.ConfirmPromotion(source, target, summary, parent)
        qtbot.addWidget(dialog)
        shown.append(dialog)
        assert Gate.SECURITY in dialog.gates and dialog.reason_edit is not None
        dialog.name_edit.setText("prod")
        assert not dialog.ok_button.isEnabled()  # the name alone is not enough
        dialog.ticks[Gate.SECURITY].setChecked(True)
        assert not dialog.ok_button.isEnabled()  # nor the tick without words
        dialog.reason_edit.setText("    ")
        assert not dialog.ok_button.isEnabled()  # nor spaces
        dialog.reason_edit.setText("  orders are public from 2.0 ")
        assert dialog.ok_button.isEnabled()
        return dialog.consent

    monkeypatch.setattr(confirm, "confirm_promotion", consent)
    tab.promote_button.click()
    idle(qtbot, window)
    assert shown, "the confirmation was shown"
    assert tab.banner.text().startswith("Succeeded"), tab.banner.text()
    run = window.ctx.history.runs()[0]
    assert run.plan["security"]["reason"] == "orders are public from 2.0"
    assert not window.errors
