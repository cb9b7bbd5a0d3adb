"""The main window: environments on the left; Promote (plan, run, steps, progress, log) and History.

Work runs on a worker thread through the engine; widgets change only in slots connected to signals.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import Qt, QThread
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.engine.context import Context
from app.engine.events import Event
from app.engine.plan import PromoteOptions
from app.engine.promote import PromotionResult, promote
from app.gui.worker import Worker, start
from app.paths import Home
from app.profiles import Profile
from app.secrets import SecretStore

STEP_ICONS = {"pending": "○", "running": "▶", "done": "✓", "skipped": "–", "failed": "✗", "rolled_back": "↶"}


class MainWindow(QMainWindow):
    def __init__(self, home: Home, secrets: SecretStore, demo: bool = False) -> None:
        super().__init__()
        self.ctx = Context(home, secrets)
        self.demo = demo
        self._thread: QThread | None = None
        self._worker: Worker | None = None
        self.setWindowTitle("Backand Promoter" + (" — demo" if demo else ""))
        self.resize(1200, 720)

        self.environments = QListWidget()
        self.environments.setMinimumWidth(240)
        splitter = QSplitter()
        splitter.addWidget(self.environments)
        self.tabs = QTabWidget()
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(1, 1)
        self.setCentralWidget(splitter)
        self.tabs.addTab(self._promote_tab(), "Promote")
        self.history = QTreeWidget()
        self.history.setHeaderLabels(["#", "When", "Kind", "Source", "Target", "Result", "Seconds", "User"])
        self.tabs.addTab(self.history, "History")

        keyring = secrets.name + (" — demo keyring, forgotten on exit" if secrets.is_memory else "")
        self.statusBar().showMessage(f"Keyring: {keyring}   Home: {home.root}")
        QShortcut(QKeySequence("Ctrl+P"), self, activated=self.on_plan)
        QShortcut(QKeySequence("Ctrl+Return"), self, activated=self.on_promote)
        QShortcut(QKeySequence("Escape"), self, activated=self.on_cancel)
        QShortcut(QKeySequence("F5"), self, activated=self.refresh)
        self.refresh()

    # -- layout ---------------------------------------------------------------------------------

    def _promote_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        pickers = QHBoxLayout()
        self.source = QComboBox()
        self.target = QComboBox()
        self.source.currentIndexChanged.connect(self._on_source_changed)
        self.plan_button = QPushButton("Plan (Ctrl+P)")
        self.promote_button = QPushButton("Promote… (Ctrl+Enter)")
        self.cancel_button = QPushButton("Cancel (Esc)")
        self.cancel_button.setEnabled(False)
        self.plan_button.clicked.connect(self.on_plan)
        self.promote_button.clicked.connect(self.on_promote)
        self.cancel_button.clicked.connect(self.on_cancel)
        for widget in (
            QLabel("From"),
            self.source,
            QLabel("to"),
            self.target,
            self.plan_button,
            self.promote_button,
            self.cancel_button,
        ):
            pickers.addWidget(widget)
        pickers.addStretch(1)
        layout.addLayout(pickers)
        self.banner = QLabel("Pick a source and a target, then Plan.")
        self.banner.setWordWrap(True)
        self.banner.setMargin(8)
        layout.addWidget(self.banner)
        middle = QSplitter(Qt.Orientation.Horizontal)
        self.plan_tree = QTreeWidget()
        self.plan_tree.setHeaderLabels(["Plan"])
        self.steps = QListWidget()
        middle.addWidget(self.plan_tree)
        middle.addWidget(self.steps)
        layout.addWidget(middle, 2)
        self.progress = QProgressBar()
        self.progress.setFormat("%p%")
        layout.addWidget(self.progress)
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        layout.addWidget(self.log, 1)
        return page

    # -- data -----------------------------------------------------------------------------------

    def profiles(self) -> list[Profile]:
        return self.ctx.profiles.load()

    def refresh(self) -> None:
        profiles = self.profiles()
        self.environments.clear()
        for p in profiles:
            lock = "  [protected]" if p.protected else ""
            item = QListWidgetItem(f"{p.stage}. {p.name}{lock}\n    {p.app} — {p.base_url}")
            item.setForeground(QColor(p.colour))
            self.environments.addItem(item)
        current_source = self.source.currentText()
        self.source.blockSignals(True)
        self.source.clear()
        self.source.addItems([p.name for p in profiles])
        if current_source:
            self.source.setCurrentText(current_source)
        self.source.blockSignals(False)
        self._on_source_changed()
        self._fill_history()

    def _on_source_changed(self) -> None:
        profiles = self.profiles()
        self.target.clear()
        self.target.addItems([p.name for p in profiles if p.name != self.source.currentText()])
        source = next((p for p in profiles if p.name == self.source.currentText()), None)
        if source:
            after = next((p for p in profiles if p.stage == source.stage + 1), None)
            if after:
                self.target.setCurrentText(after.name)

    def _fill_history(self) -> None:
        self.history.clear()
        for run in self.ctx.history.runs(200):
            when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(run.started_at))
            QTreeWidgetItem(
                self.history,
                [
                    str(run.id),
                    when,
                    run.kind,
                    run.source or "",
                    run.target,
                    run.status,
                    str(run.seconds or ""),
                    run.user,
                ],
            )

    # -- actions --------------------------------------------------------------------------------

    def _pair(self) -> tuple[Profile, Profile] | None:
        by_name = {p.name: p for p in self.profiles()}
        source, target = by_name.get(self.source.currentText()), by_name.get(self.target.currentText())
        if source is None or target is None:
            self.show_error("Pick a source and a target profile first.")
            return None
        return source, target

    def on_plan(self) -> None:
        pair = self._pair()
        if pair:
            options = PromoteOptions(
                dry_run=True, yes=True, confirm=pair[1].name, allow_data_loss=True, allow_skip_stage=True
            )
            self._run(pair, options, "Planning")

    def on_promote(self) -> None:
        pair = self._pair()
        if not pair or self._thread is not None:
            return
        source, target = pair
        if not self.ask_confirmation(source, target):
            return
        options = PromoteOptions(
            yes=True, confirm=target.name, allow_data_loss=self._allow_data_loss, allow_skip_stage=True
        )
        self._run(pair, options, "Promoting")

    _allow_data_loss = False

    def ask_confirmation(self, source: Profile, target: Profile) -> bool:
        """The confirmation dialog (tests replace it). A protected target needs its name typed."""
        from PySide6.QtWidgets import QInputDialog

        if target.protected:
            text, ok = QInputDialog.getText(self, "Confirm", f"{target.name} is protected. Type its name:")
            return bool(ok and text == target.name)
        answer = QMessageBox.question(self, "Promote", f"Promote {source.name} into {target.name}?")
        return answer == QMessageBox.StandardButton.Yes

    def on_cancel(self) -> None:
        if self._worker is not None:
            self._worker.cancel.cancel()
            self._append("cancel requested: the engine rolls back anything already written")

    def _run(self, pair: tuple[Profile, Profile], options: PromoteOptions, verb: str) -> None:
        if self._thread is not None:
            return
        source, target = pair
        self.steps.clear()
        self.plan_tree.clear()
        self.progress.setValue(0)
        self._append(f"{verb} {source.name} → {target.name}")
        self._set_busy(True)
        ctx = self.ctx
        self._worker = Worker(lambda listen, cancel: promote(ctx, source, target, options, listen, cancel))
        self._worker.event.connect(self._on_event)
        self._worker.finished.connect(self._on_finished)
        self._worker.failed.connect(self._on_failed)
        self._thread = start(self._worker, self)
        self._thread.finished.connect(self._on_thread_done)

    def _set_busy(self, busy: bool) -> None:
        self.plan_button.setEnabled(not busy)
        self.promote_button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)

    def _append(self, text: str) -> None:
        self.log.appendPlainText(time.strftime("%H:%M:%S ") + text)

    # -- slots ----------------------------------------------------------------------------------

    def _on_event(self, event: Event) -> None:
        if event.kind == "log":
            self._append(event.message)
        elif event.kind == "progress" and event.total:
            self.progress.setValue(int(event.done * 100 / event.total))
            self.progress.setFormat(
                f"{event.step}: {event.done / 1048576:.1f} of {event.total / 1048576:.1f} MiB"
            )
        elif event.kind == "step":
            self._set_step(event.step, event.status)

    def _set_step(self, name: str, status: str) -> None:
        for row in range(self.steps.count()):
            item = self.steps.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == name:
                item.setText(f"{STEP_ICONS.get(status, '?')} {name} — {status}")
                return
        item = QListWidgetItem(f"{STEP_ICONS.get(status, '?')} {name} — {status}")
        item.setData(Qt.ItemDataRole.UserRole, name)
        self.steps.addItem(item)

    def _on_finished(self, result: PromotionResult) -> None:
        for step in result.steps:
            self._set_step(step["name"], step["status"])
        self._show_plan(result.plan)
        colours = {"succeeded": "#2e7d32", "dry_run": "#1565c0", "refused": "#ef6c00"}
        colour = colours.get(result.status, "#c62828")
        self.banner.setStyleSheet(f"background: {colour}; color: white; border-radius: 4px;")
        self.banner.setText(f"{result.status.replace('_', ' ')}: {result.message}")
        self._fill_history()

    def _show_plan(self, plan: dict[str, Any]) -> None:
        self.plan_tree.clear()
        if not plan:
            return
        verdict = QTreeWidgetItem(self.plan_tree, [f"Validation: {plan['valid']}"])
        for warning in plan["warnings"]:
            QTreeWidgetItem(verdict, [warning])
        for title, key in (
            ("Model changes", "model_diff"),
            ("Configuration changes", "config_diff"),
            ("Drift (changed outside the promoter)", "drift"),
        ):
            node = QTreeWidgetItem(self.plan_tree, [f"{title}: {len(plan[key])}"])
            for line in plan[key]:
                child = QTreeWidgetItem(node, [line])
                if "dropped" in line or line.startswith("-"):
                    child.setForeground(0, QColor("#c62828"))
        self.plan_tree.expandAll()

    def _on_failed(self, message: str) -> None:
        self.show_error(message)

    def _on_thread_done(self) -> None:
        self._thread = None
        self._worker = None
        self._set_busy(False)

    def show_error(self, message: str) -> None:
        self._append("error: " + message)
        self.banner.setStyleSheet("background: #c62828; color: white; border-radius: 4px;")
        self.banner.setText(message)

    def closeEvent(self, event: Any) -> None:
        if self._worker is not None:
            self._worker.cancel.cancel()
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait(30000)
        self.ctx.close()
        super().closeEvent(event)


def _size(count: int) -> str:
    return f"{count / 1048576:.1f} MiB" if count >= 1048576 else f"{count / 1024:.0f} KiB"
