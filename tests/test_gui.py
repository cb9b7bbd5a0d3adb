"""The window, driven with pytest-qt against the sandbox (headless)."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

import itertools
import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from app.engine.gates import Consent, Gate
from app.gui.main_window import MainWindow
from app.gui.promote import confirm
from app.gui.runtime import messages


@pytest.fixture(autouse=True)
def no_leaks(qapp):
    before = set(QApplication.topLevelWidgets())
    yield
    QApplication.processEvents()
    leaked = [w for w in QApplication.topLevelWidgets() if w not in before and w.isVisible()]
    assert not leaked, f"windows left open: {leaked}"


def idle(qtbot, win, timeout=60000):
    qtbot.waitUntil(lambda: not win.jobs.running, timeout=timeout)


def plan_texts(tab):
    tree = tab.plan_tree
    out = []
    for i in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(i)
        out.append(item.text(0))
        stack = [item]
        while stack:
            node = stack.pop()
            for j in range(node.childCount()):
                out.append(node.child(j).text(0))
                stack.append(node.child(j))
    return out


def steps(tab):
    return {
        tab.steps.item(i).text().split(" — ")[0][2:]: tab.steps.item(i).text().split(" — ")[1]
        for i in range(tab.steps.count())
    }


def accept_with_dialog(record):
    def confirm_fn(parent, source, target, summary):
        dialog = confirm.ConfirmPromotion(source, target, summary, parent)
        record.append(dialog)
        if dialog.name_edit is not None:
            dialog.name_edit.setText(target.name)
        for box in dialog.ticks.values():
            box.setChecked(True)
        assert dialog.ok_button.isEnabled()
        return dialog.consent

    return confirm_fn


def test_environments_are_listed_with_connection_dots(window):
    items = [window.environments.list.item(i).text() for i in range(window.environments.list.count())]
    assert items[0].startswith("1. dev") and items[2].startswith("3. prod  [protected]")
    assert all(state == "ok" for state, _why in window.environments.states.values())
    assert "Keyring:" in window.keyring_label.text()


def test_plan_then_promote_dev_to_qa(qtbot, window, monkeypatch, tmp_path):
    tab = window.promote_tab
    assert tab.source.currentText() == "dev" and tab.target.currentText() == "qa"
    tab.plan_button.click()
    idle(qtbot, window)
    assert tab.banner.text().startswith("Plan of dev → qa ready. Safe")
    texts = plan_texts(tab)
    for expected in (
        "Validation: safe (always): the target accepts this model without data loss",
        "Model changes: 4",
        "+ object coupons",
        "+ field products.sku",
        "+ orders.Apply coupon",
    ):
        assert expected in texts, (expected, texts)
    assert any(t.startswith("~ field orders.status") for t in texts)
    assert "defaultValue: 'new' → 'pending'" in texts
    dialogs = []
    monkeypatch.setattr(confirm, "confirm_promotion", accept_with_dialog(dialogs))
    tab.promote_button.click()
    idle(qtbot, window)
    assert dialogs, "the confirmation was shown"
    assert tab.banner.text().startswith("Succeeded"), tab.banner.text()
    states = steps(tab)
    assert states["Verify"] == "done" and "failed" not in states.values()
    table = window.history_tab.table
    runs = [table.topLevelItem(i) for i in range(table.topLevelItemCount())]
    writes = [item for item in runs if item.text(2) != "profile"]  # (the profiles' own records)
    assert len(writes) == 1, "a plan records no history run"
    assert writes[0].text(5) == "succeeded"
    assert not window.errors
    window.grab().save(str(tmp_path / "promote.png"))


def test_protected_target_refuses_until_the_name_is_typed(qtbot, window):
    from app.engine.ops.promote import plan_promotion

    ctx = window.ctx
    dev, qa, prod = (ctx.profiles.get(n) for n in ("dev", "qa", "prod"))
    into_prod = plan_promotion(ctx, qa, prod).planned
    dialog = confirm.ConfirmPromotion(qa, prod, into_prod)
    qtbot.addWidget(dialog)
    assert set(dialog.gates) == {Gate.PROTECTED}
    assert not dialog.ok_button.isEnabled()
    dialog.name_edit.setText("pro")
    assert not dialog.ok_button.isEnabled()
    dialog.name_edit.setText("prod")
    assert dialog.ok_button.isEnabled()
    backwards = plan_promotion(ctx, qa, dev).planned  # dev has coupons, qa has not: dropped
    lossy = confirm.ConfirmPromotion(qa, dev, backwards)
    qtbot.addWidget(lossy)
    assert {Gate.DATA_LOSS, Gate.STAGE_SKIPPED} <= set(lossy.gates)
    assert not lossy.ok_button.isEnabled()
    lossy.ticks[Gate.DATA_LOSS].setChecked(True)
    assert not lossy.ok_button.isEnabled()  # one tick per gate
    lossy.ticks[Gate.STAGE_SKIPPED].setChecked(True)
    assert lossy.ok_button.isEnabled() and lossy.consent.allow_data_loss


def test_the_banner_tells_the_truth_before_the_confirmation(qtbot, window, monkeypatch):
    """Green "Safe" only when no gate applies: a plan that skips a stage into protected prod is amber
    with its reasons in words; a plan with nothing to promote says so and offers no Promote."""
    tab = window.promote_tab
    tab.source.setCurrentText("dev")
    tab.target.setCurrentText("prod")
    tab.plan_button.click()
    idle(qtbot, window)
    text = tab.banner.text()
    assert text.startswith("Plan of dev → prod ready. Needs your consent:"), text
    assert "prod is protected" in text and "next stage" in text and "Safe" not in text
    assert "ef6c00" in tab.banner.styleSheet()  # amber
    assert tab.promote_button.isEnabled()
    from app.engine.ops.promote import promote
    from app.engine.reads.plan import PromoteOptions

    ctx = window.ctx
    assert promote(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions()).ok
    tab.source.setCurrentText("dev")
    tab.target.setCurrentText("qa")
    tab.plan_button.click()
    idle(qtbot, window)
    assert tab.banner.text().startswith("Nothing to promote: qa already holds"), tab.banner.text()
    assert not tab.promote_button.isEnabled()
    asked = []
    monkeypatch.setattr(confirm, "confirm_promotion", lambda *a: asked.append(a))
    tab.on_promote()  # (the shortcut): no typed name is asked for nothing
    assert not asked
    tab.target.setCurrentText("prod")  # another pair: its own plan (none yet) decides, not qa's
    assert tab.promote_button.isEnabled()
    tab.target.setCurrentText("qa")
    assert not tab.promote_button.isEnabled()


def test_not_confirming_writes_nothing(qtbot, window, monkeypatch, control):
    before = control.state("shop-prod")
    monkeypatch.setattr(confirm, "confirm_promotion", lambda *a: None)
    window.promote_tab.source.setCurrentText("qa")
    assert window.promote_tab.target.currentText() == "prod"
    window.promote_tab.promote_button.click()
    idle(qtbot, window)
    after = control.state("shop-prod")
    assert after["stored_version"] == before["stored_version"] and after["model"] == before["model"]
    assert "not confirmed" in window.promote_tab.log.toPlainText()


def test_a_fault_marks_the_step_and_shows_the_rollback(qtbot, window, monkeypatch, control):
    control.fault(path="/1/app/upload", app="shop-qa", status=500, body="disk full on the server")
    monkeypatch.setattr(confirm, "confirm_promotion", accept_with_dialog([]))
    window.promote_tab.promote_button.click()
    idle(qtbot, window)
    states = steps(window.promote_tab)
    assert states["Upload configuration"] == "failed"
    assert states["Roll back: Restore configuration"] == "done" and states["Apply model"] == "rolled back"
    banner = window.promote_tab.banner.text()
    assert (
        banner.startswith("Rolled back:")
        and "disk full on the server" in banner
        and "as it was before" in banner
    )


def test_cancel_during_the_config_transfer(qtbot, window, monkeypatch, control, client_for, tmp_path):
    from tests.helpers import big_config_zip

    dev = client_for("shop-dev")
    dev.upload_config(big_config_zip(tmp_path / "big.zip", 12))
    dev.reload_cache()
    qa_before = control.state("shop-qa")
    control.fault(path="/1/app/upload", app="shop-qa", delay=1.5)
    monkeypatch.setattr(confirm, "confirm_promotion", accept_with_dialog([]))
    tab = window.promote_tab
    tab.promote_button.click()
    qtbot.waitUntil(lambda: tab.progress.format().startswith("Upload configuration"), timeout=60000)
    tab.cancel_button.click()
    idle(qtbot, window)
    # a cancel the user asked for, after something was written: amber, no pop-up, sentences
    banner = tab.banner.text()
    assert banner.startswith("Upload cancelled by the user. It was rolled back: qa is as it was"), banner
    assert "#ef6c00" in tab.banner.styleSheet() and window.errors == []
    assert tab.progress.format() == "cancelled"
    after = control.state("shop-qa")
    assert after["model"] == qa_before["model"] and not after["cache_stale"]


def test_versions_set_and_export_through_the_ui(qtbot, window, monkeypatch, control):
    from app.engine.gates import Consent
    from app.gui.writes import write_door

    monkeypatch.setattr(write_door, "confirm_write", lambda *a: Consent())
    env = window.environments
    env.list.setCurrentRow(1)  # qa
    window.tabs.setCurrentWidget(window.versions_tab)
    tab = window.versions_tab
    qtbot.waitUntil(lambda: tab.table.topLevelItemCount() == 5, timeout=30000)
    assert tab.table.topLevelItem(0).text(1).startswith("✓ live")
    assert "keeps only the 5 newest" in tab.header.text()
    tab.table.topLevelItem(2).setSelected(True)  # 1.0.10
    tab.export_button.click()
    qtbot.waitUntil(
        lambda: tab.table.topLevelItemCount() == 5 and tab.table.topLevelItem(2).text(2) == "✓", timeout=30000
    )
    tab.table.clearSelection()
    tab.table.topLevelItem(3).setSelected(True)  # 1.0.9
    tab.set_button.click()
    idle(qtbot, window)
    assert control.state("shop-qa")["cached_version"] == "1.0.9"
    assert tab.status.text().startswith("succeeded")


def test_archive_restore_verify_compare_through_the_ui(qtbot, window, monkeypatch, control):
    from app.engine.reads import one_target

    qa = window.ctx.profiles.get("qa")
    first = one_target.export(window.ctx, qa)
    with window.ctx.client(qa) as client:
        client.set_version("1.0.9")
    second = one_target.export(window.ctx, qa)
    tab = window.archive_tab
    tab.refresh()
    assert tab.model.rowCount() == 2
    tab.filter.setText("qa")
    assert tab.model.rowCount() == 2
    tab.filter.setText("no-such-thing")
    assert tab.model.rowCount() == 0
    tab.filter.clear()
    tab.select_ids([first.id, second.id])
    tab.buttons["Compare two"].click()
    idle(qtbot, window)  # the comparison runs as a job
    lines = plan_like(tab.compare_dialog.tree)
    assert "Differences: 3" in lines and "- reviews.Recompute rating" in lines
    tab.compare_dialog.close()
    tab.buttons["Verify"].click()
    idle(qtbot, window)
    assert "2 good, 0 with problems" in tab.status.text()
    tab.select_ids([first.id])
    from app.engine.gates import Consent
    from app.gui.writes import write_door

    monkeypatch.setattr(messages, "ask_choice", lambda *a: "qa")
    monkeypatch.setattr(write_door, "confirm_write", lambda *a: Consent())
    tab.buttons["Restore to…"].click()
    idle(qtbot, window)
    assert tab.status.text().startswith("succeeded"), tab.status.text()
    assert control.state("shop-qa")["cached_version"] == "1.1.1"


def plan_like(tree):
    out = []
    stack = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    while stack:
        node = stack.pop()
        out.append(node.text(0))
        stack.extend(node.child(j) for j in range(node.childCount()))
    return out


def test_add_an_environment_with_the_editor(qtbot, window, sandbox, monkeypatch):
    from app.sandbox import seed

    creds = {r["app"]: r for r in seed.credentials(sandbox.store)}["shop-prod"]
    dialog = window.environments.open_dialog(None)
    qtbot.addWidget(dialog)
    dialog.name.setText("prod2")
    dialog.url.setText(sandbox.url)
    dialog.app.setText("shop-prod")
    dialog.auth.setCurrentText("keys")
    dialog.stage.setValue(4)
    dialog.secret.setText(f"{creds['master_token']}:{creds['user_token']}")
    dialog.test_button.click()
    qtbot.waitUntil(lambda: dialog.test_result.text().startswith(("✓", "✗")), timeout=30000)
    assert dialog.test_result.text().startswith("✓ Connected")
    dialog.on_save()
    assert dialog.result() == 1
    prod2 = window.ctx.profiles.get("prod2")
    assert window.ctx.secrets.get(prod2) == f"{creds['master_token']}:{creds['user_token']}"
    window.refresh()
    assert window.environments.list.count() == 4
    edit = window.environments.open_dialog(window.ctx.profiles.get("prod2"))
    qtbot.addWidget(edit)
    assert edit.secret.text() == "" and "leave empty" in edit.secret.placeholderText()
    window.ctx.secrets.delete(prod2)


def test_password_environment_signs_in_off_the_gui_thread(qtbot, window, sandbox, monkeypatch):
    import threading

    from app.engine import connect
    from app.sandbox import seed

    threads: list[threading.Thread] = []
    sign_in = connect.login

    def recorded(*args, **kwargs):
        threads.append(threading.current_thread())
        return sign_in(*args, **kwargs)

    monkeypatch.setattr(connect, "login", recorded)
    dialog = window.environments.open_dialog(None)
    qtbot.addWidget(dialog)
    dialog.name.setText("qa-pass")
    dialog.url.setText(sandbox.url)
    dialog.app.setText("shop-qa")
    dialog.auth.setCurrentText("password")
    dialog.username.setText(seed.ADMIN[0])
    dialog.stage.setValue(5)
    dialog.secret.setText("wrong")
    dialog.on_save()
    qtbot.waitUntil(lambda: dialog.test_result.text().startswith("✗"), timeout=30000)
    assert "incorrect" in dialog.test_result.text() and "qa-pass" not in [
        p.name for p in window.ctx.profiles.load()
    ]
    dialog.secret.setText(seed.ADMIN[1])
    dialog.on_save()
    qtbot.waitUntil(lambda: dialog.result() == 1, timeout=30000)
    qa_pass = window.ctx.profiles.get("qa-pass")
    assert window.ctx.secrets.get(qa_pass) and window.ctx.secrets.get(qa_pass, "refresh")
    assert seed.ADMIN[1] not in (window.ctx.home.root / "profiles.json").read_text()
    assert len(threads) == 2 and threading.main_thread() not in threads  # each sign-in on a worker
    window.ctx.secrets.delete(qa_pass)


@pytest.mark.slow
def test_window_stays_responsive_during_a_30_mib_promotion(
    qtbot, tmp_path, tmp_path_factory, secret_store, monkeypatch
):
    from app.backand import BackandClient, PasswordLogin
    from app.sandbox import seed
    from tests.helpers import SandboxProcess, big_config_zip

    proc = SandboxProcess(tmp_path_factory.mktemp("sandbox-home"))
    try:
        client = BackandClient(proc.url, "shop-dev", PasswordLogin(seed.ADMIN[0]))
        client.sign_in(seed.ADMIN[1])
        client.upload_config(big_config_zip(tmp_path / "big.zip", 30))
        client.reload_cache()
        from app.engine.context import Context
        from app.paths import Home
        from app.profile import Profile

        ctx = Context(Home(tmp_path / "home"), secret_store)
        for name, app, stage in (("dev", "shop-dev", 1), ("qa", "shop-qa", 2)):
            saved = ctx.profiles.upsert(
                Profile(name=name, base_url=proc.url, app=app, auth="token", stage=stage)
            )
            secret_store.set(saved, client.credentials.access_token)
        ctx.close()
        win = MainWindow(ctx.home, secret_store)
        # not qtbot.addWidget: see the window fixture in conftest.py
        win.show()
        monkeypatch.setattr(confirm, "confirm_promotion", accept_with_dialog([]))
        import time

        ticks: list[float] = []
        timer = QTimer()
        timer.setInterval(5)
        timer.timeout.connect(lambda: ticks.append(time.monotonic()))
        timer.start()
        win.promote_tab.promote_button.click()
        qtbot.waitUntil(
            lambda: not win.jobs.running and win.promote_tab.banner.text().startswith("Succeeded"),
            timeout=180000,
        )
        timer.stop()
        gaps = sorted(b - a for a, b in itertools.pairwise(ticks))
        assert len(ticks) > 100
        assert gaps[-1] < 0.5, f"the GUI thread stalled {gaps[-1] * 1000:.0f} ms"
        win.close()
        qtbot.waitUntil(lambda: not win.isVisible() and not win.jobs.active, timeout=60000)
        win.deleteLater()
        for profile in ctx.profiles.load():
            secret_store.delete(profile)
    finally:
        proc.stop()


def test_dev_to_prod_needs_the_same_consent_as_the_cli(qtbot, window, monkeypatch, control):
    before = control.state("shop-prod")
    tab = window.promote_tab
    tab.source.setCurrentText("dev")
    tab.target.setCurrentText("prod")
    shown = []

    def only_the_name(parent, source, target, summary):
        dialog = confirm.ConfirmPromotion(source, target, summary, parent)
        shown.append(dialog)
        dialog.name_edit.setText("prod")
        assert Gate.STAGE_SKIPPED in dialog.ticks and not dialog.ok_button.isEnabled()
        return Consent(confirm="prod")  # what a window that ignored the stage gate would send

    monkeypatch.setattr(confirm, "confirm_promotion", only_the_name)
    tab.promote_button.click()
    idle(qtbot, window)
    assert shown, "the confirmation was shown"
    assert tab.banner.text().startswith("Refused") and "promotions go to the next stage" in tab.banner.text()
    assert control.state("shop-prod")["model"] == before["model"]
    monkeypatch.setattr(confirm, "confirm_promotion", accept_with_dialog([]))  # ticks the stage box
    tab.promote_button.click()
    idle(qtbot, window)
    assert tab.banner.text().startswith("Succeeded"), tab.banner.text()


def test_back_up_all_and_bundles_from_the_window(qtbot, window, monkeypatch, tmp_path):
    from PySide6.QtWidgets import QMessageBox

    window.backup_action.trigger()
    idle(qtbot, window)
    assert "Backed up 3 of 3 environments" in window.statusBar().currentMessage()
    window.findChild(QMessageBox, "backupResults").close()  # the per-environment result
    kinds = {e.kind for e in window.ctx.archive.entries()}
    assert {"backup", "version"} <= kinds
    window.environments.refresh()
    assert "last backup: " in window.environments.list.item(0).toolTip()
    assert "never" not in window.environments.list.item(0).toolTip()
    assert window.schedule_label.text().startswith("backups:")
    bundle = tmp_path / "bundle"
    monkeypatch.setattr(messages, "ask_new_folder", lambda *a: str(bundle))
    monkeypatch.setattr(messages, "ask_folder", lambda *a: str(bundle))
    tab = window.archive_tab
    tab.buttons["Export bundle…"].click()
    idle(qtbot, window)
    assert tab.status.text().startswith("Exported") and (bundle / "SHA256SUMS").exists()
    tab.buttons["Import bundle…"].click()
    idle(qtbot, window)
    assert tab.status.text().startswith("Added 0 entries"), tab.status.text()


def test_a_plan_never_goes_stale_on_show(qtbot, window, monkeypatch, control):
    tab = window.promote_tab
    tab.plan_button.click()
    idle(qtbot, window)
    assert tab.plan_tree.topLevelItemCount() > 0 and "dev → qa" in tab.banner.text()
    tab.target.setCurrentText("prod")  # another pair: the dev → qa plan is not shown as if it were its
    assert tab.plan_tree.topLevelItemCount() == 0
    assert "Plan ready" not in tab.banner.text() and "dev → prod" in tab.banner.text()
    assert tab.progress.format() == "idle" and tab.progress.value() == 0
    tab.target.setCurrentText("qa")  # back: the recent dev → qa plan is shown again, with its time
    assert tab.plan_tree.topLevelItemCount() > 0 and "Plan of dev → qa ready" in tab.banner.text() and "Made at" in tab.banner.text()
    control.fault(path="/1/app/upload", app="shop-qa", delay=1.0)
    on_show_at_confirm = []
    accept = accept_with_dialog([])

    def confirm_and_note(parent, source, target, summary):
        on_show_at_confirm.append(tab.plan_tree.topLevelItemCount())
        return accept(parent, source, target, summary)

    monkeypatch.setattr(confirm, "confirm_promotion", confirm_and_note)
    tab.promote_button.click()  # the dev → qa plan made above is reused, and shown while confirming
    assert on_show_at_confirm and on_show_at_confirm[0] > 0
    qtbot.waitUntil(lambda: "Upload configuration" in tab.banner.text(), timeout=30000)
    assert tab.banner.text().startswith("Promoting dev → qa"), tab.banner.text()
    idle(qtbot, window)
    assert tab.banner.text().startswith("Succeeded")


def test_the_banner_names_the_step_still_under_way(qtbot, window, control):
    """The source's export and the target are read at once: when the target's read ends first, the
    banner names the export still downloading, not the step that has just ended."""
    tab = window.promote_tab
    control.fault(path="/1/app/download", app="shop-dev", delay=2.0)
    tab.plan_button.click()
    qtbot.waitUntil(
        lambda: any(
            "Read target configuration — done" in tab.steps.item(i).text() for i in range(tab.steps.count())
        ),
        timeout=30000,
    )
    assert tab.banner.text() == "Planning dev → qa: Download source configuration…", tab.banner.text()
    idle(qtbot, window)
    assert "ready" in tab.banner.text()


def test_a_plan_cancelled_while_the_export_is_built_ends_at_once_without_a_box(qtbot, window, control):
    """Cancel stops the plan while the server still builds the source's export (10 s here), and a
    cancel the user asked for, with nothing written, is said in the banner, not in an error box."""
    tab = window.promote_tab
    control.fault(path="/1/app/download", app="shop-dev", delay=10.0)
    tab.plan_button.click()
    qtbot.waitUntil(lambda: "Download source configuration" in tab.banner.text(), timeout=30000)
    began = time.monotonic()
    tab.cancel_button.click()
    idle(qtbot, window)
    assert time.monotonic() - began < 5  # generous: not the server's 10 s
    assert tab.banner.text() == "Plan cancelled. Nothing was written."  # not "Failed: …" in red
    assert tab.progress.format() == "cancelled" and window.errors == []


def test_the_first_run_says_what_to_do(qtbot, tmp_path, secret_store):
    from app.paths import Home

    win = MainWindow(Home(tmp_path / "empty-home"), secret_store)
    win.show()  # not qtbot.addWidget: see the window fixture in conftest.py
    assert "add your first one" in win.promote_tab.banner.text()
    assert "promoter demo" in win.promote_tab.banner.text()
    win.close()  # the overview's first read may still run: the window closes when it has ended
    qtbot.waitUntil(lambda: not win.isVisible() and not win.jobs.active, timeout=60000)
    win.deleteLater()


def test_history_shows_a_promotion_as_a_tree_and_its_steps(qtbot, window, monkeypatch):
    monkeypatch.setattr(confirm, "confirm_promotion", accept_with_dialog([]))
    window.promote_tab.promote_button.click()
    idle(qtbot, window)
    tab = window.history_tab
    tab.refresh()
    tab.table.setCurrentItem(tab.table.topLevelItem(0))
    texts = plan_like(tab.plan_tree)
    assert "+ object coupons" in texts and any(t.startswith("Validation") for t in texts)
    details = tab.details.toPlainText()
    assert "✓ Apply model" in details and "Archive entries: " in details
    assert "{" not in details, "no raw JSON"


def test_the_periodic_check_keeps_the_versions_selection(qtbot, window):
    window.environments.list.setCurrentRow(1)  # qa
    window.tabs.setCurrentWidget(window.versions_tab)
    tab = window.versions_tab
    qtbot.waitUntil(lambda: tab.table.topLevelItemCount() == 5, timeout=30000)
    tab.table.topLevelItem(3).setSelected(True)
    chosen = tab.selected_versions()
    window.environments.check_all()  # what the 60 s timer does
    idle(qtbot, window)
    assert tab.selected_versions() == chosen
    tab.refresh()  # an explicit refresh keeps it too
    idle(qtbot, window)
    qtbot.waitUntil(lambda: tab.table.topLevelItemCount() == 5, timeout=30000)
    assert tab.selected_versions() == chosen


def test_a_protected_set_keeps_ok_disabled_until_the_name_is_typed(qtbot, window):
    asked = messages.TypedNameDialog(window, "Protected environment", "Set prod to 1.0.9?", "prod")
    qtbot.addWidget(asked.dialog)
    assert not asked.ok.isEnabled()
    asked.edit.setText("prd")
    assert not asked.ok.isEnabled()
    asked.edit.setText("prod")
    assert asked.ok.isEnabled()


def test_archive_actions_keep_the_selection_and_the_id_comes_first(qtbot, window, monkeypatch):
    from app.engine.reads import one_target

    qa = window.ctx.profiles.get("qa")
    first = one_target.export(window.ctx, qa)
    tab = window.archive_tab
    tab.refresh()
    assert tab.model.headerData(0, Qt.Orientation.Horizontal) == "#"
    assert tab.count.text().startswith("1 entry in")
    tab.select_ids([first.id])
    tab.buttons["Pin / unpin"].click()
    assert [e.id for e in tab.selected()] == [first.id], "Pin keeps the selection"
    monkeypatch.setattr(messages, "ask_text", lambda *a: "a long note " * 20)
    tab.buttons["Note…"].click()
    assert window.ctx.archive.get(first.id).note.startswith("a long note")
    note_column = tab.model.index(0, 9)
    assert tab.model.data(note_column, Qt.ItemDataRole.ToolTipRole).startswith("a long note")


def test_the_keyring_is_named_as_a_person_would(window):
    text = window.keyring_label.text()
    assert text.startswith("Keyring: ") and "app.secrets" not in text and "keyring.backends" not in text
    assert window.keyring_label.toolTip()  # the technical name is one hover away


def test_help_about_names_version_qt_python_keyring_home_and_licence(window, monkeypatch):
    from app import __version__

    shown = []
    monkeypatch.setattr(messages, "show_info", lambda parent, title, text: shown.append(text))
    window.about_action.trigger()
    text = shown[0]
    for part in (__version__, "Qt ", "Python ", "Keyring: ", str(window.home.root), "Licence: MIT"):
        assert part in text, (part, text)


def test_the_user_guide_opens_inside_the_window_offline(qtbot, window, monkeypatch, tmp_path):
    """Help → User guide shows the README shipped as a resource, rendered, in a dialog: nothing is
    handed to an external viewer (there was none registered, and the menu did nothing)."""
    from PySide6.QtGui import QDesktopServices

    from app.gui import help_menu

    handed_out = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: handed_out.append(url) or False)
    window.guide_action.trigger()
    dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, help_menu.GuideDialog)]
    assert len(dialogs) == 1 and not handed_out
    dialog = dialogs[0]
    try:
        assert dialog.isVisible()
        text = dialog.browser.toPlainText()
        assert "Promoting from the terminal" in text and "## " not in text  # rendered Markdown
        assert "Environments that differ" in text
    finally:
        dialog.close()
    # an installed app ships no screenshots: a picture becomes its caption, never a broken image
    offline = help_menu.guide_markdown(base=tmp_path)
    assert offline is not None and "![" not in offline and "*[Promote: the plan of dev → qa]*" in offline


def test_a_long_home_path_does_not_widen_the_window_past_the_screen(qtbot, tmp_path, secret_store):
    """The status bar names the home; a long path is cut at the window's edge (whole in the tooltip)
    instead of setting the window's minimum width (it was ~800 px with a short path)."""
    from app.paths import Home

    deep = tmp_path.joinpath(*["a-rather-long-folder-name"] * 8, "home")
    win = MainWindow(Home(deep), secret_store)
    win.show()
    try:
        assert win.statusBar().minimumSizeHint().width() < 400  # 2,355 px before
        assert win.minimumSizeHint().width() <= 1024
        assert win.home_label.toolTip() == str(deep)
    finally:
        win.close()
        qtbot.waitUntil(lambda: not win.isVisible() and not win.jobs.active, timeout=60000)
        win.deleteLater()


