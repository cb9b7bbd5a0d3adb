"""Diff views: the model diff and the configuration diff as trees, and a changed action's code side
by side."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QTreeWidget,
    QTreeWidgetItem,
)

from app.gui.widgets import colours

RED, GREEN = QColor(colours.LIGHT["red"]), QColor(colours.LIGHT["green"])  # line highlights (translucent)
USER_ROLE = Qt.ItemDataRole.UserRole.value  # 256: the first item data role free for the promoter's own
CHANGE_ROLE = USER_ROLE  # item data role: the configuration change a row stands for (side by side)
SELECTOR = USER_ROLE + 1  # item data role: the selector that names this change (for exclusions and rules)
CELL = USER_ROLE + 2  # item data role: True on a changed column of a row
SIGN_COLOURS = {"added": "green", "removed": "red", "changed": "amber"}
VERDICTS = {  # the server's validation verdicts, in words
    "always": "safe (always): the target accepts this model without data loss",
    "data": "may lose data (data): the target would drop or convert data that exists",
    "never": "invalid (never): the target refuses this model",
}


def fill_model_tree(tree: QTreeWidget, details: dict[str, Any]) -> QTreeWidgetItem:
    """Objects and fields added, removed, changed (old -> new); drops in red. Returns its root."""
    total = sum(len(details.get(k, [])) for k in ("added_objects", "removed_objects", "fields"))
    root = QTreeWidgetItem(tree, [f"Model changes: {total}"])
    for name in details.get("added_objects", []):
        _item(root, f"+ object {name}", "green").setData(0, SELECTOR, f"model:{name}")
    for name in details.get("removed_objects", []):
        _item(root, f"- object {name}: table dropped with its data", "red").setData(
            0, SELECTOR, f"model:{name}"
        )
    for field in details.get("fields", []):
        where = f"{field['object']}.{field['field']}"
        if field["change"] == "changed":
            node = _item(root, f"~ field {where}", "amber")
            node.setData(0, SELECTOR, f"model:{where}")
            old, new = field.get("old") or {}, field.get("new") or {}
            for key in sorted(set(old) | set(new)):
                if old.get(key) != new.get(key):
                    QTreeWidgetItem(node, [f"{key}: {old.get(key)!r} → {new.get(key)!r}"])
        elif field["change"] == "removed":
            column = "collection" not in (field.get("old") or {})
            text = f"- field {where}" + (": column dropped with its data" if column else "")
            _item(root, text, "red").setData(0, SELECTOR, f"model:{where}")
        else:
            _item(root, f"+ field {where}", "green").setData(0, SELECTOR, f"model:{where}")
    root.setExpanded(True)
    return root


RowHook = Callable[[QTreeWidgetItem, dict[str, Any]], None]


def fill_config_tree(
    tree: QTreeWidget, details: list[dict[str, Any]], title: str = "Configuration changes"
) -> None:
    """Grouped by category (actions, objects, fields, settings, other); each change keeps its columns."""
    for _ in config_rows(tree, details, title):
        pass


def config_rows(
    tree: QTreeWidgetItem | QTreeWidget,
    details: list[dict[str, Any]],
    title: str = "Configuration changes",
    on_row: RowHook | None = None,
    at: int | None = None,
) -> Iterator[None]:
    """:func:`fill_config_tree` one change at a time (a generator: a large plan is added to the tree
    in slices between events, see :mod:`app.gui.runtime.slices`); *on_row(node, change)* for each change;
    *at*: its place among the tree's top-level items (default: last)."""
    if at is not None and isinstance(tree, QTreeWidget):
        root = QTreeWidgetItem([f"{title}: {len(details)}"])
        tree.insertTopLevelItem(at, root)
    else:
        root = QTreeWidgetItem(tree, [f"{title}: {len(details)}"])
    root.setExpanded(True)
    brushes = {name: colours.qcolor(name) for name in set(SIGN_COLOURS.values())}  # once, not per row
    groups: dict[str, QTreeWidgetItem] = {}
    for change in details:
        group = groups.get(change["category"])
        if group is None:
            group = groups[change["category"]] = QTreeWidgetItem(root, [change["category"]])
            group.setExpanded(True)
        sign = {"added": "+", "removed": "-", "changed": "~"}[change["change"]]
        node = QTreeWidgetItem(group, [f"{sign} {change['key']}"])
        node.setForeground(0, brushes[SIGN_COLOURS[change["change"]]])
        node.setData(0, CHANGE_ROLE, change)
        row = "Database" if change["table"] == "Database" else f"{change['table']}[{change['key']}]"
        node.setData(0, SELECTOR, row)
        for column, (old, new) in change.get("columns", {}).items():
            text = (
                f"{column}: {_short(old)} → {_short(new)}"
                if change["change"] == "changed"
                else (f"{column}: {_short(new if old is None else old)}")
            )
            cell = QTreeWidgetItem(node, [text])
            cell.setData(0, CHANGE_ROLE, change)
            cell.setData(0, CELL, True)
            if change["change"] == "changed":  # a cell of a new or removed row is not left out alone
                cell.setData(0, SELECTOR, f"{row}.{column}")
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


