"""The main window: Environments on the left; Promote, Versions, Archive and History tabs.

Work runs on worker threads through the engine (:mod:`app.gui.runtime.jobs`); widgets change only in slots.
Window geometry and last selections are kept in ``HOME/gui.ini`` (QSettings; never a secret).

Closing while jobs run asks first (background checks excepted), then cancels them all and ignores
the close: the engine rolls back on its thread, the GUI stays live, and the window closes itself on
the runner's ``all_done``; only then is the Context closed.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import QLabel, QMainWindow, QSplitter, QTabWidget

from app import __version__
from app.engine.context import Context
from app.engine.result import Result
from app.errors import PromoterError
from app.gui import help_menu as help_menu_module
from app.gui.archive import zip_import
from app.gui.archive.tab import ArchiveTab
from app.gui.backups import actions as backup_actions
from app.gui.backups.dialog import BackupsDialog, ScheduleLabel
from app.gui.environments.panel import EnvironmentsPanel
from app.gui.history_tab import HistoryTab
from app.gui.overview_tab import OverviewTab
from app.gui.promote.tab import PromoteTab
from app.gui.releases_dialog import ReleasesDialog
from app.gui.runtime import messages, notify
from app.gui.runtime.jobs import JobRunner
from app.gui.versions_tab import VersionsTab
from app.gui.writes import model_actions
from app.gui.writes.write_door import WriteDoor
from app.paths import Home
from app.profile import Profile
from app.secrets import SecretStore, friendly_name

# A list or table with the keyboard focus says so: the native styles drew no visible ring there.
FOCUS_RING = "QAbstractItemView:focus { border: 2px solid palette(highlight); }"


class MainWindow(QMainWindow):
    def __init__(self, home: Home, secrets: SecretStore, demo: bool = False) -> None:
        super().__init__()
        self.home = home
        self.secrets = secrets
        self.ctx = Context(home, secrets)
        self.demo = demo
        self.jobs = JobRunner(self)
        self.quitting = False  # the user chose to quit; waiting for the jobs to end
        self.setWindowTitle(f"Backand Promoter {__version__}" + (" — demo" if demo else ""))
        self._fit_default_size()

        self.environments = EnvironmentsPanel(self.ctx, self.jobs)
        self.overview_tab = OverviewTab(self.ctx, self.jobs)
        self.promote_tab = PromoteTab(self.ctx, self.jobs)
        self.versions_tab = VersionsTab(self.ctx, self.jobs)
        self.archive_tab = ArchiveTab(self.ctx, self.jobs)
        self.history_tab = HistoryTab(self.ctx, self.jobs)
        self.tabs = QTabWidget()
        for widget, title in (
            (self.overview_tab, "&Overview"),
            (self.promote_tab, "&Promote"),
            (self.versions_tab, "&Versions"),
            (self.archive_tab, "&Archive"),
            (self.history_tab, "&History"),
        ):
            self.tabs.addTab(widget, title)
        self.splitter = QSplitter()
        self.splitter.addWidget(self.environments)
        self.splitter.addWidget(self.tabs)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([260, 1020])
        self.setCentralWidget(self.splitter)
        self.setAcceptDrops(True)
        self.setStyleSheet(FOCUS_RING)

        self.environments.selected.connect(self._on_environment)
        self.environments.changed.connect(self.refresh)
        self.promote_tab.rules_changed.connect(self._rules_changed)
        for tab in (self.versions_tab, self.archive_tab, self.history_tab):
            tab.changed.connect(self._after_write)
        self.promote_tab.finished.connect(self._after_promote_tab)
        self.overview_tab.plan_requested.connect(self._plan_step)
        self.tabs.currentChanged.connect(self._on_tab)

        try:
            keyring, technical = friendly_name(secrets.backend), secrets.name
        except PromoterError as exc:  # a misconfigured keyring: say so, the window still opens
            keyring, technical = "unusable", exc.message
        self.keyring_label = QLabel(f"Keyring: {keyring}")
        self.keyring_label.setToolTip(technical)
        self.home_label = QLabel(f"Home: {home.root}")
        self.home_label.setToolTip(str(home.root))
        self.busy_label = QLabel("idle")
        for label in (self.keyring_label, self.home_label):
            # cut at the window's edge rather than widening the window (a long home path made it
            # wider than the screen); the whole text is in the tooltip
            label.setMinimumWidth(1)
            self.statusBar().addWidget(label)
        self.schedule_label = ScheduleLabel(self.ctx, self.jobs)
        self.statusBar().addPermanentWidget(self.schedule_label)
        self.schedule_label.timer.start()
        self.backups_dialog: BackupsDialog | None = None
        self.releases_dialog: ReleasesDialog | None = None
        self.statusBar().addPermanentWidget(self.busy_label)
        self.jobs.busy_changed.connect(
            lambda text: self.busy_label.setText(f"running: {text}" if text else "idle")
        )
        self.jobs.reported.connect(self.statusBar().showMessage)
        self.model_door = WriteDoor(self, self.ctx, self.jobs, self._model_applied, self._job_failed)
        self._menus()
        self.settings = QSettings(str(home.root / "gui.ini"), QSettings.Format.IniFormat)
        self.refresh()
        self._restore_state()
        self.environments.check_all()
        self.environments.timer.start()
        if self.tabs.currentWidget() is self.overview_tab:
            self.overview_tab.refresh()

    def _menus(self) -> None:
        def action(
            menu: Any, text: str, shortcut: str | QKeySequence.StandardKey | None, slot: Any
        ) -> QAction:
            act = QAction(text, self)
            if shortcut is not None:
                act.setShortcut(QKeySequence(shortcut))
            act.triggered.connect(slot)
            menu.addAction(act)
            return act

        file_menu = self.menuBar().addMenu("&File")
        action(file_menu, "&Settings…", "Ctrl+,", self.on_settings)
        self.backups_action = action(file_menu, "&Backups and schedule…", "Ctrl+Shift+B", self.on_backups)
        self.releases_action = action(file_menu, "&Releases…", "Ctrl+Shift+R", self.on_releases)
        action(file_menu, "&Quit", QKeySequence.StandardKey.Quit, self.close)
        run_menu = self.menuBar().addMenu("&Run")
        self.plan_action = action(run_menu, "&Plan", "Ctrl+P", self._plan)
        self.promote_action = action(run_menu, "P&romote…", "Ctrl+Return", self._promote)
        self.cancel_action = action(run_menu, "&Cancel", "Esc", self.promote_tab.on_cancel)
        self.refresh_action = action(
            run_menu, "Re&fresh", QKeySequence.StandardKey.Refresh, lambda: self.refresh(full=True)
        )
        self.backup_action = action(run_menu, "&Back up all environments", "Ctrl+B", self._back_up_all)
        self.model_action = action(run_menu, "Apply a &model file…", None, self._apply_model)
        help_menu = self.menuBar().addMenu("&Help")
        self.guide_action = action(
            help_menu,
            "&User guide",
            QKeySequence.StandardKey.HelpContents,
            lambda: help_menu_module.open_guide(self),
        )
        self.about_action = action(
            help_menu,
            "&About Backand Promoter",
            None,
            lambda: help_menu_module.show_about(self, self.home, self.secrets),
        )

    def _apply_model(self) -> None:
        model_actions.apply_model_file(
            self, self.model_door, self.environments.current(), self.statusBar().showMessage
        )

    def _model_applied(self, result: Result) -> None:
        self.statusBar().showMessage(f"{result.status}: {result.message}")
        notify.job_ended(self, result)
        if not result.ok:
            messages.show_error(self, result.message, messages.steps_text(result))
        self._after_write()

    def _job_failed(self, message: str) -> None:
        self.statusBar().showMessage(message)
        messages.show_error(self, message, self.jobs.last_details)

    def _back_up_all(self) -> None:
        def after() -> None:
            self._after_write()
            self.environments.refresh()  # each tooltip's "last backup" at once, not after F5

        backup_actions.start_back_up_all(self, self.ctx, self.jobs, self.statusBar().showMessage, after)

    def showEvent(self, event: QShowEvent) -> None:
        """No smaller than its layout fits, within the screen: made smaller by hand, the window laid
        its widgets over each other (the pickers over their labels, squeezed to an arrow)."""
        super().showEvent(event)
        screen = self.screen().availableGeometry().size() if self.screen() is not None else None
        least = self.minimumSizeHint()
        self.setMinimumSize(least.boundedTo(screen) if screen is not None and screen.width() > 0 else least)

    def _fit_default_size(self) -> None:
        """1280×720, or the screen's free area when it is smaller (a 1024×768 screen showed a window
        whose right edge, with Refresh and "Plan this step", was off the screen)."""
        screen = self.screen().availableGeometry() if self.screen() is not None else None
        width, height = 1280, 720
        if screen is not None and screen.width() > 0:
            width, height = min(width, screen.width()), min(height, screen.height())
        self.resize(width, height)

    def _plan_step(self, source: str, target: str) -> None:
        """The overview's "Plan this step": the Promote tab, that pair, a read-only plan. A pair
        whose environment is gone since the overview was read is refused, never swapped."""
        profiles = self.ctx.profiles.load()
        names = {p.name for p in profiles}
        if source not in names or target not in names:
            gone = target if target not in names else source
            messages.show_error(self, f"{gone} is no longer an environment; the overview is read again.")
            self.overview_tab.refresh()
            return
        self.promote_tab.set_profiles(profiles, source, target)
        if (self.promote_tab.source.currentText(), self.promote_tab.target.currentText()) != (source, target):
            messages.show_error(self, f"Could not select {source} → {target} on the Promote tab.")
            return
        self._plan()

    def _plan(self) -> None:
        self.tabs.setCurrentWidget(self.promote_tab)
        self.promote_tab.on_plan()

    def _promote(self) -> None:
        self.tabs.setCurrentWidget(self.promote_tab)
        self.promote_tab.on_promote()

    def refresh(self, full: bool = False) -> None:
        """F5 (*full*: the overview downloads and compares everything again), and after
        environments or their rules changed: every view reads again; a plan on show is made again
        (its rules or environments may have changed)."""
        profiles = self.ctx.profiles.load()
        self.environments.refresh()
        self.promote_tab.set_profiles(profiles)
        self.promote_tab.replan_if_shown()
        self.archive_tab.refresh()
        self.history_tab.refresh()
        self.schedule_label.refresh()
        self.overview_tab.stale = True
        self.overview_tab.want_full = self.overview_tab.want_full or full
        if self.tabs.currentWidget() is self.overview_tab:
            self.overview_tab.refresh()

    def _rules_changed(self) -> None:
        self.environments.refresh()
        self.overview_tab.invalidate()

    def _after_promote_tab(self, result: Result) -> None:
        """A plan wrote nothing (its reads are in the archive); a promotion's end is a write's."""
        if result.status == "dry_run":
            self.archive_tab.refresh()
        else:
            self._after_write()

    def _after_write(self) -> None:
        self.archive_tab.refresh()
        self.history_tab.refresh()
        self.schedule_label.refresh()  # a backup run is the schedule's "last run"
        self.overview_tab.invalidate()  # read again now when on show, else when next shown
        if self.tabs.currentWidget() is self.versions_tab:
            self.versions_tab.refresh()

    def _on_environment(self, profile: Profile | None) -> None:
        self._selected = profile
        if self.tabs.currentWidget() is self.versions_tab:
            self.versions_tab.show_profile(profile)

    def _on_tab(self, _index: int) -> None:
        if self.tabs.currentWidget() is self.overview_tab and self.overview_tab.stale:
            self.overview_tab.refresh()
        if self.tabs.currentWidget() is self.versions_tab:
            self.versions_tab.show_profile(getattr(self, "_selected", None))

    def on_settings(self) -> None:
        from app.gui.settings_dialog import SettingsDialog

        if self.jobs.active:  # the stores are reopened on save: never under a running job
            messages.show_error(
                self,
                "Settings can be changed when nothing is running: wait for " + ", ".join(self.jobs.running),
            )
            return
        if SettingsDialog(self.home, self).exec():
            self.statusBar().showMessage("Settings saved; they apply to the next operations.", 5000)
            self.ctx.reload()
            self.refresh()

    def on_releases(self) -> ReleasesDialog:
        """The Releases dialog (not modal): take, list, promote to the next stage, remove."""
        dialog = self.releases_dialog
        if dialog is None:
            dialog = self.releases_dialog = ReleasesDialog(self.ctx, self.jobs, self)
            dialog.promote_requested.connect(self._promote_release)
            dialog.changed.connect(self.archive_tab.refresh)
        elif dialog.isVisible():
            dialog.raise_()  # already open: bring it to the front
        dialog.refresh()
        dialog.show()
        return dialog

    def _promote_release(self, name: str, source: str, target: str) -> None:
        """The Releases dialog's "Promote to the next stage": the Promote tab's plan, confirmation
        and promotion, with the release as the source."""
        self.promote_tab.set_profiles(self.ctx.profiles.load(), source, target)
        self.tabs.setCurrentWidget(self.promote_tab)
        self.promote_tab.promote_release(name, source, target)

    def on_backups(self) -> BackupsDialog:
        """The Backups dialog (one at a time, not modal): the schedule read from the system."""
        if self.backups_dialog is None:
            self.backups_dialog = BackupsDialog(self.ctx, self.jobs, self)
            self.backups_dialog.changed.connect(self.schedule_label.refresh)
            self.backups_dialog.finished.connect(self._backups_closed)
        elif self.backups_dialog.isVisible():
            self.backups_dialog.raise_()  # already open: bring it to the front
        self.backups_dialog.show()
        return self.backups_dialog

    def _backups_closed(self) -> None:
        if self.backups_dialog is not None:
            self.backups_dialog.deleteLater()
            self.backups_dialog = None

    def _restore_state(self) -> None:
        geometry = self.settings.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        tab = self.settings.value("tab")
        if tab is not None:
            self.tabs.setCurrentIndex(int(tab))
        source, target = self.settings.value("source"), self.settings.value("target")
        if source:
            self.promote_tab.set_profiles(self.ctx.profiles.load(), str(source), str(target or ""))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if zip_import.zip_paths(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        """A .zip dropped anywhere on the window: imported into the archive (checked first)."""
        paths = zip_import.zip_paths(event.mimeData())
        if paths:
            self.tabs.setCurrentWidget(self.archive_tab)
            for path in paths:
                self.archive_tab.import_path(path)
            event.acceptProposedAction()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.jobs.active and not self._ready_to_close():
            event.ignore()
            return
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("tab", self.tabs.currentIndex())
        self.settings.setValue("source", self.promote_tab.source.currentText())
        self.settings.setValue("target", self.promote_tab.target.currentText())
        self.settings.sync()
        self.environments.timer.stop()
        self.ctx.close()
        super().closeEvent(event)

    def _ready_to_close(self) -> bool:
        """Jobs are running: ask (once), cancel them all and close when the last one has ended."""
        if self.quitting:
            self.statusBar().showMessage("Still cancelling; the window closes when that is done.")
            return False
        labels = self.jobs.started_by_user
        if labels:
            them = "it" if len(labels) == 1 else "them"
            question = (
                f"Still running: {'; '.join(labels)}.\n\nCancel {them} and quit? Anything already written"
                " is rolled back first; the window closes when that is done."
            )
            if not messages.ask_yes_no(self, "Quit", question):
                return False
            if not self.jobs.active:  # it ended while the question was open
                return True
        self.quitting = True
        self.environments.timer.stop()
        self.jobs.all_done.connect(self.close)
        self.jobs.cancel_all()
        # Nothing may have been written yet: the words promise a rollback only of what was.
        self.statusBar().showMessage(
            "Cancelling; anything already written is rolled back first. The window closes when that is done."
        )
        self.promote_tab.notice("Cancelling; anything already written is rolled back first…")
        return False