def test_the_pickers_show_a_long_name_added_after_the_window_opened(qtbot, window):
    """A profile added later with a longer name than any before is shown whole in the pickers; a
    40-character name is cut, whole in the tooltip (it was cut to its first letters, with no way to
    read the rest); the window's least width does not grow with the names."""
    from app.profile import Profile

    window.resize(1280, 720)
    least = window.minimumSizeHint().width()
    tab = window.promote_tab
    window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.source.isVisible() and window.width() == 1280)
    qa = window.ctx.profiles.get("qa")
    for name in ("production-eu-west-1", "p" * 40):
        window.ctx.profiles.upsert(Profile(name=name, base_url=qa.base_url, app=qa.app, auth="keys", stage=9))
        window.refresh()
        tab.target.setCurrentText(name)
        target = tab.target
        qtbot.waitUntil(lambda t=target: t.width() == min(t.sizeHint().width(), t.maximumWidth()))
        needed = target.fontMetrics().horizontalAdvance(name)
        if len(name) <= 20:  # about 25 characters of a name are shown
            assert target.width() > needed, (name, target.width(), needed)
        else:
            assert target.width() < needed and target.toolTip() == name
    assert window.minimumSizeHint().width() == least


def test_adding_an_environment_keeps_the_pair_picked(qtbot, window):
    """dev → prod picked, then an environment added: the pair stays dev → prod (the target went
    back to the stage after dev, qa, and a plan of that pair was made)."""
    from app.profile import Profile

    tab = window.promote_tab
    window.tabs.setCurrentWidget(tab)
    tab.source.setCurrentText("dev")
    tab.target.setCurrentText("prod")
    qa = window.ctx.profiles.get("qa")
    window.ctx.profiles.upsert(Profile(name="staging", base_url=qa.base_url, app=qa.app, auth="keys", stage=1))
    window.refresh()
    assert tab.source.findText("staging") >= 0
    assert tab.picker.names() == ("dev", "prod")
    tab.source.setCurrentText("qa")  # another source: its next stage, as before
    assert tab.picker.names() == ("qa", "prod")


def test_the_window_is_never_made_smaller_than_its_layout_fits(qtbot, window):
    """Made small by hand (620×400), the window laid its widgets over each other, the pickers
    squeezed to an arrow; now it stops at the least size its layout fits (within the screen)."""
    screen = window.screen().availableGeometry().size()
    least = window.minimumSizeHint().boundedTo(screen)
    window.resize(620, 400)
    qtbot.waitUntil(lambda: window.width() >= least.width())  # (a resize is carried out later)
    assert window.minimumSize() == least and window.width() >= least.width()
    tab = window.promote_tab
    window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(tab.source.isVisible)
    if least == window.minimumSizeHint():  # the screen holds it: nothing is squeezed
        assert tab.source.width() >= tab.source.minimumWidth() > 40