def fill_plan_tree(tree: QTreeWidget, plan: dict[str, Any]) -> None:
    """A plan as a tree: the verdict and its warnings, the model and configuration changes, drift."""
    for _ in plan_rows(tree, plan):
        pass


def plan_rows(tree: QTreeWidget, plan: dict[str, Any], on_row: RowHook | None = None) -> Iterator[None]:
    """:func:`fill_plan_tree` as a generator: the verdict, the model and the drift at once, then the
    configuration's changes one at a time (the drift node stays last). The previous plan's items are
    taken out at once and deleted in slices at the end (clearing 20,000 items in one go stalls)."""
    tree.setUniformRowHeights(True)  # one line a row: the view need not measure each (large plans)
    old = tree.invisibleRootItem().takeChildren()
    verdict = plan.get("valid")
    head = _item(
        tree.invisibleRootItem(),
        f"Validation: {VERDICTS.get(str(verdict), str(verdict))}",
        {"always": "green", "data": "amber"}.get(str(verdict), "red"),
    )
    for warning in plan.get("warnings", []):
        _item(head, warning, "amber")
    model = fill_model_tree(tree, plan.get("model_details", {}))
    if on_row is not None:
        for index in range(model.childCount()):
            if (child := model.child(index)) is not None:
                on_row(child, {})
    security_node(tree, plan.get("security") or {}, plan.get("config_details") or [])
    if plan.get("drift") or plan.get("drifted"):
        drift = plan.get("drift") or []
        count = len(drift) if drift else "details unavailable"
        node = _item(
            tree.invisibleRootItem(),
            f"Drift: the target was changed outside the promoter ({count})",
            "amber",
        )
        for line in drift:
            _item(node, line, "amber")
    head.setExpanded(True)
    yield from config_rows(tree, plan.get("config_details", []), on_row=on_row, at=2)  # before the drift
    yield from _dispose(old)


EFFECT_COLOURS = {"widens": "red", "unknown": "amber", "narrows": "green", "code": "blue"}


def security_node(
    tree: QTreeWidget, security: dict[str, Any], details: list[dict[str, Any]]
) -> QTreeWidgetItem | None:
    """The Security section: each change that affects access (``app/engine/security.py``), what
    widens it in red; right-click on a setting keeps the target's value (as on the configuration's
    cells); a double-click on an action opens its code side by side."""
    changes = security.get("changes") or []
    if not changes:
        return None
    actions = {c["key"]: c for c in details if c.get("table") == "Rule"}
    weakening = int(security.get("weakening", 0))
    title = (
        f"Security: {weakening} widening access, {security.get('narrowing', 0)} narrowing, "
        f"{security.get('code', 0)} server-side code"
    )
    node = _item(tree.invisibleRootItem(), title, "red" if weakening else "blue")
    for change in changes:
        colour = EFFECT_COLOURS.get(str(change["effect"]), "grey")
        item = _item(node, f"{change['effect']}: {change['where']}: {change['detail']}", colour)
        if change["effect"] == "code":
            item.setData(0, 256, actions.get(change["key"]))  # the configuration's row: its code
        else:
            item.setData(0, SELECTOR, change["where"])
            item.setData(0, CELL, True)
    if security.get("reason"):
        _item(node, f"accepted: {security['reason']}", "grey")
    node.setExpanded(True)
    return node


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
