"""A whole window session in its own process: promote dev -> qa, close, exit. Run by
tests/test_gui_exit.py, which asserts the process exits 0 (a PySide refcount bug once aborted it at
interpreter exit, after the test suite's own windows had all passed)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path


def main() -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.engine.gates import Consent
    from app.gui.main_window import MainWindow
    from app.gui.promote import confirm
    from app.gui.screenshots import prepare
    from app.sandbox.server import SandboxServer
    from app.secrets import MemoryKeyring, SecretStore

    app = QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory(prefix="promoter-exit-") as scratch:
        root = Path(scratch)
        server = SandboxServer(root / "sandbox").start()
        try:
            secrets = SecretStore(MemoryKeyring())
            window = MainWindow(prepare(root / "home", server.url, server, secrets), secrets, demo=True)
            window.show()
            confirm.confirm_promotion = lambda *_args: Consent()

            outcome: list[str] = []

            def close_when_done() -> None:
                if not window.jobs.running and window.promote_tab.banner.text().startswith("Succeeded"):
                    outcome.append(window.promote_tab.banner.text())
                    window.close()  # background checks may still run: the window waits for them
                else:
                    QTimer.singleShot(100, close_when_done)

            QTimer.singleShot(0, window.promote_tab.on_promote)
            QTimer.singleShot(100, close_when_done)
            code = app.exec()
            print(outcome[0] if outcome else window.promote_tab.banner.text(), flush=True)
        finally:
            server.stop()
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
