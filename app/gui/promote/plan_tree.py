"""The Promote tab's plan tree: the plan grows in it in slices (a plan of thousands of changes
leaves the window answering), a checkbox per change and the right-click rules (``plan_shaping``),
and a double-click that opens an action's code side by side."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem

from app.engine.context import Context
from app.engine.reads.planview import ConfigChange, PlanView
from app.gui.promote.plan_shaping import Pair, PlanShaping
from app.gui.runtime.slices import Slices
from app.gui.widgets import diffview
from app.gui.widgets.sidebyside import SideBySide


class PlanTree(QTreeWidget):
    def __init__(
        self,
        ctx: Context,
        pair: Callable[[], Pair],
        replan: Callable[[], None],
        rule_added: Callable[[str, str], None],
    ) -> None:
        super().__init__()
        self.setHeaderLabels(["Plan (double-click an action to read or compare its code)"])
        self.itemDoubleClicked.connect(self._open)
        self.shaping = PlanShaping(ctx, self, pair, replan, rule_added)
        self.filler = Slices(self)

    def show_plan(self, plan: PlanView) -> None:
        """Fill the tree: a plan of a few hundred changes at once, a larger one in slices between
        events (its rows appear as they are added; the window keeps answering)."""
        self.shaping.begin(plan)
        rows = diffview.plan_rows(self, plan, on_row=self.shaping.decorate_row)
        self.filler.start(
            rows, done=lambda: self._quietly(lambda: self.shaping.end(plan)), around=self._quietly, first=400
        )

    def forget(self) -> None:
        """No plan on show (another pair was picked)."""
        self.filler.stop()
        self.clear()

    def _quietly(self, work: Callable[[], Any]) -> Any:
        """*work()* with the tree's signals blocked (its checkboxes are being set, not clicked)."""
        self.blockSignals(True)
        try:
            return work()
        finally:
            self.blockSignals(False)

    def _open(self, item: QTreeWidgetItem) -> None:
        change = item.data(0, diffview.CHANGE_ROLE)
        if isinstance(change, ConfigChange) and change.columns:
            SideBySide(change, self).open()
