"""The Backups dialog: this home's schedule as the system holds it (read back, never remembered),
installed, changed or removed here; which environments; the retention of scheduled runs.

Reading and writing the schedule calls ``systemctl --user`` or ``crontab``: those run as jobs on the
window's job runner, never on the GUI thread."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import Qt, QTime, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from app import schedule
from app import settings as settings_store
from app.engine.context import Context
from app.engine.events import CancelToken, Event
from app.errors import PromoterError
from app.gui.runtime import notify
from app.gui.runtime.jobs import JobRunner

HOW_OFTEN = (("every day", "daily"), ("every N hours", "hours"), ("every week (Monday)", "weekly"))
DRILLS = (("none", ""), ("daily, after the backups", "daily"), ("weekly, after the backups", "weekly"))


def read_state(jobs: JobRunner, ctx: Context, key: str, done: Callable[[schedule.State], None],
               failed: Callable[[str], None]) -> None:
    """Read this home's schedule on a worker thread (``check:`` jobs: quitting cancels them)."""

    def job(_listen: Callable[[Event], None], _cancel: CancelToken) -> schedule.State:
        return schedule.read(ctx.home)

    jobs.run(f"check:{key}", "read the backup schedule", job, done, failed)


class BackupsDialog(QDialog):
    """Install, change and remove this home's schedule; ``changed`` after each install or remove."""

    changed = Signal()

    def __init__(self, ctx: Context, jobs: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.jobs = ctx, jobs
        self.state: schedule.State | None = None
        self.setWindowTitle("Backups")
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)

        now = QGroupBox(f"This home's schedule — {ctx.home.root}")
        now_layout = QVBoxLayout(now)
        self.state_text = QLabel("Reading the schedule from the system…")
        self.state_text.setWordWrap(True)
        self.state_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        now_layout.addWidget(self.state_text)
        layout.addWidget(now)

        plan = QGroupBox("Schedule")
        form = QFormLayout(plan)
        self.how_often = QComboBox()
        for text, value in HOW_OFTEN:
            self.how_often.addItem(text, value)
        self.hours = QComboBox()
        for n in schedule.HOURS:
            self.hours.addItem(f"{n} h", n)
        self.hours.setCurrentIndex(schedule.HOURS.index(6))
        self.at = QTimeEdit(QTime(2, 30))
        self.at.setDisplayFormat("HH:mm")
        self.all_environments = QCheckBox("All environments (also those added later)")
        self.all_environments.setChecked(True)
        self.environments = QListWidget()
        self.environments.setMinimumHeight(80)
        self.environments.setMaximumHeight(140)
        for profile in ctx.profiles.load():
            item = QListWidgetItem(profile.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.environments.addItem(item)
        form.addRow("How often", self.how_often)
        form.addRow("Every", self.hours)
        form.addRow("At (first run of the day)", self.at)
        form.addRow("Environments", self.all_environments)
        form.addRow("", self.environments)
        self.drill = QComboBox()  # a restore drill proves a backup restores (in a scratch sandbox)
        for text, value in DRILLS:
            self.drill.addItem(text, value)
        self.drill.setCurrentIndex([v for _t, v in DRILLS].index("weekly"))
        self.drill.setToolTip(
            "After the backups, load each environment's newest backup into a scratch app of a local "
            "sandbox and check that it round-trips (nothing is written to any environment)."
        )
        form.addRow("Restore drills", self.drill)
        self.how_often.currentIndexChanged.connect(self._enable)
        self.all_environments.toggled.connect(self._enable)
        buttons = QHBoxLayout()
        self.install_button = QPushButton("&Install")
        self.remove_button = QPushButton("&Remove")
        self.install_button.clicked.connect(self.on_install)
        self.remove_button.clicked.connect(self.on_remove)
        buttons.addWidget(self.install_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        form.addRow(buttons)
        layout.addWidget(plan)

        keep = QGroupBox("Retention (after each scheduled run that succeeded)")
        keep_form = QFormLayout(keep)
        current = ctx.user_settings
        self.keep_per_kind = QSpinBox()
        self.keep_per_kind.setRange(1, 10000)
        self.keep_per_kind.setValue(current.keep_per_kind)
        self.keep_days = QDoubleSpinBox()
        self.keep_days.setRange(0, 3650)
        self.keep_days.setValue(current.keep_days)
        self.save_keep = QPushButton("Save retention")
        self.save_keep.clicked.connect(self.on_save_retention)
        keep_form.addRow("Keep per environment and kind", self.keep_per_kind)
        keep_form.addRow("And all entries of the last (days)", self.keep_days)
        keep_form.addRow(self.save_keep)
        layout.addWidget(keep)

        self.message = QLabel("")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        self._enable()
        self.refresh()

    def _enable(self) -> None:
        self.hours.setEnabled(self.how_often.currentData() == "hours")
        self.environments.setEnabled(not self.all_environments.isChecked())

    def chosen(self) -> schedule.Schedule:
        how = str(self.how_often.currentData())
        every = f"{self.hours.currentData()}h" if how == "hours" else how
        picked: tuple[str, ...] = ()
        if not self.all_environments.isChecked():
            items = [self.environments.item(i) for i in range(self.environments.count())]
            picked = tuple(i.text() for i in items if i.checkState() == Qt.CheckState.Checked)
            if not picked:
                raise PromoterError("Tick at least one environment, or back up all of them.")
        drill = self.drill.currentData()
        return schedule.Schedule(every, self.at.time().toString("HH:mm"), picked, drill or None)

    def refresh(self) -> None:
        read_state(self.jobs, self.ctx, "schedule-dialog", self._show, self._failed)

    def _show(self, state: schedule.State) -> None:
        self.state = state
        self.state_text.setText("\n".join(state.lines()))
        self.install_button.setText("&Change" if state.installed else "&Install")
        self.remove_button.setEnabled(state.raw is not None or bool(state.problems))
        if state.every is not None and state.at is not None:
            self._select(state)

    def _select(self, state: schedule.State) -> None:
        every, at = str(state.every), str(state.at)
        hours = every[:-1] if every.endswith("h") else None
        self.how_often.setCurrentIndex([v for _t, v in HOW_OFTEN].index("hours" if hours else every))
        if hours:
            self.hours.setCurrentIndex(schedule.HOURS.index(int(hours)))
        self.at.setTime(QTime.fromString(at, "HH:mm"))
        self.all_environments.setChecked(not state.profiles)
        self.drill.setCurrentIndex([v for _t, v in DRILLS].index(state.drill or ""))
        for i in range(self.environments.count()):
            item = self.environments.item(i)
            chosen = not state.profiles or item.text() in state.profiles
            item.setCheckState(Qt.CheckState.Checked if chosen else Qt.CheckState.Unchecked)

    def _failed(self, message: str) -> None:
        self.message.setText(message)

    def _busy(self, busy: bool) -> None:
        for button in (self.install_button, self.remove_button):
            button.setEnabled(not busy)

    def _run(self, label: str, work: Callable[[], list[str]]) -> None:
        def job(_listen: Callable[[Event], None], _cancel: CancelToken) -> list[str]:
            return work()

        def done(said: list[str]) -> None:
            self._busy(False)
            self.message.setText("\n".join(said))
            self.changed.emit()
            self.refresh()

        def failed(message: str) -> None:
            self._busy(False)
            self.message.setText(message)
            self.refresh()

        self._busy(True)
        self.message.setText(f"{label[0].upper()}{label[1:]}…")
        self.jobs.run("schedule:", label, job, done, failed)

    def on_install(self) -> None:
        try:
            plan = self.chosen()
        except PromoterError as exc:
            self.message.setText(exc.message)
            return
        home = self.ctx.home
        self._run(f"install the backup schedule ({plan.describe()})", lambda: schedule.install(home, plan)[1])

    def on_remove(self) -> None:
        home = self.ctx.home
        self._run("remove the backup schedule", lambda: schedule.remove(home))

    def on_save_retention(self) -> None:
        new = replace(
            settings_store.load(self.ctx.home.settings_file),
            keep_per_kind=self.keep_per_kind.value(),
            keep_days=self.keep_days.value(),
        )
        try:
            settings_store.save(self.ctx.home.settings_file, new)
        except PromoterError as exc:
            self.message.setText(exc.message)
            return
        self.ctx.user_settings = new
        self.message.setText(
            f"Retention saved: {new.keep_per_kind} per environment and kind, and all of the last "
            f"{new.keep_days:g} days."
        )


def label_text(state: schedule.State) -> tuple[str, str]:
    """The status bar's text and tooltip (which names this home)."""
    tip = [f"Backups of this home: {state.home}", *state.lines()[2:]]
    return state.label(), "\n".join(tip)


class ScheduleLabel(QLabel):
    """The status bar's "backups: daily 02:30 · last 5 h ago ✓", read from the system on a worker
    thread; read again on :meth:`refresh` (a read under way is followed by one more) and every
    five minutes (a scheduled run happens outside the window)."""

    KEY = "schedule-bar"

    def __init__(self, ctx: Context, jobs: JobRunner) -> None:
        super().__init__("backups: …")
        self.ctx, self.jobs = ctx, jobs
        self.setToolTip(f"Backups of this home: {ctx.home.root}")
        self._again = False
        self.notified: list[float] = []  # the failed runs (their start) already told of
        self.timer = QTimer(self)
        self.timer.setInterval(5 * 60 * 1000)
        self.timer.timeout.connect(self.refresh)

    def refresh(self) -> None:
        if self.jobs.is_busy(f"check:{self.KEY}"):
            self._again = True
            return
        self._again = False
        read_state(self.jobs, self.ctx, self.KEY, self._done, self._failed)

    def _done(self, state: schedule.State) -> None:
        text, tip = label_text(state)
        self.setText(text)
        self.setToolTip(tip)
        last = state.last_run
        if last is not None and not last.ok and last.started_at not in self.notified:
            self.notified.append(last.started_at)  # seen in history: told once, as a notification
            notify.scheduled_run_failed(self, last.summary)
        self._next()

    def _failed(self, message: str) -> None:
        self.setText("backups: schedule unknown")
        self.setToolTip(f"Backups of this home: {self.ctx.home.root}\nCould not read the schedule: {message}")
        self._next()

    def _next(self) -> None:
        if self._again:
            self.refresh()
