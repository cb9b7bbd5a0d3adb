"""The Promote tab's view of a run: its steps, each with an icon and a colour, and a progress bar
that says how much of a transfer is done and how fast."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QProgressBar

from app.engine.events import Event
from app.gui.widgets import colours, fit

STEP_ICONS = {"pending": "○", "running": "▶", "done": "✓", "skipped": "–", "failed": "✗", "rolled_back": "↶"}
STEP_COLOURS = {"failed": "red", "rolled_back": "amber", "done": "green", "running": "blue"}


class StepList(QListWidget):
    """One line per step, in the order they started; the steps under way (two at once while both
    sides are read) in :attr:`running`."""

    def __init__(self) -> None:
        super().__init__()
        self.running: list[str] = []

    def restart(self) -> None:
        self.clear()
        self.running = []

    def set_step(self, name: str, status: str, message: str = "") -> None:
        text = f"{STEP_ICONS.get(status, '?')} {name} — {status.replace('_', ' ')}"
        item = None
        for row in range(self.count()):
            if self.item(row).data(Qt.ItemDataRole.UserRole) == name:
                item = self.item(row)
        if item is None:
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, name)
            self.addItem(item)
        item.setText(text)
        item.setToolTip(message)
        item.setForeground(colours.qcolor(STEP_COLOURS.get(status, "grey")))
        fit.fit_list(self)  # "Download source configuratio" was cut off

    def show_steps(self, steps: list[dict[str, Any]]) -> None:
        """A finished run's steps, as it recorded them."""
        for step in steps:
            self.set_step(step["name"], step["status"], step.get("message", ""))

    def on_step(self, event: Event) -> None:
        self.set_step(event.step, event.status or "", event.message)
        if event.status == "running":
            self.running.append(event.step)
        elif event.step in self.running:
            self.running.remove(event.step)


class RunProgress(QProgressBar):
    """A transfer's progress: "Download source: 3.2 MiB of 9.0 MiB — 1.1 MiB/s"."""

    def __init__(self) -> None:
        super().__init__()
        self._started = 0.0
        self.idle()

    def idle(self) -> None:
        self.setValue(0)
        self.setFormat("idle")

    def start(self, verb: str) -> None:
        self.setValue(0)
        self.setFormat(verb.lower() + "…")
        self._started = time.monotonic()

    def on_progress(self, event: Event) -> None:
        if not event.total:
            return
        self.setValue(int(event.done * 100 / event.total))
        elapsed = max(time.monotonic() - self._started, 1e-3)
        rate_text = f" — {size(int(event.done / elapsed))}/s"
        self.setFormat(f"{event.step}: {size(event.done)} of {size(event.total)}{rate_text}")


def size(count: int) -> str:
    if count >= 1048576:
        return f"{count / 1048576:.1f} MiB"
    return f"{count / 1024:.0f} KiB"
