"""The Overview tab: the environments as a pipeline, in stage order, and what lies between them.

Each environment: its app, reachability, the configuration version it serves, the promoter's last
write into it (and from where), drift. Between two neighbours: equal, or how many model and
configuration changes a promotion would make (their rules applied), and "Plan this step". Read in
the background (``engine.overview``); nothing is written. A read downloads only the environments
whose label, versions or model changed (the others say "not re-read since 10:42"); "Compare again"
and F5 download and compare everything.

Signals:
    plan_requested(str, str): the user asked to plan source → target.
"""

from __future__ import annotations

import html
import time
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.engine.context import Context
from app.engine.reads.overview import (
    Overview,
    Station,
    Step,
    read_overview,
    station_freshness,
    step_freshness,
)
from app.gui.runtime.jobs import JobRunner
from app.gui.runtime.pyside_refs import emit
from app.gui.widgets import colours
from app.plural import count

KEY = "overview:all"


class OverviewTab(QWidget):
    plan_requested = Signal(str, str)

    def __init__(self, ctx: Context, jobs: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.jobs = ctx, jobs
        self.overview: Overview | None = None
        self.stale = True  # read it when it is next shown (after a write, or at start)
        self.want_full = False  # F5 while another tab was shown: the next read is a full one
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.status = QLabel("Not read yet.")
        self.status.setWordWrap(True)
        self.refresh_button = QPushButton("Compare again")
        self.refresh_button.setToolTip(
            "Download every environment and compare every step again (F5; read-only, nothing is written)"
        )
        self.refresh_button.clicked.connect(lambda: self.refresh(full=True))
        top.addWidget(self.status, 1)
        top.addWidget(self.refresh_button)
        layout.addLayout(top)
        self.area = QScrollArea()
        self.area.setWidgetResizable(True)
        self.area.setFrameShape(QFrame.Shape.NoFrame)
        layout.addWidget(self.area, 1)
        self._fill(None)

    def invalidate(self) -> None:
        """Something was written: read again now when on show, else when next shown. A read already
        under way may have read history before the write: it is followed by another one."""
        self.stale = True
        if self.isVisible():
            self.refresh()

    def refresh(self, full: bool = False) -> None:
        """Read the pipeline: only what may have changed, or (*full*) everything again."""
        full = full or self.want_full
        if self.jobs.is_busy(KEY):
            self.want_full = full  # asked for during a read: the next one is full
            return
        self.stale, self.want_full = False, False
        self.status.setText("Reading every environment…" if full else "Checking every environment…")
        self.refresh_button.setEnabled(False)
        ctx = self.ctx
        self.jobs.run(
            KEY,
            "overview",
            lambda listen, cancel: read_overview(ctx, listen, cancel, full=full),
            self._done,
            self._failed,
        )

    def _done(self, overview: Overview) -> None:
        self.overview = overview
        self._again_if_written()
        self.refresh_button.setEnabled(True)
        reachable = sum(s.reachable for s in overview.stations)
        when = time.strftime("%H:%M:%S")
        if not overview.stations:
            self.status.setText(f"Read at {when}: no environments yet.")
        else:
            total = count(len(overview.stations), "environment")
            read = sum(s.fresh == "read" for s in overview.stations)
            kept = reachable - read
            how = (
                f" {read} downloaded; {kept} unchanged by label and model, not re-read (Compare again: F5)."
                if kept
                else ""
            )
            self.status.setText(
                f"Read at {when}: {reachable} of {total} reachable.{how} Nothing was written."
            )
        self._fill(overview)

    def _failed(self, message: str) -> None:
        self.refresh_button.setEnabled(True)
        self.status.setText(f"Could not read the environments: {message}")
        self._again_if_written()

    def _again_if_written(self) -> None:
        """A write ended during this read (it may be missing from it): read again, when on show."""
        if self.stale and self.isVisible():
            self.refresh()

    def _fill(self, overview: Overview | None) -> None:
        body = QWidget()
        column = QVBoxLayout(body)
        column.setSpacing(4)
        if overview is None or not overview.stations:
            hint = "No environments yet: add them on the left." if overview else "Reading…"
            column.addWidget(QLabel(hint))
        else:
            steps = {(s.source, s.target): s for s in overview.steps}
            for index, station in enumerate(overview.stations):
                column.addWidget(self._station(station))
                if index + 1 < len(overview.stations):
                    nxt = overview.stations[index + 1]
                    column.addWidget(self._step(steps[(station.name, nxt.name)]))
        column.addStretch(1)
        self.area.setWidget(body)

    def _station(self, station: Station) -> QFrame:
        card = QFrame()
        card.setObjectName(f"station-{station.name}")
        card.setFrameShape(QFrame.Shape.StyledPanel)
        outer = QHBoxLayout(card)
        stripe = QFrame()
        stripe.setFixedWidth(6)
        stripe.setStyleSheet(f"background: {station.colour}; border-radius: 2px;")
        outer.addWidget(stripe)
        box = QVBoxLayout()
        outer.addLayout(box, 1)
        lock = "  [protected]" if station.protected else ""
        title = QLabel(f"<b>{station.stage}. {station.name}</b> — {station.app}{lock}")
        box.addWidget(title)
        if not station.reachable:
            lines = [_span("red", f"Not reachable: {station.error}")]
        else:
            lines = [f"Serves configuration <b>{station.version or '?'}</b>"]
            lines.append(_last_write(station.last_write))
            if station.releases:
                lines.append(
                    "Holds release " + ", ".join(f"<b>{html.escape(n)}</b>" for n in station.releases)
                )
            for line in station.mismatch:
                lines.append(_span("red", f"Inconsistent: {line}."))
            if station.drifted:
                lines.append(_span("amber", "Drifted: changed outside the promoter since its last write."))
            elif station.drifted is False and not station.mismatch:
                lines.append(_span("green", "No drift since the promoter's last write."))
            lines.append(_span("grey", station_freshness(station).capitalize() + "."))
        if station.drift_check is not None:
            check = station.drift_check
            lines.append(_span("amber" if check["drifted"] else "grey", check["text"].capitalize() + "."))
        detail = QLabel("<br>".join(lines))
        detail.setWordWrap(True)
        box.addWidget(detail)
        if station.restorability is not None:
            box.addWidget(_restorability(station))
        return card

    def _plan(self, step: Step) -> None:
        emit(self.plan_requested, step.source, step.target)

    def _step(self, step: Step) -> QWidget:
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(24, 0, 0, 0)
        if step.error:
            text = _span("grey", f"↓ {step.source} → {step.target}: cannot compare ({step.error})")
        elif step.equal:
            said = "equal, nothing to promote" if step.fresh else "equal when last compared"
            text = _span("green", f"↓ {step.source} → {step.target}: {said}")
        else:
            text = _span(
                "amber",
                f"↓ {step.source} → {step.target}: {count(step.model_changes, 'model change')}, "
                f"{count(step.config_changes, 'configuration change')}",
            )
        if step.rules:
            text += _span("grey", f" ({count(step.rules, 'rule')} of {step.target} applied)")
        if step.known:
            text += "<br>" + _span("grey", step_freshness(step).capitalize() + ".")
        label = QLabel(text)
        label.setWordWrap(True)
        line.addWidget(label, 1)
        button = QPushButton("Plan this step")
        button.setObjectName(f"plan-{step.source}-{step.target}")
        button.setToolTip(f"Open the Promote tab and plan {step.source} → {step.target} (read-only)")
        button.setEnabled(not step.error)
        button.clicked.connect(lambda: self._plan(step))
        line.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
        return row


BADGES = {"green": "✓ Restorable", "amber": "⚠ Restorability target missed", "red": "✗ Not restorable"}


def _restorability(station: Station) -> QLabel:
    """The badge: green, amber (the target missed) or red (the last backup or drill failed), with
    "last proven restorable 2 days ago" and what is missing; the tooltip says it all."""
    r = station.restorability
    assert r is not None
    text = f"<b>{BADGES[r.state]}</b>: {r.text}"
    if r.problems:
        text += " — " + "; ".join(r.problems[:2])
    badge = QLabel(_span(r.state, text))
    badge.setObjectName(f"restorability-{station.name}")
    badge.setProperty("state", r.state)
    badge.setWordWrap(True)
    badge.setToolTip(
        "\n".join(
            [r.text.capitalize() + "."]
            + [p[0].upper() + p[1:] for p in r.problems]
            + [
                "Target: a verified backup within the hours and a passing drill within the days "
                "set in Settings; `promoter backup drill` proves a backup restores."
            ]
        )
    )
    return badge


def _span(colour: str, text: str) -> str:
    return f"<span style='color:{colours.text(colour)}'>{text}</span>"


def _last_write(write: dict[str, Any] | None) -> str:
    if write is None:
        return "Not written by the promoter yet."
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(write["when"]))
    source = f" from {write['source']}" if write.get("source") else ""
    verb = {
        "promote": "Promoted",
        "rollback": "Set to a server version",  # a Set is recorded as "rollback"
        "restore": "Restored",
        "model": "Model applied",
        "undo": "Undone",
    }.get(write["kind"], write["kind"])
    return f"{verb}{source} on {when} (run #{write['run']})."
