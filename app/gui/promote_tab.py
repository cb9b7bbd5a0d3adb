"""The Promote tab: pick source and target, Plan, Promote with confirmation, watch steps and log.

Signals:
    finished(object): a :class:`~app.engine.ops.promote.Result` (the window refreshes).
    rules_changed(): a keep rule was made from the plan's right-click menu.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QVBoxLayout,
    QWidget,
)

from app.engine.context import Context
from app.engine.events import Event
from app.engine.ops.promote import promote
from app.engine.reads.plan import Plan, PromoteOptions
from app.engine.result import Result
from app.engine.verdict import Tone
from app.gui import colours, confirm, diffview, fit, notify, verdict
from app.gui.jobs import JobRunner
from app.gui.logpanel import LogPanel
from app.gui.plan_shaping import PlanShaping
from app.gui.pyside_refs import emit
from app.gui.slices import Slices
from app.profile import Profile

STEP_ICONS = {"pending": "○", "running": "▶", "done": "✓", "skipped": "–", "failed": "✗", "rolled_back": "↶"}
STEP_COLOURS = {"failed": "red", "rolled_back": "amber", "done": "green", "running": "blue"}
NEUTRAL = "#455a64"


PLAN_LIFETIME = 600.0  # seconds a plan is offered for confirmation; an older one is made again


@dataclass(frozen=True)
class Planned:
    """A pair's plan as the tab keeps it: the run that made it (its typed plan) and when."""

    result: Result
    at: float

    @property
    def plan(self) -> Plan:
        assert isinstance(self.result.planned, Plan)
        return self.result.planned

    @classmethod
    def of(cls, result: Result) -> Planned | None:
        if result.status != "dry_run" or not isinstance(result.planned, Plan):
            return None
        return cls(result, time.time())


