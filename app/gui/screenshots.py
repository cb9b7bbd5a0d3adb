"""Render the main screens to PNG files (``make screenshots``): sandbox, demo profiles, a real plan.

Usage: ``python -m app.gui.screenshots OUTDIR`` (offscreen or under Xvfb).
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QApplication

from app.engine.gates import Consent
from app.gui import confirm
from app.gui.main_window import MainWindow
from app.sandbox.demo import prepare
from app.sandbox.server import SandboxServer
from app.secrets import MemoryKeyring, SecretStore


def _wait(app: QApplication, condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not finish in time")
        app.processEvents()
        time.sleep(0.01)


def main(argv: list[str]) -> int:
    out = Path(argv[1] if len(argv) > 1 else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv[:1])
    with tempfile.TemporaryDirectory(prefix="promoter-shots-") as scratch:
        root = Path(scratch)
        server = SandboxServer(root / "sandbox").start()
        secrets = SecretStore(MemoryKeyring())
        try:
            home = prepare(root / "home", server.url, server, secrets)
            window = MainWindow(home, secrets, demo=True)
            window.resize(1280, 720)
            window.show()
            window.tabs.setCurrentWidget(window.overview_tab)
            _wait(app, lambda: not window.jobs.running and window.overview_tab.overview is not None)
            window.grab().save(str(out / "overview.png"))
            window.tabs.setCurrentWidget(window.promote_tab)
            window.promote_tab.on_plan()
            _wait(app, lambda: not window.jobs.running)
            window.grab().save(str(out / "promote.png"))
            # a promotion dev -> qa, so Archive and History have something to show
            confirm.confirm_promotion = lambda *_args: Consent()
            window.promote_tab.on_promote()
            _wait(app, lambda: not window.jobs.running)
            window.promote_tab.on_plan()
            _wait(app, lambda: not window.jobs.running)
            window.environments.list.setCurrentRow(1)
            window.tabs.setCurrentWidget(window.versions_tab)
            _wait(app, lambda: window.versions_tab.table.topLevelItemCount() > 0)
            window.grab().save(str(out / "versions.png"))
            window.tabs.setCurrentWidget(window.archive_tab)
            window.archive_tab.refresh()
            window.grab().save(str(out / "archive.png"))
            window.tabs.setCurrentWidget(window.history_tab)
            window.history_tab.refresh()
            table = window.history_tab.table
            first = table.topLevelItem(0)
            if first is not None:
                table.setCurrentItem(first)  # show the run's tree and steps
            window.grab().save(str(out / "history.png"))
            window.close()
        finally:
            server.stop()
    print(f"screenshots written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
