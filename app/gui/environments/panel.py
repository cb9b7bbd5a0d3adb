"""The Environments panel: profiles in stage order with colour, stage, app, host, a lock badge when
protected and a live connection dot; add, edit, remove, reorder, test.

Signals:
    selected(object): the chosen :class:`Profile` (or None).
    changed(): profiles were added, edited, removed or reordered.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.engine import connect
from app.engine.context import Context
from app.engine.events import CancelToken, Event
from app.engine.rulecheck import RuleChecker
from app.errors import PromoterError
from app.gui.environments.profile_dialog import ProfileDialog, confirm_change
from app.gui.runtime import messages
from app.gui.runtime.jobs import JobRunner
from app.gui.runtime.pyside_refs import emit
from app.gui.widgets import colours
from app.profile import Profile
from app.profileguard import LostProtection

DOTS = {"unknown": "#9e9e9e", "ok": "#2e7d32", "error": "#c62828", "checking": "#1565c0"}


def dot_icon(colour: str, state: str) -> QIcon:
    pixmap = QPixmap(28, 16)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(colour))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawRoundedRect(0, 2, 10, 12, 2, 2)
    painter.setBrush(QColor(DOTS[state]))
    painter.drawEllipse(16, 4, 8, 8)
    painter.end()
    return QIcon(pixmap)


class EnvironmentsPanel(QWidget):
    selected = Signal(object)
    changed = Signal()

    def __init__(self, ctx: Context, jobs: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.jobs = ctx, jobs
        self.rule_checker = RuleChecker(lambda: ctx.archive)  # rules that match nothing (typos)
        self.states: dict[str, tuple[str, str]] = {}
        self.warned: set[str] = set()  # environments whose lost protection was said
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.list = QListWidget()
        self.list.setIconSize(QSize(28, 16))
        self.list.currentItemChanged.connect(self._emit_selected)
        self.list.itemDoubleClicked.connect(lambda *_: self.on_edit())
        layout.addWidget(self.list, 1)
        row1, row2 = QHBoxLayout(), QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for row, names in ((row1, ("Add…", "Edit…", "Remove…")), (row2, ("Up", "Down", "Test", "Rules…"))):
            for name in names:
                button = QPushButton(name)
                self.buttons[name] = button
                row.addWidget(button)
            layout.addLayout(row)
        self.buttons["Add…"].clicked.connect(self.on_add)
        self.buttons["Edit…"].clicked.connect(self.on_edit)
        self.buttons["Remove…"].clicked.connect(self.on_remove)
        self.buttons["Up"].clicked.connect(lambda: self.on_move(-1))
        self.buttons["Down"].clicked.connect(lambda: self.on_move(1))
        self.buttons["Test"].clicked.connect(self.check_all)
        self.buttons["Rules…"].clicked.connect(self.on_rules)
        tips = {
            "Add…": "Add an environment (a profile; its secret goes to the keyring)",
            "Edit…": "Edit the selected environment",
            "Remove…": "Remove the selected environment and its keyring secrets (its archive stays)",
            "Up": "Move up: an earlier stage",
            "Down": "Move down: a later stage",
            "Test": "Check the connection of every environment",
            "Rules…": "What the selected environment always keeps or rewrites when promoted into",
        }
        for name, tip in tips.items():
            self.buttons[name].setToolTip(tip)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._menu)
        self.timer = QTimer(self)
        self.timer.setInterval(60_000)
        self.timer.timeout.connect(self.check_all)

    def _emit_selected(self, *_args: object) -> None:
        emit(self.selected, self.current())

    def profiles(self) -> list[Profile]:
        return self.ctx.profiles.load()

    def current(self) -> Profile | None:
        item = self.list.currentItem()
        if item is None:
            return None
        name = item.data(Qt.ItemDataRole.UserRole)
        return next((p for p in self.profiles() if p.name == name), None)

    def _check(self, key: str, profile: Profile, ctx: Context) -> None:
        def job(_listen: Callable[[Event], None], _cancel: CancelToken) -> dict[str, str]:
            return connect.probe(profile, ctx.secrets, "", ctx.settings)

        def done(info: dict[str, str]) -> None:
            self._on_state(profile.name, "ok", f"app {info['status']}, version {info['current_version']}")

        def failed(message: str) -> None:
            self._on_state(profile.name, "error", message)

        self.jobs.run(key, f"check {profile.name}", job, done, failed)

    def _last_backup(self, profile: Profile) -> str:
        run = self.ctx.history.last_of("backup", profile.name)
        if run is None:
            return "last backup: never"
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(run.started_at))
        return f"last backup: {when} ({run.status})"

    def refresh(self, select: str | None = None) -> None:
        current = self.current()
        keep = select or (current.name if current else None)
        lost = {item.name: item for item in self.ctx.profiles.lost_protection()}
        self._warn_lost(lost)
        self.list.blockSignals(True)
        self.list.clear()
        for profile in self.profiles():
            state, why = self.states.get(profile.name, ("unknown", "not checked yet"))
            badge = "  [protected]" if profile.protected else ""
            if profile.name in lost:
                badge = "  [protection removed outside the promoter]"
            host = urlsplit(profile.base_url).netloc
            count = len(profile.rules or ())
            rules = f" · {count} rule{'s' if count != 1 else ''}" if count else ""
            unmatched = self.rule_checker.unmatched(profile) if count else []
            if unmatched:  # a typo: said here, in amber, on a line of its own (the list is narrow)
                many = len(unmatched) > 1
                rules += f"\n{len(unmatched)} {'rules match' if many else 'rule matches'} nothing"
            item = QListWidgetItem(
                dot_icon(profile.colour, state),
                f"{profile.stage}. {profile.name}{badge}\n{profile.app} @ {host}{rules}",
            )
            item.setData(Qt.ItemDataRole.UserRole, profile.name)
            item.setToolTip(f"{profile.base_url}\nconnection: {why}\n{self._last_backup(profile)}")
            if profile.name in lost:
                item.setToolTip(item.toolTip() + "\n" + lost[profile.name].message())
            if unmatched:
                item.setForeground(colours.qcolor("amber"))
                item.setToolTip(
                    item.toolTip()
                    + "".join(
                        f"\nrule {rule.id} ({rule.selector}) matches nothing as last read: {what}"
                        for rule, what in unmatched
                    )
                )
            self.list.addItem(item)
            if profile.name == keep:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        if self.list.currentItem() is None and self.list.count():
            self.list.setCurrentRow(0)
        emit(self.selected, self.current())

    def _warn_lost(self, lost: dict[str, LostProtection]) -> None:
        """Say once per session each protected environment whose file was edited to unprotect it."""
        for name, item in lost.items():
            if name in self.warned:
                continue
            self.warned.add(name)
            messages.show_error(
                self,
                f"{item.message(str(self.ctx.home.profiles_file))} If that was meant, confirm it: Edit… "
                f"{name}, then Save and type its name. If not, Edit… it and tick Protected.",
            )

    def check_all(self) -> None:
        ctx = self.ctx
        for profile in self.profiles():
            key = f"check:{profile.name}"
            if self.jobs.is_busy(key):
                continue
            self.states[profile.name] = ("checking", "checking…")
            self._check(key, profile, ctx)
        self.refresh()

    def _on_state(self, name: str, state: str, why: str) -> None:
        self.states[name] = (state, why)
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == name:
                profile = next((p for p in self.profiles() if p.name == name), None)
                if profile:
                    item.setIcon(dot_icon(profile.colour, state))
                    item.setToolTip(f"{profile.base_url}\nconnection: {why}\n{self._last_backup(profile)}")

    def open_dialog(self, profile: Profile | None) -> Any:
        """The editor (tests drive it directly)."""
        return ProfileDialog(self.ctx, self.jobs, profile, self)

    def on_add(self) -> None:
        dialog = self.open_dialog(None)
        if dialog.exec():
            self.refresh(dialog.profile().name)
            emit(self.changed)

    def on_edit(self) -> None:
        profile = self.current()
        if profile is None:
            return
        dialog = self.open_dialog(profile)
        if dialog.exec():
            self.refresh(dialog.profile().name)
            emit(self.changed)

    def _menu(self, pos: Any) -> None:
        if self.list.itemAt(pos) is None:
            return
        menu = QMenu(self.list)
        for name in ("Edit…", "Rules…", "Test", "Remove…"):
            menu.addAction(name, self.buttons[name].click)
        menu.exec(self.list.viewport().mapToGlobal(pos))

    def on_rules(self) -> None:
        profile = self.current()
        if profile is None:
            messages.show_error(self, "Select an environment first.")
            return
        from app.gui.environments.rules_dialog import RulesDialog

        RulesDialog(self.ctx.profiles, profile.name, self, self.rule_checker).exec()
        self.refresh(profile.name)
        emit(self.changed)

    def on_remove(self) -> None:
        profile = self.current()
        if profile is None:
            return
        text = f"Remove {profile.name} and its keyring secrets? Its archive stays."
        go_on, typed = confirm_change(self, self.ctx.profiles, None, profile.name, text)
        if not go_on or (typed is None and not messages.ask_yes_no(self, "Remove environment", text)):
            return  # a protected one: its name typed in one dialog; else one yes/no
        try:
            self.ctx.profiles.remove(profile.name, typed)  # refused before anything is deleted
        except PromoterError as exc:
            messages.show_error(self, exc.message)
            return
        self.ctx.secrets.delete(profile)
        self.refresh()
        emit(self.changed)

    def on_move(self, delta: int) -> None:
        """Reorder by swapping stages with the neighbour (stage order is promotion order)."""
        profiles = self.profiles()
        current = self.current()
        if current is None:
            return
        index = next(i for i, p in enumerate(profiles) if p.name == current.name)
        other_index = index + delta
        if not 0 <= other_index < len(profiles):
            return
        other = profiles[other_index]
        from dataclasses import replace

        stage_a, stage_b = current.stage, other.stage
        if stage_a == stage_b:
            stage_b = stage_a + delta
        moved = [replace(current, stage=max(1, stage_b)), replace(other, stage=max(1, stage_a))]
        typed: list[str | None] = []
        for profile in moved:  # moving a protected environment to an earlier stage needs its name
            go_on, name = confirm_change(self, self.ctx.profiles, profile, profile.name)
            if not go_on:
                return
            typed.append(name)
        try:
            for profile, name in zip(moved, typed, strict=True):
                self.ctx.profiles.upsert(profile, name)
        except PromoterError as exc:
            messages.show_error(self, exc.message)
        self.refresh(current.name)
        emit(self.changed)
