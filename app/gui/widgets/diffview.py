"""Diff views: the model diff and the configuration diff as trees, and a changed action's code side
by side."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QTreeWidget,
    QTreeWidgetItem,
)

from app.engine.reads.planview import Change, ConfigChange, ModelChanges, PlanView, Security
from app.gui.widgets import colours

USER_ROLE = Qt.ItemDataRole.UserRole.value  # 256: the first item data role free for the promoter's own
CHANGE_ROLE = USER_ROLE  # item data role: the configuration change a row stands for (side by side)
SELECTOR = USER_ROLE + 1  # item data role: the selector that names this change (for exclusions and rules)
CELL = USER_ROLE + 2  # item data role: True on a changed column of a row
SIGN_COLOURS = {Change.ADDED: "green", Change.REMOVED: "red", Change.CHANGED: "amber"}
SIGNS = {Change.ADDED: "+", Change.REMOVED: "-", Change.CHANGED: "~"}
VERDICTS = {  # the server's validation verdicts, in words
    "always": "safe (always): the target accepts this model without data loss",
    "data": "may lose data (data): the target would drop or convert data that exists",
    "never": "invalid (never): the target refuses this model",
}


def fill_model_tree(tree: QTreeWidget, model: ModelChanges) -> QTreeWidgetItem:
    """Objects and fields added, removed, changed (old -> new); drops in red. Returns its root."""
    root = QTreeWidgetItem(tree, [f"Model changes: {model.count}"])
    for name in model.added_objects:
        _item(root, f"+ object {name}", "green").setData(0, SELECTOR, f"model:{name}")
    for name in model.removed_objects:
        _item(root, f"- object {name}: table dropped with its data", "red").setData(
            0, SELECTOR, f"model:{name}"
        )
    for field in model.fields:
        where = field.where
        if field.change is Change.CHANGED:
            node = _item(root, f"~ field {where}", "amber")
            node.setData(0, SELECTOR, f"model:{where}")
            old, new = field.old, field.new
            for key in sorted(set(old) | set(new)):
                if old.get(key) != new.get(key):
                    QTreeWidgetItem(node, [f"{key}: {old.get(key)!r} → {new.get(key)!r}"])
        elif field.change is Change.REMOVED:
            text = f"- field {where}" + (": column dropped with its data" if field.is_column else "")
            _item(root, text, "red").setData(0, SELECTOR, f"model:{where}")
        else:
            _item(root, f"+ field {where}", "green").setData(0, SELECTOR, f"model:{where}")
    root.setExpanded(True)
    return root


RowHook = Callable[[QTreeWidgetItem, ConfigChange | None], None]


def fill_config_tree(
    tree: QTreeWidget, changes: Sequence[ConfigChange], title: str = "Configuration changes"
) -> None:
    """Grouped by category (actions, objects, fields, settings, other); each change keeps its columns."""
    for _ in config_rows(tree, changes, title):
        pass


def config_rows(
    tree: QTreeWidgetItem | QTreeWidget,
    changes: Sequence[ConfigChange],
    title: str = "Configuration changes",
    on_row: RowHook | None = None,
    at: int | None = None,
) -> Iterator[None]:
    """:func:`fill_config_tree` one change at a time (a generator: a large plan is added to the tree
    in slices between events, see :mod:`app.gui.runtime.slices`); *on_row(node, change)* for each
    change; *at*: its place among the tree's top-level items (default: last)."""
    if at is not None and isinstance(tree, QTreeWidget):
        root = QTreeWidgetItem([f"{title}: {len(changes)}"])
        tree.insertTopLevelItem(at, root)
    else:
        root = QTreeWidgetItem(tree, [f"{title}: {len(changes)}"])
    root.setExpanded(True)
    brushes = {name: colours.qcolor(name) for name in set(SIGN_COLOURS.values())}  # once, not per row
    groups: dict[str, QTreeWidgetItem] = {}
    for change in changes:
        group = groups.get(change.category)
        if group is None:
            group = groups[change.category] = QTreeWidgetItem(root, [change.category])
            group.setExpanded(True)
        node = QTreeWidgetItem(group, [f"{SIGNS[change.change]} {change.key}"])
        node.setForeground(0, brushes[SIGN_COLOURS[change.change]])
        node.setData(0, CHANGE_ROLE, change)
        node.setData(0, SELECTOR, change.row)
        changed = change.change is Change.CHANGED
        for column, (old, new) in change.columns.items():
            text = (
                f"{column}: {_short(old)} → {_short(new)}"
                if changed
                else f"{column}: {_short(new if old is None else old)}"
            )
            cell = QTreeWidgetItem(node, [text])
            cell.setData(0, CHANGE_ROLE, change)
            cell.setData(0, CELL, True)
            if changed:  # a cell of a new or removed row is not left out alone
                cell.setData(0, SELECTOR, f"{change.row}.{column}")
        if on_row is not None:
            on_row(node, change)
        yield