class PromoteTab(QWidget):
    finished = Signal(object)
    rules_changed = Signal()  # a rule was added from the plan (the environments list shows counts)

    def __init__(self, ctx: Context, jobs: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.jobs = jobs
        self.plans: dict[tuple[str, str], Planned] = {}  # each pair's last plan, typed, with its time
        self._key: str | None = None
        self._shown_pair: tuple[str, str] | None = None  # the pair whose plan is on show
        self._running = ""  # what runs now, for the banner
        self._steps_running: list[str] = []  # the steps under way (two at once while both sides are read)
        self._started = 0.0
        self.release: str | None = None  # a release is the source (``promote_release``), not the picker's
        self._build()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.source, self.target = QComboBox(), QComboBox()
        self.source.setObjectName("sourcePicker")
        self.target.setObjectName("targetPicker")
        self.source.currentIndexChanged.connect(self._on_source_changed)
        self.source.currentIndexChanged.connect(self._on_pair_changed)
        self.target.currentIndexChanged.connect(self._on_pair_changed)
        self.plan_button = QPushButton("Plan")
        self.plan_button.setToolTip("Read-only preflight (Ctrl+P)")
        self.promote_button = QPushButton("Promote…")
        self.promote_button.setToolTip("Plan, confirm, then promote (Ctrl+Enter)")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop; anything already written is rolled back (Esc)")
        self.cancel_button.setEnabled(False)
        self.plan_button.clicked.connect(self.on_plan)
        self.promote_button.clicked.connect(self.on_promote)
        self.cancel_button.clicked.connect(self.on_cancel)
        self.ignore_rules = QCheckBox("Ignore rules")
        self.ignore_rules.setToolTip(
            "Promote without the target's rules (what it always keeps or rewrites); the plan and the "
            "confirmation say so"
        )
        self.ignore_rules.toggled.connect(lambda _on: self._replan())
        for widget in (
            QLabel("From"),
            self.source,
            QLabel("to"),
            self.target,
            self.plan_button,
            self.promote_button,
            self.cancel_button,
            self.ignore_rules,
        ):
            row.addWidget(widget)
        row.addStretch(1)
        layout.addLayout(row)
        self.banner = QLabel("Pick a source and a target, then Plan.")
        self.banner.setObjectName("verdictBanner")
        self.banner.setWordWrap(True)
        self.banner.setMargin(8)
        # room for two lines: a long verdict wraps instead of being cut at 1024 px
        self.banner.setMinimumHeight(2 * self.banner.fontMetrics().lineSpacing() + 18)
        layout.addWidget(self.banner)
        middle = QSplitter(Qt.Orientation.Horizontal)
        self.plan_tree = QTreeWidget()
        self.plan_tree.setHeaderLabels(["Plan (double-click an action to read or compare its code)"])
        self.plan_tree.itemDoubleClicked.connect(self._on_plan_item)
        self.shaping = PlanShaping(self.ctx, self.plan_tree, self._names, self._replan, self._rule_added)
        self.filler = Slices(self)
        self.steps = QListWidget()
        middle.addWidget(self.plan_tree)
        middle.addWidget(self.steps)
        middle.setSizes([700, 300])
        layout.addWidget(middle, 3)
        self.progress = QProgressBar()
        self.progress.setFormat("idle")
        self.progress.setValue(0)
        layout.addWidget(self.progress)
        self.log_panel = LogPanel()
        self.log = self.log_panel.log
        layout.addWidget(self.log_panel, 2)

    # -- pickers --------------------------------------------------------------------------------

    def set_profiles(
        self, profiles: list[Profile], source: str | None = None, target: str | None = None
    ) -> None:
        self._profiles = profiles
        keep = source or self.source.currentText()
        self.source.blockSignals(True)
        self.source.clear()
        self.source.addItems([p.name for p in profiles])
        if keep:
            self.source.setCurrentText(keep)
        self.source.blockSignals(False)
        self._on_source_changed()
        if target:
            self.target.setCurrentText(target)
        self._on_pair_changed()

    def _on_source_changed(self) -> None:
        profiles = getattr(self, "_profiles", [])
        self.target.blockSignals(True)  # one pair change at the end, not one per intermediate state
        self.target.clear()
        self.target.addItems([p.name for p in profiles if p.name != self.source.currentText()])
        source = next((p for p in profiles if p.name == self.source.currentText()), None)
        if source:
            after = next((p for p in profiles if p.stage == source.stage + 1), None)
            if after:
                self.target.setCurrentText(after.name)
        self.target.blockSignals(False)

    def promote_release(self, name: str, source: str, target: str) -> None:
        """Plan release *name* (taken from *source*) into *target*, then confirm and promote it, as
        any promotion (the pickers show its environment; changing them leaves the release)."""
        if self._key is not None:
            return
        self.source.setCurrentText(source)
        self.target.setCurrentText(target)
        self.release = name
        self.on_plan(then_promote=True)

    def _on_pair_changed(self) -> None:
        """A plan is of one pair: switching the source or the target never leaves it on show."""
        self.release = None
        shown = self._shown_pair
        now = (self.source.currentText(), self.target.currentText())
        if shown is not None and shown != now and self._key is None:
            self.filler.stop()
            self.plan_tree.clear()
            self.steps.clear()
            self.progress.setValue(0)
            self.progress.setFormat("idle")
            self._shown_pair = None
            self._banner(f"Plan {now[0]} → {now[1]} to see what would change.", NEUTRAL)
        if self._key is None:
            self._show_recent(now)
        if shown != now and self.ignore_rules.isChecked():  # "Ignore rules" is said per pair
            self.ignore_rules.blockSignals(True)
            self.ignore_rules.setChecked(False)
            self.ignore_rules.blockSignals(False)
        if not getattr(self, "_profiles", None):
            self._banner(
                "No environments yet: add your first one (Environments → Add…), or try `promoter demo`.",
                NEUTRAL,
            )

    def _recent(self, pair: tuple[str, str]) -> Planned | None:
        """The plan of *pair* made in the last 10 minutes, if any (promote confirms on it)."""
        planned = self.plans.get(pair)
        return planned if planned is not None and time.time() - planned.at < PLAN_LIFETIME else None

    def _show_recent(self, pair: tuple[str, str]) -> None:
        """Show *pair*'s recent plan, saying when it was made (a stale one is refused anyway)."""
        planned = self._recent(pair)
        if planned is None or self._shown_pair == pair:
            return
        self.show_plan(planned.result.plan)
        self._shown_pair = pair
        self._show_verdict(planned)
        made = time.strftime("%H:%M:%S", time.localtime(planned.at))
        text, colour = verdict.banner(planned.result)
        self._banner(f"{text} (Made at {made}; plan again to refresh it.)", colour)

    def pair(self) -> tuple[Profile, Profile] | None:
        by_name = {p.name: p for p in getattr(self, "_profiles", [])}
        source, target = by_name.get(self.source.currentText()), by_name.get(self.target.currentText())
        if source is None or target is None:
            self._banner("Pick a source and a target environment first.", "#c62828")
            return None
        return source, target

    # -- actions --------------------------------------------------------------------------------

    def on_plan(self, then_promote: bool = False) -> None:
        pair = self.pair()
        if pair is None:
            return
        options = PromoteOptions(
            dry_run=True, exclude=tuple(self.shaping.current()), no_rules=self.ignore_rules.isChecked()
        )
        self._start(pair, options, "Planning", then_promote=then_promote)

    def _names(self) -> tuple[str, str]:
        return self.source.currentText(), self.target.currentText()

    def replan_if_shown(self) -> None:
        """The environments or their rules changed: a plan on show is made again."""
        if self._shown_pair is not None and self._shown_pair == self._names() and self._key is None:
            self.plans.pop(self._shown_pair, None)
            self.on_plan()

    def _replan(self) -> None:
        """Exclusions, rules or "Ignore rules" changed: the plan on show is out of date; plan again."""
        if self._key is None and self._shown_pair == self._names():
            self.on_plan()

    def _rule_added(self, target: str, selector: str) -> None:
        """A keep rule was made from the plan: the environments list shows it; plan again."""
        self._profiles = self.ctx.profiles.load()
        self._append(f"{target} now always keeps {selector} (a rule)")
        emit(self.rules_changed)
        self._replan()

    def on_promote(self) -> None:
        """Confirm on the plan just made (re-plan when there is none, or it is over 10 minutes old)."""
        pair = self.pair()
        if pair is None or self._key is not None:
            return
        names = (pair[0].name, pair[1].name)
        recent = self._recent(names)
        if recent is not None:
            self._show_recent(names)  # confirm on what is on show
            self._confirm_and_run(pair[0], pair[1], recent)
        else:
            self.on_plan(then_promote=True)

    def _confirm_and_run(self, source: Profile, target: Profile, planned: Planned) -> None:
        plan = planned.plan
        if plan.verdict().tone is Tone.NOTHING:  # no typed name for nothing
            self._append(f"nothing to promote: {target.name} already holds what would be sent")
            return
        answer = confirm.confirm_promotion(self, source, target, plan)
        summary = planned.result.plan
        if answer is None:
            self._append("promotion not confirmed; nothing was written")
            return
        options = PromoteOptions(
            yes=answer.accept_drift,
            confirm=answer.confirm,
            allow_data_loss=answer.allow_data_loss,
            allow_skip_stage=answer.allow_skip_stage,
            expect_stamp=summary.get("stamp"),  # refused as stale if either side changed since
            exclude=tuple(summary.get("shaping", {}).get("excludes", [])),  # as planned and confirmed
            no_rules=bool(summary.get("shaping", {}).get("no_rules")),
            accept_security=answer.security_reason,
            accept_unverified_source=answer.accept_unverified_source,
            allow_other_app=answer.allow_other_app,
        )
        self._start((source, target), options, "Promoting")

    def on_cancel(self) -> None:
        if self._key is not None:
            self.jobs.cancel(self._key)
            self._append("cancel requested: anything already written is rolled back")

    def _start(
        self, pair: tuple[Profile, Profile], options: PromoteOptions, verb: str, then_promote: bool = False
    ) -> None:
        source, target = pair
        key = target.name
        release = self.release
        label = source.name if release is None else f"release {release}"
        self.steps.clear()
        self.progress.setValue(0)
        self.progress.setFormat(verb.lower() + "…")
        self.log_panel.start_run(f"{verb} {label} → {target.name}")  # follows the log again
        self._running = f"{verb} {label} → {target.name}"
        self._steps_running = []
        self._banner(f"{self._running}…", NEUTRAL)  # never a stale "Plan ready" while a run goes on
        ctx = self.ctx

        def done(result: Result) -> None:
            if release is not None and result.status != "dry_run":
                self.release = None  # promoted (or not): the next Promote is of the pickers' pair
            self._on_finished(result)
            planned = Planned.of(result)
            if then_promote and planned is not None:
                self._confirm_and_run(source, target, planned)

        def work(listen: Any, cancel: Any) -> Result:
            if release is None:
                return promote(ctx, source, target, options, listen, cancel)
            from app.engine.reads.releases import source_of

            origin, archived = source_of(ctx, release)
            return promote(ctx, origin, target, options, listen, cancel, archived=archived)

        worker = self.jobs.run(
            key,
            f"{verb.lower()} {label} → {target.name}",
            work,
            done,
            self._on_failed,
            self._on_event,
        )
        if worker is not None:
            self._key = key
            self._started = time.monotonic()
            self._set_busy(True)

    # -- slots ----------------------------------------------------------------------------------

    def _on_event(self, event: Event) -> None:
        if event.kind == "log":
            self._append(event.message)
        elif event.kind == "progress" and event.total:
            self.progress.setValue(int(event.done * 100 / event.total))
            elapsed = max(time.monotonic() - self._started, 1e-3)
            rate_text = f" — {_size(int(event.done / elapsed))}/s"
            self.progress.setFormat(f"{event.step}: {_size(event.done)} of {_size(event.total)}{rate_text}")
        elif event.kind == "step":
            self._set_step(event.step, event.status or "", event.message)
            if event.status == "running":
                self._steps_running.append(event.step)
            elif event.step in self._steps_running:
                self._steps_running.remove(event.step)
            if self._steps_running and self._key is not None:  # not a step that ended while one goes on
                self._banner(f"{self._running}: {' and '.join(self._steps_running)}…", NEUTRAL)

    def _set_step(self, name: str, status: str, message: str = "") -> None:
        text = f"{STEP_ICONS.get(status, '?')} {name} — {status.replace('_', ' ')}"
        item = None
        for row in range(self.steps.count()):
            if self.steps.item(row).data(Qt.ItemDataRole.UserRole) == name:
                item = self.steps.item(row)
        if item is None:
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, name)
            self.steps.addItem(item)
        item.setText(text)
        item.setToolTip(message)
        item.setForeground(colours.qcolor(STEP_COLOURS.get(status, "grey")))
        fit.fit_list(self.steps)  # "Download source configuratio" was cut off

    def _on_finished(self, result: Result) -> None:
        self._key = None
        self._set_busy(False)
        notify.job_ended(self, result)
        for step in result.steps:
            self._set_step(step["name"], step["status"], step.get("message", ""))
        planned = Planned.of(result)
        if planned is not None and result.source:
            self.plans[(result.source, result.target)] = planned
        elif result.source:
            self.plans.pop((result.source, result.target), None)
        if result.plan:
            self.show_plan(result.plan)
            self._shown_pair = (result.source or "", result.target)
        self._banner(*verdict.banner(result))
        self._show_verdict(planned)
        cancelled = verdict.cancelled_as_asked(result)
        if result.status in ("failed", "rolled_back", "rollback_failed", "unknown") and not cancelled:
            from app.gui import messages  # (a cancel that left the target as it was: the banner, no box)

            messages.show_error(self, result.message, messages.steps_text(result))
        status = "cancelled" if cancelled else result.status.replace("_", " ")
        self.progress.setFormat("plan ready" if result.status == "dry_run" else status)
        self.progress.setValue(100 if result.status in ("succeeded", "dry_run") else self.progress.value())
        emit(self.finished, result)

    def _on_failed(self, message: str) -> None:
        self._key = None
        self._set_busy(False)
        self._banner(message, "#c62828")
        self._append("error: " + message)
        from app.gui import messages

        messages.show_error(self, message, self.jobs.last_details)

    def show_plan(self, plan: dict[str, Any]) -> None:
        """Fill the plan tree: a plan of a few hundred changes at once, a larger one in slices
        between events (its rows appear as they are added; the window keeps answering)."""
        self.shaping.begin(plan)
        rows = diffview.plan_rows(self.plan_tree, plan, on_row=self.shaping.decorate_row)
        self.filler.start(
            rows, done=lambda: self._quietly(lambda: self.shaping.end(plan)), around=self._quietly, first=400
        )

    def _quietly(self, work: Callable[[], Any]) -> Any:
        """*work()* with the plan tree's signals blocked (its checkboxes are being set, not clicked)."""
        self.plan_tree.blockSignals(True)
        try:
            return work()
        finally:
            self.plan_tree.blockSignals(False)

    def _on_plan_item(self, item: Any) -> None:
        change = item.data(0, 256)
        if isinstance(change, dict) and change.get("columns"):
            diffview.SideBySide(change, self).open()

    def _set_busy(self, busy: bool) -> None:
        self.plan_button.setEnabled(not busy)
        self.promote_button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)

    def _show_verdict(self, planned: Planned | None) -> None:
        """Promote… is offered only when there is something to promote (a plan with no change asks
        for nothing, not even a protected target's name)."""
        nothing = planned is not None and planned.plan.verdict().tone is Tone.NOTHING
        self.promote_button.setEnabled(not nothing and self._key is None)
        tip = "Nothing to promote: the target already holds this." if nothing else ""
        self.promote_button.setToolTip(tip)

    def notice(self, text: str) -> None:
        """An amber banner and a log line, e.g. "Cancelling; …" while the window quits."""
        self._banner(text, "#ef6c00")
        self._append(text)
        self.cancel_button.setEnabled(False)

    def _banner(self, text: str, colour: str) -> None:
        self.banner.setStyleSheet(f"background: {colour}; color: white; border-radius: 4px;")
        self.banner.setText(text)

    def _append(self, text: str) -> None:
        self.log_panel.append(text)


def _size(count: int) -> str:
    if count >= 1048576:
        return f"{count / 1048576:.1f} MiB"
    return f"{count / 1024:.0f} KiB"
