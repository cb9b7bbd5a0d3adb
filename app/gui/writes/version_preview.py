"""Under the Versions list: what a Set of the selected version would change, against the live
configuration (the same plan a Set shows before it asks), read in the background."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QTreeWidget, QVBoxLayout, QWidget

from app.engine.context import Context
from app.engine.events import CancelToken, Listener
from app.engine.ops.setversion import version_source
from app.engine.reads.writeplan import WritePlan, preview
from app.gui.runtime.jobs import JobRunner
from app.gui.widgets import colours
from app.gui.writes.write_door import banner, fill_tree
from app.profile import Profile


class VersionPreview(QWidget):
    def __init__(self, ctx: Context, jobs: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.jobs = ctx, jobs
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel("Select a version to see what a Set of it would change.")
        self.label.setWordWrap(True)
        layout.addWidget(self.label)
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        layout.addWidget(self.tree, 1)
        self.wanted: tuple[Profile, str] | None = None  # the latest selection
        self.shown: tuple[str, str] | None = None  # (profile, version) of the plan on show

    def show_version(self, profile: Profile | None, version: str | None) -> None:
        """Plan a Set of *version* (None: clear); a selection made while one is read is read next."""
        self.wanted = (profile, version) if profile is not None and version is not None else None
        if self.wanted is None:
            self.tree.clear()
            self.shown = None
            self.label.setText("Select one version to see what a Set of it would change.")
            return
        self._next()

    def _key(self, profile: Profile) -> str:
        return f"preview:{profile.name}"

    def _next(self) -> None:
        if self.wanted is None:
            return
        profile, version = self.wanted
        if self.shown == (profile.name, version) or self.jobs.is_busy(self._key(profile)):
            return  # on show already, or read next when the one under way ends
        ctx = self.ctx
        self.label.setText(f"Reading what a Set of {version} would change in {profile.name}…")

        def work(listen: Listener, cancel: CancelToken) -> WritePlan:
            return preview(ctx, profile, "rollback", version_source(version), listen, cancel)

        self.jobs.run(self._key(profile), f"plan of a Set of {version}", work, self._done, self._failed)

    def _done(self, plan: WritePlan) -> None:
        self.shown = (plan.target.name, plan.source.version or "")
        self.tree.clear()
        fill_tree(self.tree, plan)
        text, colour = banner(plan)
        self.label.setText(f"If set now — {text}")
        self.label.setStyleSheet(f"color: {colours.text(colour)}")
        self._next()

    def _failed(self, message: str) -> None:
        self.label.setText(f"What a Set would change could not be read: {message}")
        self.label.setStyleSheet(f"color: {colours.text('red')}")
        self.shown = None
