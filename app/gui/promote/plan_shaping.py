"""Shaping a promotion from the plan tree: a checkbox per change (untick: leave it out of this
promotion), the rules' and exclusions' effects in their own colour, and a right-click menu that
leaves a change out or makes the target always keep its value (a keep rule).

The engine decides what an exclusion drags along or refuses; this module only collects selectors
and asks for a new plan.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMenu, QTreeWidget, QTreeWidgetItem

from app.engine.context import Context
from app.engine.reads.planview import ConfigChange, PlanView
from app.errors import PromoterError
from app.gui.runtime import messages
from app.gui.widgets import colours
from app.gui.widgets.diffview import CELL, CHANGE_ROLE, SELECTOR
from app.plural import count
from app.shaping.rules import Rule
from app.shaping.selectors import POSITION

Pair = tuple[str, str]


def model_owned(plan: PlanView) -> set[str]:
    """Keys of the View and Field rows that an added or removed model object or field brings: they
    are left out with the model's change, not on their own."""
    return plan.model.owned()


class PlanShaping:
    """Checkboxes and the right-click menu of one plan tree."""

    def __init__(
        self,
        ctx: Context,
        tree: QTreeWidget,
        pair: Callable[[], Pair],
        replan: Callable[[], None],
        rule_added: Callable[[str, str], None],
    ) -> None:
        self.ctx, self.tree, self._pair, self._replan, self._rule_added = ctx, tree, pair, replan, rule_added
        self.excludes: dict[Pair, list[str]] = {}
        self.no_rules: dict[Pair, bool] = {}
        self._owned: set[str] = set()
        tree.itemChanged.connect(self._on_changed)
        tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        tree.customContextMenuRequested.connect(self._menu)

    def current(self) -> list[str]:
        return list(self.excludes.get(self._pair(), []))

    def begin(self, plan: PlanView) -> None:
        """Before the rows of *plan* are decorated one by one (as a large plan's tree grows)."""
        self._owned = model_owned(plan)

    def decorate_row(self, item: QTreeWidgetItem, _change: ConfigChange | None = None) -> None:
        """A change's checkbox (untick: leave it out), or the tooltip of a row that follows the model."""
        selector = item.data(0, SELECTOR)
        if not isinstance(selector, str) or item.data(0, CELL):
            return  # a cell: right-click only (a whole row is the unit a checkbox leaves out)
        change = item.data(0, CHANGE_ROLE)
        key = change.key if isinstance(change, ConfigChange) else ""
        owned = self._owned
        if (
            isinstance(change, ConfigChange)
            and change.table in ("View", "Field")
            and (key in owned or key.split(".", 1)[0] in owned)
        ):
            owner = key if key in owned else key.split(".", 1)[0]
            item.setToolTip(0, f"Follows the model: untick model:{owner} to leave it out.")
            return
        table = change.table if isinstance(change, ConfigChange) else None
        if table is not None and POSITION.fullmatch(key):
            whole_table(item, table, key)
            return
        item.setCheckState(0, Qt.CheckState.Checked)
        item.setToolTip(0, f"Untick to leave {selector} out of this promotion.")

    def end(self, plan: PlanView) -> None:
        """After the last row: the rules' and exclusions' effects on top."""
        self._effects(plan)

    def _effects(self, plan: PlanView) -> None:
        lines = plan.shaping.lines
        if not lines:
            return
        # the same count as the confirmation's: the effects (not the --no-rules line, not the
        # "left out by you" rows, whose effects are among the lines already)
        root = QTreeWidgetItem([f"Rules and exclusions: {count(len(effect_lines(plan)), 'effect')}"])
        root.setForeground(0, colours.qcolor("rule"))
        self.tree.insertTopLevelItem(1, root)
        for line in lines:
            node = QTreeWidgetItem(root, [line])
            node.setToolTip(0, line)
            node.setForeground(0, colours.qcolor("red" if line.startswith("--no-rules") else "rule"))
        for selector in plan.shaping.excludes:
            node = QTreeWidgetItem(
                root,
                [f"left out by you: {selector} (out of every plan of this pair until you tick it again)"],
            )
            node.setForeground(0, colours.qcolor("rule"))
            node.setData(0, SELECTOR, selector)
            node.setCheckState(0, Qt.CheckState.Unchecked)
        root.setExpanded(True)

    def _on_changed(self, item: QTreeWidgetItem, _column: int) -> None:
        selector = item.data(0, SELECTOR)
        if not isinstance(selector, str) or item.data(0, Qt.ItemDataRole.CheckStateRole) is None:
            return  # no checkbox: a cell, or a row that follows the model
        self.set_left_out(selector, item.checkState(0) == Qt.CheckState.Unchecked)

    def set_left_out(self, selector: str, left_out: bool) -> None:
        chosen = self.excludes.setdefault(self._pair(), [])
        if left_out and selector not in chosen:
            chosen.append(selector)
        elif not left_out and selector in chosen:
            chosen.remove(selector)
        else:
            return
        self._replan()

    def keep_rule(self, target: str, selector: str) -> None:
        """ "Always keep <target>'s value": a keep rule on the target profile (checked as the CLI's)."""
        from dataclasses import replace

        from app.gui.environments.profile_dialog import confirm_change

        try:
            profile = self.ctx.profiles.get(target)
            rules = (*(profile.rules or ()), Rule(0, "keep", selector))
            go_on, typed = confirm_change(self.tree, self.ctx.profiles, replace(profile, rules=rules), target)
            if not go_on:
                return
            self.ctx.profiles.add_rule(target, Rule(0, "keep", selector), typed)
        except PromoterError as exc:
            messages.show_error(self.tree, exc.message)
            return
        self._rule_added(target, selector)

    def _menu(self, pos: QPoint) -> None:
        item = self.tree.itemAt(pos)
        if item is None:
            return
        selector = item.data(0, SELECTOR)
        if not isinstance(selector, str):
            return
        menu = QMenu(self.tree)
        change = item.data(0, CHANGE_ROLE)
        kind = (
            str(change.change)
            if isinstance(change, ConfigChange) and not item.data(0, CELL)
            else ({"+": "added", "-": "removed"}.get(item.text(0)[:1], "changed"))
        )
        if "[" not in selector and "." not in selector and ":" not in selector:
            kind = "changed"  # a whole table: its rows as the target has them
        fill_menu(
            menu,
            selector,
            self._pair()[1],
            selector in self.current(),
            self.set_left_out,
            self.keep_rule,
            kind,
        )
        menu.exec(self.tree.viewport().mapToGlobal(pos))


