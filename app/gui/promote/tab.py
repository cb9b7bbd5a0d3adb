"""The Promote tab: pick source and target, Plan, Promote with confirmation, watch steps and log.

It composes small widgets: the pair picker (``pickers.py``), the banner (``verdict.py`` words it),
the plan tree with its checkboxes (``plan_tree.py``, ``plan_shaping.py``), the steps and the
progress bar (``run_view.py``) and the log; each pair's last plan is kept in ``plans.py``.

Signals:
    finished(object): a :class:`~app.engine.result.Result` (the window refreshes).
    rules_changed(): a keep rule was made from the plan's right-click menu.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from app.engine.context import Context
from app.engine.events import Event
from app.engine.reads.plan import PromoteOptions
from app.engine.reads.planview import PlanView
from app.engine.result import BAD_STATE, Result, Status
from app.engine.verdict import Tone
from app.gui.promote import confirm, job, verdict
from app.gui.promote.banner import NEUTRAL, Banner
from app.gui.promote.plan_tree import PlanTree
from app.gui.promote.plans import Pair, Planned, Plans
from app.gui.promote.run_view import RunProgress, StepList
from app.gui.promote.toolbar import Toolbar
from app.gui.runtime import messages, notify
from app.gui.runtime.jobs import JobRunner
from app.gui.runtime.pyside_refs import emit
from app.gui.widgets.logpanel import LogPanel
from app.kinds import EventKind
from app.profile import Profile


class PromoteTab(QWidget):
    finished = Signal(object)
    rules_changed = Signal()  # a rule was added from the plan (the environments list shows counts)

    def __init__(self, ctx: Context, jobs: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.jobs = jobs
        self.plans = Plans()  # each pair's last plan, typed, with its time
        self._key: str | None = None
        self._shown_pair: Pair | None = None  # the pair whose plan is on show
        self._running = ""  # what runs now, for the banner
        self.release: str | None = None  # a release is the source (``promote_release``), not the picker's
        self._build()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        bar = self.toolbar = Toolbar(self.on_plan, self.on_promote, self.on_cancel)
        self.picker, self.ignore_rules = bar.picker, bar.ignore_rules
        self.source, self.target = self.picker.source, self.picker.target
        self.plan_button, self.promote_button = bar.plan_button, bar.promote_button
        self.cancel_button = bar.cancel_button
        self.picker.changed.connect(self._on_pair_changed)
        self.ignore_rules.toggled.connect(lambda _on: self._replan())
        layout.addWidget(bar)
        self.banner = Banner("Pick a source and a target, then Plan.")
        layout.addWidget(self.banner)
        middle = QSplitter(Qt.Orientation.Horizontal)
        tree = self.plan_tree = PlanTree(self.ctx, self.picker.names, self._replan, self._rule_added)
        self.shaping, self.filler, self.show_plan = tree.shaping, tree.filler, tree.show_plan
        self.steps = StepList()
        middle.addWidget(self.plan_tree)
        middle.addWidget(self.steps)
        middle.setSizes([700, 300])
        layout.addWidget(middle, 3)
        self.progress = RunProgress()
        layout.addWidget(self.progress)
        self.log_panel = LogPanel()
        self.log = self.log_panel.log
        layout.addWidget(self.log_panel, 2)

    # -- the pair -------------------------------------------------------------------------------

    def set_profiles(
        self, profiles: list[Profile], source: str | None = None, target: str | None = None
    ) -> None:
        self.picker.set_profiles(profiles, source, target)

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
        shown, now = self._shown_pair, self.picker.names()
        if shown is not None and shown != now and self._key is None:
            self.plan_tree.forget()
            self.steps.clear()
            self.progress.idle()
            self._shown_pair = None
            self.banner.show_text(f"Plan {now[0]} → {now[1]} to see what would change.", NEUTRAL)
        if self._key is None:
            self._offer(self.plans.recent(now))  # Promote… follows the pair's own plan, or none
            self._show_recent(now)
        if shown != now:
            self.toolbar.rules_as_set()
        if not self.picker.profiles:
            self.banner.show_text(
                "No environments yet: add your first one (Environments → Add…), or try `promoter demo`.",
                NEUTRAL,
            )

    def _show_recent(self, pair: Pair) -> None:
        """Show *pair*'s recent plan, saying when it was made (a stale one is refused anyway)."""
        planned = self.plans.recent(pair)
        if planned is None or self._shown_pair == pair:
            return
        self.show_plan(planned.view)
        self._shown_pair = pair
        self._offer(planned)
        made = time.strftime("%H:%M:%S", time.localtime(planned.at))
        text, colour = verdict.banner(planned.result)
        self.banner.show_text(f"{text} (Made at {made}; plan again to refresh it.)", colour)

    def pair(self) -> tuple[Profile, Profile] | None:
        pair = self.picker.pair()
        if pair is None:
            self.banner.show_text("Pick a source and a target environment first.", verdict.RED)
        return pair

    # -- actions --------------------------------------------------------------------------------

    def on_plan(self, then_promote: bool = False) -> None:
        pair = self.pair()
        if pair is None:
            return
        options = PromoteOptions(
            dry_run=True, exclude=tuple(self.shaping.current()), no_rules=self.ignore_rules.isChecked()
        )
        self._start(pair, options, "Planning", then_promote=then_promote)

    def replan_if_shown(self) -> None:
        """The environments or their rules changed: a plan on show is made again."""
        if self._shown_pair is not None and self._shown_pair == self.picker.names() and self._key is None:
            self.plans.pop(self._shown_pair, None)
            self.on_plan()

    def _replan(self) -> None:
        """Exclusions, rules or "Ignore rules" changed: the plan on show is out of date; plan again."""
        if self._key is None and self._shown_pair == self.picker.names():
            self.on_plan()

    def _rule_added(self, target: str, selector: str) -> None:
        """A keep rule was made from the plan: the environments list shows it; plan again."""
        self.picker.profiles = self.ctx.profiles.load()
        self._append(f"{target} now always keeps {selector} (a rule)")
        emit(self.rules_changed)
        self._replan()

    def on_promote(self) -> None:
        """Confirm on the plan just made (re-plan when there is none, or it is over 10 minutes old)."""
        pair = self.pair()
        if pair is None or self._key is not None:
            return
        names = (pair[0].name, pair[1].name)
        recent = self.plans.recent(names)
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
        if answer is None:
            self._append("promotion not confirmed; nothing was written")
            return
        self._start((source, target), confirm.promote_options(plan, answer), "Promoting")

    def on_cancel(self) -> None:
        if self._key is not None:
            self.jobs.cancel(self._key)
            self._append("cancel requested: anything already written is rolled back")

    def _start(
        self, pair: tuple[Profile, Profile], options: PromoteOptions, verb: str, then_promote: bool = False
    ) -> None:
        source, target = pair
        release = self.release
        label = source.name if release is None else f"release {release}"
        self.steps.restart()
        self.progress.start(verb)
        self._running = f"{verb} {label} → {target.name}"
        self.log_panel.start_run(self._running)  # follows the log again
        self.banner.show_text(f"{self._running}…", NEUTRAL)  # never a stale "Plan ready" while a run goes on

        def done(result: Result) -> None:
            if release is not None and result.status != Status.DRY_RUN:
                self.release = None  # promoted (or not): the next Promote is of the pickers' pair
            self._on_finished(result)
            planned = Planned.of(result)
            if then_promote and planned is not None:
                self._confirm_and_run(source, target, planned)

        work = job.promotion(self.ctx, source, target, options, release)
        label = f"{verb.lower()} {label} → {target.name}"
        if self.jobs.run(target.name, label, work, done, self._on_failed, self._on_event) is not None:
            self._key = target.name
            self._set_busy(True)

    # -- slots ----------------------------------------------------------------------------------

    def _on_event(self, event: Event) -> None:
        if event.kind == EventKind.LOG:
            self._append(event.message)
        elif event.kind == EventKind.PROGRESS:
            self.progress.on_progress(event)
        elif event.kind == EventKind.STEP:
            self.steps.on_step(event)
            if self.steps.running and self._key is not None:  # not a step that ended while one goes on
                self.banner.show_text(f"{self._running}: {' and '.join(self.steps.running)}…", NEUTRAL)

    def _on_finished(self, result: Result) -> None:
        self._key = None
        self._set_busy(False)
        notify.job_ended(self, result)
        self.steps.show_steps(result.steps)
        planned = self.plans.keep(result)
        view = PlanView.of_result(result.planned, result.plan)
        if view is not None:
            self.show_plan(view)
            self._shown_pair = (result.source or "", result.target)
        self.banner.show_text(*verdict.banner(result))
        self._offer(planned)
        cancelled = verdict.cancelled_as_asked(result)
        if result.status in (Status.FAILED, Status.ROLLED_BACK, *BAD_STATE) and not cancelled:
            messages.show_error(self, result.message, messages.steps_text(result))  # (a cancel: the banner)
        status = "cancelled" if cancelled else result.status.replace("_", " ")
        self.progress.setFormat("plan ready" if result.status == Status.DRY_RUN else status)
        self.progress.setValue(100 if result.ok else self.progress.value())
        emit(self.finished, result)

    def _on_failed(self, message: str) -> None:
        self._key = None
        self._set_busy(False)
        self.banner.show_text(message, verdict.RED)
        self._append("error: " + message)
        messages.show_error(self, message, self.jobs.last_details)

    def _set_busy(self, busy: bool) -> None:
        self.toolbar.set_busy(busy)

    def _offer(self, planned: Planned | None) -> None:
        nothing = planned is not None and planned.plan.verdict().tone is Tone.NOTHING
        self.toolbar.offer(nothing, busy=self._key is not None)

    def notice(self, text: str) -> None:
        """An amber banner and a log line, e.g. "Cancelling; …" while the window quits."""
        self.banner.show_text(text, verdict.AMBER)
        self._append(text)
        self.cancel_button.setEnabled(False)

    def _append(self, text: str) -> None:
        self.log_panel.append(text)
