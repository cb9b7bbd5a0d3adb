"""GUI responsiveness: a 5 ms QTimer on the GUI thread while the window promotes dev -> qa.

Usage: QT_QPA_PLATFORM=offscreen python -m tests.bench.gui_probe HOME
Prints JSON: ticks, max_gap_ms, p99_gap_ms, status. With PROBE_WHERE=1 it also prints, on standard
error, where the GUI thread was during each stall over 40 ms (sampled every 10 ms).
"""

from __future__ import annotations

import collections
import itertools
import json
import os
import sys
import threading
import time
import traceback
from pathlib import Path


def _watch(ticks: list[float]) -> None:
    """Sample the GUI thread's stack whenever it has not ticked for 40 ms; print them at exit."""
    import atexit

    seen: collections.Counter[str] = collections.Counter()
    main = threading.main_thread().ident

    def watch() -> None:
        while True:
            time.sleep(0.01)
            if ticks and time.perf_counter() - ticks[-1] > 0.04:
                mine = threading.get_ident()
                for ident, frame in sys._current_frames().items():  # the GUI thread, and any holding the GIL
                    if ident == mine:
                        continue
                    stack = traceback.extract_stack(frame)[-6:]
                    who = "gui" if ident == main else "worker"
                    seen[
                        who + ": " + " > ".join(f"{Path(f.filename).stem}:{f.name}:{f.lineno}" for f in stack)
                    ] += 1

    threading.Thread(target=watch, daemon=True).start()
    atexit.register(lambda: [print(n, where, file=sys.stderr) for where, n in seen.most_common(15)])


def main(home: str) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.engine.gates import Consent
    from app.gui.launch import tune_for_the_window
    from app.gui.main_window import MainWindow
    from app.gui.promote import confirm
    from app.paths import Home
    from app.secrets import SecretStore

    app = QApplication(sys.argv[:1])
    confirm.confirm_promotion = lambda parent, source, target, summary: Consent(confirm=target.name)  # type: ignore[assignment]
    window = MainWindow(Home(Path(home)), SecretStore())
    tune_for_the_window()  # as run_gui does
    window.environments.timer.stop()
    window.show()
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    if os.environ.get("PROBE_WHERE"):
        _watch(ticks)
    deadline = time.monotonic() + 600

    def started() -> None:
        window.promote_tab.plans.clear()
        window.promote_tab.promote_button.click()

    ended: list[str] = []

    def poll() -> None:
        text = window.promote_tab.banner.text()
        done = text.startswith(("Succeeded", "Rolled back", "Failed", "Refused")) and not window.jobs.running
        if done or time.monotonic() > deadline:
            ended.append(text)  # as it was when the promotion ended (quitting may cancel a later job)
            timer.stop()
            app.quit()

    while window.jobs.running:  # the connection checks of start-up
        app.processEvents()
        time.sleep(0.01)
    timer.start()
    QTimer.singleShot(50, started)
    watcher = QTimer()
    watcher.setInterval(100)
    watcher.timeout.connect(poll)
    watcher.start()
    app.exec()
    gaps = sorted((b - a) * 1000 for a, b in itertools.pairwise(ticks))
    p99 = gaps[int(len(gaps) * 0.99)] if gaps else 0.0
    print(
        json.dumps(
            {
                "ticks": len(ticks),
                "max_gap_ms": round(gaps[-1], 1) if gaps else None,
                "p99_gap_ms": round(p99, 1),
                "status": (ended[0] if ended else window.promote_tab.banner.text())[:80],
            }
        )
    )
    window.close()


if __name__ == "__main__":
    main(sys.argv[1])
