"""The History tab: past promotions, rollbacks, restores and profile changes; details; "Undo this
promotion" (a profile change is shown, never offered for undo)."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.engine.context import Context
from app.engine.history import Run
from app.engine.ops.undo import UNDOABLE, undo, undo_source
from app.engine.reads.planview import PlanRecordError, PlanView
from app.engine.result import Result
from app.errors import PromoterError
from app.gui.runtime import messages, notify
from app.gui.runtime.jobs import JobRunner
from app.gui.runtime.pyside_refs import emit
from app.gui.widgets import diffview, fit
from app.gui.writes.write_door import WriteDoor


class HistoryTab(QWidget):
    """Signals: changed(): an undo wrote to a server."""

    changed = Signal()

    def __init__(self, ctx: Context, jobs: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.jobs = ctx, jobs
        self.door = WriteDoor(self, ctx, jobs, self._on_done, self._on_error)
        layout = QVBoxLayout(self)
        splitter = QSplitter(Qt.Orientation.Vertical)
        self.table = QTreeWidget()
        self.table.setHeaderLabels(["#", "When", "Kind", "Source", "Target", "Result", "Seconds", "User"])
        self.table.setRootIsDecorated(False)
        self.table.itemSelectionChanged.connect(self._on_selected)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._menu)
        splitter.addWidget(self.table)
        lower = QSplitter(Qt.Orientation.Horizontal)
        self.plan_tree = QTreeWidget()  # the promotion's changes, as the Promote tab shows a plan
        self.plan_tree.setHeaderLabels(["What this run changed"])
        self.details = QPlainTextEdit()  # the outcome, the steps, the archive entries
        self.details.setReadOnly(True)
        lower.addWidget(self.plan_tree)
        lower.addWidget(self.details)
        lower.setSizes([600, 400])
        splitter.addWidget(lower)
        layout.addWidget(splitter, 1)
        row = QHBoxLayout()
        self.undo_button = QPushButton("Undo this run…")
        self.undo_button.setEnabled(False)
        self.undo_button.clicked.connect(self.on_undo)
        row.addWidget(self.undo_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.status = QLabel("")
        layout.addWidget(self.status)
        self.runs: dict[int, Run] = {}

    def _menu(self, pos: Any) -> None:
        """Right-click on a run: the same action as the button, and its details copied."""
        if self.table.itemAt(pos) is None:
            return
        menu = QMenu(self)
        undo = menu.addAction(self.undo_button.text(), self.undo_button.click)
        undo.setEnabled(self.undo_button.isEnabled())
        menu.addAction("Copy details", lambda: QApplication.clipboard().setText(self.details.toPlainText()))
        menu.exec(self.table.viewport().mapToGlobal(pos))

    def refresh(self) -> None:
        self.table.clear()
        self.runs = {}
        for run in self.ctx.history.runs(500, plans=False):  # a plan is read when its run is chosen
            self.runs[run.id] = run
            when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(run.started_at))
            item = QTreeWidgetItem(
                self.table,
                [
                    str(run.id),
                    when,
                    run.kind,
                    run.source or "",
                    run.target,
                    run.status.replace("_", " ") + (" (undone)" if run.undone_by is not None else ""),
                    str(run.seconds or ""),
                    run.user,
                ],
            )
            item.setData(0, Qt.ItemDataRole.UserRole, run.id)
        fit.fit_columns(self.table)  # "When" and the others whole, not cut to 100 px

    def selected_run(self) -> Run | None:
        items = self.table.selectedItems()
        return self.runs.get(items[0].data(0, Qt.ItemDataRole.UserRole)) if items else None

    def _on_selected(self) -> None:
        self.status.clear()  # an older run's message never stands beside another run (or a refresh)
        run = self.selected_run()
        self.undo_button.setEnabled(
            bool(
                run
                and run.kind in UNDOABLE
                and run.archive_ids.get("backup")
                and run.status == "succeeded"
                and run.undone_by is None
            )
        )
        self.plan_tree.clear()
        if run is None:
            self.details.clear()
            return
        if run.kind == "profile":  # a profile change: what changed, by whom, when; nothing to undo
            self._show_profile_change(run)
            return
        plan = fill_changed(self.plan_tree, run)
        undone = f" — undone by run #{run.undone_by}" if run.undone_by is not None else ""
        lines = [f"#{run.id} {run.kind}: {run.status.replace('_', ' ')}{undone}", run.message, "", "Steps:"]
        icons = {"done": "✓", "skipped": "–", "failed": "✗", "rolled_back": "↶"}
        lines += [
            f"  {icons.get(s['status'], '·')} {s['name']} ({s['seconds']} s) {s.get('message', '')}".rstrip()
            for s in run.steps
        ]
        if plan is not None and plan.written:
            lines += ["", "Written: " + ", ".join(plan.written)]
        if plan is not None and plan.undone:
            lines += ["Undone: " + ", ".join(plan.undone)]
        ids = ", ".join(f"{k} #{v}" for k, v in run.archive_ids.items() if isinstance(v, int))
        if ids:
            lines += ["", f"Archive entries: {ids}"]
        self.details.setPlainText("\n".join(lines))

    def _show_profile_change(self, run: Run) -> None:
        change = run.plan.get("profile") or {}
        texts = []
        for row in change.get("changes", []):
            old, new = ("—" if row.get(k) is None else row[k] for k in ("old", "new"))
            texts.append(f"{row.get('field')}: {old} → {new}")
            QTreeWidgetItem(self.plan_tree, [texts[-1]])
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(run.started_at))
        lines = [
            f"#{run.id} profile {change.get('action', 'change')}: {run.target}",
            f"By {run.user} at {when}.",
        ]
        if change.get("confirmed"):
            lines.append(f"{run.target} was protected: its name was typed to confirm.")
        if change.get("changed_outside"):
            lines.append("Its protection had been removed outside the promoter (profiles.json edited).")
        lines += ["", "Changed:"] + [f"  {text}" for text in texts]
        self.details.setPlainText("\n".join(lines))

    def on_undo(self) -> None:
        run = self.selected_run()
        if run is None:
            return
        ctx = self.ctx
        try:
            profile, _run, _source = undo_source(ctx, run.id)
        except PromoterError as exc:
            self.status.setText(exc.message)
            messages.show_error(self, exc.message)
            return
        self.door.open(
            profile,
            "undo",
            "Undo",
            lambda: undo_source(ctx, run.id)[2],
            lambda consent, stamp, listen, cancel: undo(
                ctx, run.id, consent, listen, cancel, expect_stamp=stamp
            ),
        )

    def _on_done(self, result: Result) -> None:
        emit(self.changed)  # the window refreshes the list (which clears the status line) first
        self.status.setText(f"{result.status}: {result.message}")
        notify.job_ended(self, result)
        if not result.ok:
            messages.show_error(self, result.message, messages.steps_text(result))

    def _on_error(self, message: str) -> None:
        self.status.setText(message)
        messages.show_error(self, message, self.jobs.last_details)


def fill_changed(tree: QTreeWidget, run: Run) -> PlanView | None:
    """What a run changed: what it wrote and, apart, what was undone; a run rolled back (or undone
    since) says that nothing of it remains, and its changes are listed as undone, not as applied."""
    root = tree.invisibleRootItem()
    try:
        plan = PlanView.from_record(run.plan)
    except PlanRecordError as exc:  # a history edited by hand: said, not a traceback
        QTreeWidgetItem(root, [f"This run's plan cannot be shown: {exc.message}"])
        return None
    if plan.has_changes:
        diffview.fill_plan_tree(tree, plan)
    if run.status == "rolled_back":
        head = f"Rolled back: nothing of this run remains in {run.target} (the changes below were undone)"
    elif run.undone_by is not None:
        head = f"Undone by run #{run.undone_by}: the changes below no longer hold in {run.target}"
    elif plan.written:
        head = f"Written to {run.target}: " + ", ".join(plan.written)
    else:
        head = f"Nothing was written to {run.target}"
    top = QTreeWidgetItem([head])
    root.insertChild(0, top)
    if plan.undone:
        root.insertChild(1, QTreeWidgetItem(["Undone: " + ", ".join(plan.undone)]))
    for line in plan.not_carried:
        QTreeWidgetItem(root, [f"Not carried: {line}"])
    return plan
