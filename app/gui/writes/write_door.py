"""The window's one door for a write other than a promotion (restore, Set, undo, model apply):
its plan is read in the background; the plan view shows what will change and what will not be
carried, with a banner that tells the truth and one consent per gate; the write then runs with the
plan's stamp (it refuses if the target changed since), and its result is shown."""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.engine.context import Context
from app.engine.events import CancelToken, Listener
from app.engine.gates import Consent, Gate
from app.engine.reads.planview import ConfigChange, PlanView
from app.engine.reads.writeplan import WritePlan, WriteSource, preview
from app.engine.result import Result
from app.engine.verdict import Tone
from app.gui.runtime.jobs import JobRunner
from app.gui.widgets import colours, diffview, fit
from app.gui.widgets.sidebyside import SideBySide
from app.gui.writes.consent import ConsentPanel
from app.profile import Profile

Write = Callable[[Consent, str, Listener, CancelToken], Result]  # consent, the plan's stamp, …


def banner(plan: WritePlan) -> tuple[str, str]:
    """The plan in one line and its colour name: green only when no gate applies."""
    verdict = plan.verdict()
    lead = {
        Tone.SAFE: f"Safe: {plan.source.label} → {plan.target.name}; no gate applies.",
        Tone.CAUTION: "Needs your consent: ",
        Tone.REFUSED: "Refused: ",
        Tone.NOTHING: "",
    }[verdict.tone]
    text = lead if verdict.tone is Tone.SAFE else lead + "; ".join(verdict.reasons) + "."
    return text[0].upper() + text[1:], colours.TONE_COLOURS[verdict.tone]


def fill_tree(tree: QTreeWidget, plan: WritePlan) -> None:
    """First what the write would leave inconsistent, what it does not carry and the later runs an
    undo discards; then its model and configuration changes, as a promotion's plan shows them (a
    write that carries no model says so instead of a verdict on a model it does not send)."""
    view = PlanView.of(plan)
    diffview.fill_plan_tree(tree, view)
    root = tree.invisibleRootItem()
    if plan.source.model is None:
        for index in reversed(range(root.childCount())):
            item = root.child(index)
            if item is not None and item.text(0).startswith(("Validation", "Model changes")):
                root.takeChild(index)
        root.insertChild(0, _item(f"Model: not written ({plan.target.name}'s model stays as it is)", "grey"))
    at = 0
    for title, lines, colour in (
        ("Inconsistent after this write", view.mismatch, "red"),
        ("Not carried", view.not_carried, "amber"),
        ("Later runs this undo discards", view.later_writes, "amber"),
    ):
        if lines:
            node = _item(f"{title}: {len(lines)}", colour)
            for line in lines:
                node.addChild(_item(line, colour))
            root.insertChild(at, node)
            node.setExpanded(True)
            at += 1


def _item(text: str, colour: str) -> QTreeWidgetItem:
    item = QTreeWidgetItem([text])
    item.setForeground(0, colours.qcolor(colour))
    return item


class PlanDialog(QDialog):
    """The plan of one write and its single confirmation."""

    def __init__(self, plan: WritePlan, verb: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plan = plan
        title = f"{verb} {plan.source.label} → {plan.target.name}"
        self.setWindowTitle(title)
        # wide enough for the whole title (an undo's was cut off), within the screen
        screen = self.screen().availableGeometry().width() if self.screen() is not None else 1280
        self.resize(max(760, min(fit.text_width(self, title) + 220, screen)), 560)
        layout = QVBoxLayout(self)
        self.heading = QLabel(f"<b>{html.escape(title)}</b>")  # whole, whatever the title bar shows
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        text, colour = banner(plan)
        self.banner = QLabel(text)
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(f"color: {colours.text(colour)}; font-weight: bold")
        self.banner_colour = colour
        layout.addWidget(self.banner)
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        fill_tree(self.tree, plan)
        self.tree.itemDoubleClicked.connect(self._open)
        layout.addWidget(self.tree, 1)
        backup = QLabel(
            f"A backup of {plan.target.name} (model and configuration) is taken first; a failure rolls "
            "back automatically; History can undo it afterwards."
        )
        backup.setWordWrap(True)
        layout.addWidget(backup)
        self.consent_panel = ConsentPanel(plan.target.name, plan.refusals(Consent()), verb)
        self.consent_panel.changed.connect(self._update)
        layout.addWidget(self.consent_panel)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(verb)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._update()

    def _update(self) -> None:
        self.ok_button.setEnabled(not self.plan.nothing_to_write and self.consent_panel.ready())

    def _open(self, item: QTreeWidgetItem) -> None:
        change = item.data(0, diffview.CHANGE_ROLE)
        if isinstance(change, ConfigChange) and change.columns:
            SideBySide(change, self).open()

    @property
    def consent(self) -> Consent:
        return self.consent_panel.consent


def confirm_write(parent: QWidget, plan: WritePlan, verb: str) -> Consent | None:
    """Show the plan; return what the user consented to, or None when cancelled. Tests replace this."""
    dialog = PlanDialog(plan, verb, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.consent


class WriteDoor:
    """Plan → confirmation → write → result, for one tab."""

    def __init__(
        self,
        parent: QWidget,
        ctx: Context,
        jobs: JobRunner,
        on_done: Callable[[Result], None],
        on_error: Callable[[str], None],
    ) -> None:
        self.parent, self.ctx, self.jobs = parent, ctx, jobs
        self.on_done, self.on_error = on_done, on_error
        self.last_plan: WritePlan | None = None

    def open(
        self,
        target: Profile,
        kind: str,
        verb: str,
        resolve: Callable[[], WriteSource],
        write: Write,
    ) -> None:
        ctx = self.ctx

        def plan_job(listen: Listener, cancel: CancelToken) -> WritePlan:
            return preview(ctx, target, kind, resolve(), listen, cancel)

        def planned(plan: WritePlan) -> None:
            self.last_plan = plan
            consent = confirm_write(self.parent, plan, verb)
            if consent is None:
                return
            self.jobs.run(
                target.name,
                f"{verb.lower()} {plan.source.label} → {target.name}",
                lambda listen, cancel: write(consent, plan.stamp, listen, cancel),
                self.on_done,
                self.on_error,
            )

        self.jobs.run(target.name, f"plan: {verb.lower()} → {target.name}", plan_job, planned, self.on_error)


def gate_names(plan: WritePlan) -> set[Gate]:
    return {r.gate for r in plan.refusals(Consent())}