def _item(parent: QTreeWidgetItem, text: str, colour: str) -> QTreeWidgetItem:
    item = QTreeWidgetItem(parent, [text])
    item.setForeground(0, colours.qcolor(colour))
    return item


def _short(value: str | None) -> str:
    if value is None:
        return "(none)"
    line = value.strip().splitlines()[0] if value.strip() else "''"
    return line[:60] + ("…" if len(line) > 60 or "\n" in value.strip() else "")


def fill_plan_tree(tree: QTreeWidget, plan: PlanView) -> None:
    """A plan as a tree: the verdict and its warnings, the model and configuration changes, drift."""
    for _ in plan_rows(tree, plan):
        pass


def plan_rows(tree: QTreeWidget, plan: PlanView, on_row: RowHook | None = None) -> Iterator[None]:
    """:func:`fill_plan_tree` as a generator: the verdict, the model and the drift at once, then the
    configuration's changes one at a time (the drift node stays last). The previous plan's items are
    taken out at once and deleted in slices at the end (clearing 20,000 items in one go stalls)."""
    tree.setUniformRowHeights(True)  # one line a row: the view need not measure each (large plans)
    old = tree.invisibleRootItem().takeChildren()
    verdict = str(plan.valid)  # "None" when the record names none
    head = _item(
        tree.invisibleRootItem(),
        f"Validation: {VERDICTS.get(verdict, verdict)}",
        {"always": "green", "data": "amber"}.get(verdict, "red"),
    )
    for warning in plan.warnings:
        _item(head, warning, "amber")
    model = fill_model_tree(tree, plan.model)
    if on_row is not None:
        for index in range(model.childCount()):
            if (child := model.child(index)) is not None:
                on_row(child, None)
    security = security_rows(tree, plan.security, plan.config)
    next(security, None)  # its node, here among the top-level items; its changes further down
    if plan.drift or plan.drifted:
        count = len(plan.drift) if plan.drift else "details unavailable"
        node = _item(
            tree.invisibleRootItem(),
            f"Drift: the target was changed outside the promoter ({count})",
            "amber",
        )
        for line in plan.drift:
            _item(node, line, "amber")
    head.setExpanded(True)
    yield from security
    yield from config_rows(tree, plan.config, on_row=on_row, at=2)  # before the drift
    yield from _dispose(old)


EFFECT_COLOURS = {"widens": "red", "unknown": "amber", "narrows": "green", "code": "blue"}


def security_rows(tree: QTreeWidget, security: Security, changes: Sequence[ConfigChange]) -> Iterator[None]:
    """The Security section: each change that affects access (``app/engine/security.py``), what
    widens it in red; right-click on a setting keeps the target's value (as on the configuration's
    cells); a double-click on an action opens its code side by side. A generator, as
    :func:`config_rows`: its node is made by the first step, then one change a step (a new app's
    thousands of actions are thousands of items: made at once, they stalled the window)."""
    if not security.changes:
        return
    actions = {c.key: c for c in changes if c.table == "Rule"}
    title = (
        f"Security: {security.weakening} widening access, {security.narrowing} narrowing, "
        f"{security.code} server-side code"
    )
    node = _item(tree.invisibleRootItem(), title, "red" if security.weakening else "blue")
    node.setExpanded(True)
    yield
    brushes = {name: colours.qcolor(name) for name in {*EFFECT_COLOURS.values(), "grey"}}  # once
    for change in security.changes:
        item = QTreeWidgetItem(node, [f"{change.effect}: {change.where}: {change.detail}"])
        item.setForeground(0, brushes[EFFECT_COLOURS.get(change.effect, "grey")])
        if change.effect == "code":
            item.setData(0, CHANGE_ROLE, actions.get(change.key))  # the configuration's row: its code
        else:
            item.setData(0, SELECTOR, change.where)
            item.setData(0, CELL, True)
        yield
    if security.reason:
        _item(node, f"accepted: {security.reason}", "grey")


def _dispose(items: list[QTreeWidgetItem]) -> Iterator[None]:
    """Delete detached items a few hundred at a time (their children go with them)."""
    while items:
        item = items.pop()
        children = item.takeChildren()
        if len(children) > 200:
            items.extend(children)  # delete the big ones' children in their own slices
        else:
            del children
        del item
        yield
