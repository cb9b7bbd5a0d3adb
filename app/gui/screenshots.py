"""Render the main screens to PNG files (``make screenshots``): sandbox, demo profiles, real plans.

Usage: ``python -m app.gui.screenshots OUTDIR`` (offscreen or under Xvfb). Each picture is a state
the README shows: the Overview, a plan, a restore's plan with its consistency warning, the Security
section of a plan and the confirmation with its gates, Versions, the Archive (also with plan reads),
History (also a profile change), the Backups dialog, the Rules dialog with a rule that matches
nothing, the user guide, and a plan on a dark palette.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QTreeWidget, QWidget

from app.backand import BackandClient, PasswordLogin
from app.engine.gates import Consent
from app.engine.reads import one_target as operations
from app.gui import help_menu
from app.gui.environments.rules_dialog import RulesDialog
from app.gui.main_window import MainWindow
from app.gui.promote import confirm
from app.gui.runtime import messages
from app.gui.writes import write_door
from app.sandbox import seed
from app.sandbox.demo import prepare
from app.sandbox.server import SandboxServer
from app.secrets import MemoryKeyring, SecretStore
from app.shaping.rules import Rule


def _wait(app: QApplication, condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not finish in time")
        app.processEvents()
        time.sleep(0.01)


def _shoot(app: QApplication, widget: QWidget, path: Path) -> None:
    for _ in range(5):
        app.processEvents()
    widget.grab().save(str(path))


def _orders_readers(url: str, app_name: str, roles: str, scratch: Path) -> None:
    """Who may read orders in *app_name*, changed as someone in the console would (a download, an
    edit of the app document, an upload): the Security section has something to show."""
    with BackandClient(url, app_name, PasswordLogin(seed.ADMIN[0])) as client:
        client.sign_in(seed.ADMIN[1])
        before, after = scratch / f"{app_name}-before.zip", scratch / f"{app_name}-after.zip"
        client.download_config(before)
        with zipfile.ZipFile(before) as src, zipfile.ZipFile(after, "w", zipfile.ZIP_DEFLATED) as out:
            first, *rest = src.namelist()
            doc = src.read(first).decode()
            head = re.search(r"<View>(?:(?!</View>).)*?<Name>orders</Name>", doc, re.S)
            if head is not None:
                end = doc.index("</View>", head.end())
                row = doc[head.start() : end]
                cell = f"<AllowSelectRoles>{roles}</AllowSelectRoles>"
                if "<AllowSelectRoles>" in row:
                    row = re.sub(r"<AllowSelectRoles>[^<]*</AllowSelectRoles>", cell, row)
                else:
                    row += f"  {cell}\n  "
                doc = doc[: head.start()] + row + doc[end:]
            out.writestr(first, doc.encode())
            for name in rest:
                out.writestr(name, src.read(name))
        client.upload_config(after)
        client.reload_cache()


def _expand(tree: QTreeWidget) -> None:
    tree.expandAll()


def _dark_palette() -> QPalette:
    palette = QPalette()
    for role, colour in (
        (QPalette.ColorRole.Window, "#2b2b2b"),
        (QPalette.ColorRole.WindowText, "#e0e0e0"),
        (QPalette.ColorRole.Base, "#1e1e1e"),
        (QPalette.ColorRole.AlternateBase, "#2b2b2b"),
        (QPalette.ColorRole.Text, "#e0e0e0"),
        (QPalette.ColorRole.Button, "#353535"),
        (QPalette.ColorRole.ButtonText, "#e0e0e0"),
        (QPalette.ColorRole.Highlight, "#3d6fa8"),
        (QPalette.ColorRole.HighlightedText, "#ffffff"),
        (QPalette.ColorRole.ToolTipBase, "#353535"),
        (QPalette.ColorRole.ToolTipText, "#e0e0e0"),
        (QPalette.ColorRole.PlaceholderText, "#9e9e9e"),
    ):
        palette.setColor(role, QColor(colour))
    return palette


def main(argv: list[str]) -> int:
    out = Path(argv[1] if len(argv) > 1 else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv[:1])
    app.setStyle("Fusion")  # the same look wherever the pictures are made
    with tempfile.TemporaryDirectory(prefix="promoter-shots-") as scratch:
        root = Path(scratch)
        server = SandboxServer(root / "sandbox").start()
        secrets = SecretStore(MemoryKeyring())
        try:
            home = prepare(root / "home", server.url, server, secrets)
            # prod lets developers read orders; qa opened them to everyone: qa → prod widens access
            _orders_readers(server.url, "shop-prod", "Developer,Admin", root)
            _orders_readers(server.url, "shop-qa", "everyone", root)
            window = MainWindow(home, secrets, demo=True)
            window.resize(1280, 720)
            window.show()
            _render(app, window, out, root)
            window.close()
        finally:
            server.stop()
    print(f"screenshots written to {out}")
    return 0


def _render(app: QApplication, window: MainWindow, out: Path, root: Path) -> None:
    ctx, tab = window.ctx, window.promote_tab

    def idle() -> None:
        _wait(app, lambda: not window.jobs.running)

    # prod backed up and its backup proven restorable (a drill in a scratch sandbox): its badge is
    # green, dev's and qa's say what they miss
    from app.engine.reads.backup_all import back_up_all
    from app.engine.reads.drill import drill_all

    prod = ctx.profiles.get("prod")
    back_up_all(ctx, [prod])
    drill_all(ctx, [prod])
    window.tabs.setCurrentWidget(window.overview_tab)
    window.overview_tab.refresh(full=True)
    _wait(app, lambda: not window.jobs.running and window.overview_tab.overview is not None)
    _shoot(app, window, out / "overview.png")

    window.tabs.setCurrentWidget(tab)
    tab.on_plan()
    idle()
    _shoot(app, window, out / "promote.png")

    # a zip exported from dev, restored into qa (whose model lacks dev's coupons): the plan warns
    dev_zip = root / "dev-export.zip"
    shutil.copyfile(ctx.archive.path_of(operations.export(ctx, ctx.profiles.get("dev"))), dev_zip)
    imported = ctx.archive.import_zip(dev_zip, profile="dev", base_url="", app="shop-dev")

    def look(name: str) -> Callable[..., Any]:
        def confirm_write(parent: QWidget, plan: Any, verb: str) -> None:
            dialog = write_door.PlanDialog(plan, verb, parent)
            _expand(dialog.tree)
            dialog.show()
            _shoot(app, dialog, out / name)
            dialog.close()
            dialog.deleteLater()
            return None  # looked at, not written

        return confirm_write

    write_door.confirm_write = look("restore-plan.png")
    messages.ask_choice = lambda *_a: "qa"
    window.tabs.setCurrentWidget(window.archive_tab)
    window.archive_tab.refresh()
    window.archive_tab.select_ids([imported.id])
    window.archive_tab.on_restore()
    idle()

    # qa → prod: the Security section, then the confirmation with its gates
    window.tabs.setCurrentWidget(tab)
    tab.set_profiles(ctx.profiles.load(), "qa", "prod")
    tab.on_plan()
    idle()
    security = [tab.plan_tree.topLevelItem(i) for i in range(tab.plan_tree.topLevelItemCount())]
    for item in security:
        if item is not None:
            item.setExpanded(item.text(0).startswith("Security"))
    _shoot(app, window, out / "security.png")
    qa, prod = ctx.profiles.get("qa"), ctx.profiles.get("prod")
    planned = tab.plans.get(("qa", "prod"))
    assert planned is not None, "the plan of qa → prod was made"
    dialog = confirm.ConfirmPromotion(qa, prod, planned.plan, window)
    if dialog.name_edit is not None:
        dialog.name_edit.setText("pro")  # being typed: OK stays disabled until every gate is met
    dialog.show()
    _shoot(app, dialog, out / "confirm-gates.png")
    dialog.close()
    dialog.deleteLater()

    # a promotion dev → qa, so Versions, Archive and History have something to show
    tab.set_profiles(ctx.profiles.load(), "dev", "qa")
    confirm.confirm_promotion = lambda *_args: Consent()
    tab.on_promote()
    idle()
    tab.on_plan()
    idle()
    window.environments.list.setCurrentRow(1)
    window.tabs.setCurrentWidget(window.versions_tab)
    _wait(app, lambda: window.versions_tab.table.topLevelItemCount() > 2)
    chosen = window.versions_tab.table.topLevelItem(2)
    assert chosen is not None
    chosen.setSelected(True)  # what a Set of it would change
    _wait(app, lambda: window.versions_tab.preview.shown is not None)
    _shoot(app, window, out / "versions.png")
    window.tabs.setCurrentWidget(window.archive_tab)
    window.archive_tab.refresh()
    _shoot(app, window, out / "archive.png")
    window.archive_tab.show_plans.setChecked(True)
    window.archive_tab.filter.setText("plan")
    _shoot(app, window, out / "archive-plans.png")
    window.archive_tab.filter.clear()
    window.archive_tab.show_plans.setChecked(False)

    window.tabs.setCurrentWidget(window.history_tab)
    window.history_tab.refresh()
    table = window.history_tab.table
    first = table.topLevelItem(0)
    if first is not None:
        table.setCurrentItem(first)  # show the run's tree and steps
    _shoot(app, window, out / "history.png")

    # a rule with a typo: a profile change in History, and amber in the Rules dialog
    ctx.profiles.add_rule("qa", Rule(0, "keep", "Database.DisplayNme"))
    window.refresh()
    idle()
    window.tabs.setCurrentWidget(window.history_tab)
    window.history_tab.refresh()
    first = table.topLevelItem(0)
    if first is not None:
        table.setCurrentItem(first)
    _shoot(app, window, out / "history-profile.png")
    rules = RulesDialog(ctx.profiles, "qa", window, window.environments.rule_checker)
    rules.resize(820, 380)
    rules.show()
    _shoot(app, rules, out / "rules-typo.png")
    rules.close()
    rules.deleteLater()

    backups = window.on_backups()
    _wait(app, lambda: not window.jobs.running)
    _shoot(app, backups, out / "backups.png")
    backups.close()

    guide = help_menu.open_guide(window)
    if guide is not None:
        _shoot(app, guide, out / "guide.png")
        guide.close()

    # the same plan on a dark palette (a dark desktop theme)
    app.setPalette(_dark_palette())
    window.tabs.setCurrentWidget(tab)
    tab.on_plan()
    idle()
    _shoot(app, window, out / "dark.png")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