def effect_lines(plan: PlanView) -> list[str]:
    """The rules' and exclusions' effects on a plan: what the plan view and the confirmation
    count, as the engine lists them (``Shaped.effect_lines``)."""
    return list(plan.shaping.effects)


def whole_table(item: QTreeWidgetItem, table: str, key: str) -> None:
    """A row without a name (the plan numbers it by its place): no checkbox, and the right-click
    menu offers the whole table, which is kept as the target has it (a place is not a row)."""
    item.setToolTip(
        0,
        f"Rows of {table} have no name ({key} is only a place in the table): right-click to leave "
        f"out or keep the whole table {table}.",
    )
    item.setData(0, SELECTOR, table)
    for index in range(item.childCount()):
        cell = item.child(index)
        if cell is not None:
            cell.setData(0, SELECTOR, table)


def fill_menu(
    menu: QMenu,
    selector: str,
    target: str,
    left_out: bool,
    set_left_out: Callable[[str, bool], None],
    keep_rule: Callable[[str, str], None],
    kind: str = "changed",
) -> None:
    """Leave the change out (or in again); or make a keep rule, worded for what it means here:
    an added item is then never added, a removed one never removed, a changed one never changed."""
    if left_out:
        menu.addAction(f"Include {selector} again", lambda: set_left_out(selector, False))
    else:
        menu.addAction(f"Leave {selector} out of this promotion", lambda: set_left_out(selector, True))
    words = {
        "added": f"Never add this to {target} (a rule: keep {selector}; {target} has none)",
        "removed": f"Never remove this from {target} (a rule: keep {selector})",
    }.get(kind, f"Always keep {target}'s value (a rule: keep {selector})")
    keep = menu.addAction(words)
    keep.triggered.connect(lambda: keep_rule(target, selector))
