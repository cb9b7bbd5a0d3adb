"""An environment's rules: what it always keeps, or rewrites, in every promotion into it.

Listed in a table (id, kind, selector, find, with); added with a small form that the engine's own
validation checks (a bad selector or regular expression is named and nothing is saved); removed by
selection. A rule that matches nothing in the environment as last read (a typo) is shown in amber
with the nearest names, at once when it is added. Rules live in the profile (``profiles.json``).
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.engine.rulecheck import RuleChecker
from app.errors import PromoterError, UsageError
from app.gui.runtime import messages
from app.gui.widgets import colours
from app.profiles import ProfileStore
from app.shaping.rules import Rule

HELP = (
    "Selectors: <code>Database.DisplayName</code> (a setting), <code>Rule[Send confirmation]</code> "
    "(a whole action), <code>Rule[Send confirmation].Code</code> (one cell), <code>model:items.price</code> "
    "(a model field), <code>model:orders</code> (a model object). Read them off a plan: right-click a "
    "change there and choose “Always keep”."
)


class RuleForm(QDialog):
    """Kind, selector and, for replace, the texts."""

    def __init__(self, target: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"New rule for {target}")
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.kind = QComboBox()
        self.kind.addItems(["keep", "replace"])
        self.kind.setToolTip("keep: the target keeps its own value; replace: rewrite text in what is sent")
        self.selector = QLineEdit()
        self.selector.setPlaceholderText("Database.DisplayName")
        self.find_edit, self.with_edit = QLineEdit(), QLineEdit()
        self.regex = QCheckBox("Find is a regular expression")
        form.addRow("Kind", self.kind)
        form.addRow("Selector", self.selector)
        form.addRow("Find", self.find_edit)
        form.addRow("Replace with", self.with_edit)
        form.addRow("", self.regex)
        layout.addLayout(form)
        hint = QLabel(HELP)
        hint.setWordWrap(True)
        layout.addWidget(hint)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.kind.currentTextChanged.connect(self._kind_changed)
        self._kind_changed(self.kind.currentText())

    def _kind_changed(self, kind: str) -> None:
        for widget in (self.find_edit, self.with_edit, self.regex):
            widget.setEnabled(kind == "replace")

    def accept(self) -> None:
        """Checked here, so a mistake is named and what was typed stays in the form."""
        try:
            self.rule().validate()
        except UsageError as exc:
            messages.show_error(self, exc.message.replace("Rule 0: ", "This rule: "))
            return
        super().accept()

    def rule(self) -> Rule:
        kind = self.kind.currentText()
        if kind == "keep":
            return Rule(0, "keep", self.selector.text().strip())
        return Rule(
            0,
            "replace",
            self.selector.text().strip(),
            self.find_edit.text(),
            self.with_edit.text(),
            self.regex.isChecked(),
        )


class RulesDialog(QDialog):
    def __init__(
        self,
        store: ProfileStore,
        name: str,
        parent: QWidget | None = None,
        checker: RuleChecker | None = None,
    ) -> None:
        super().__init__(parent)
        self.store, self.name, self.checker = store, name, checker
        self.setWindowTitle(f"Rules of {name}")
        self.resize(760, 360)
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"Every promotion into <b>{name}</b> applies these rules; the plan lists what each one did."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["#", "Kind", "Selector", "Find", "Replace with"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        for column in (0, 1, 3, 4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        layout.addWidget(self.table)
        self.unmatched_label = QLabel("")  # the rules that match nothing, with the nearest names
        self.unmatched_label.setWordWrap(True)
        self.unmatched_label.setStyleSheet(f"color: {colours.text('amber')}")
        layout.addWidget(self.unmatched_label)
        row = QHBoxLayout()
        self.add_button, self.remove_button = QPushButton("Add…"), QPushButton("Remove")
        self.add_button.setToolTip("A new keep or replace rule")
        self.remove_button.setToolTip("Remove the selected rule")
        self.add_button.clicked.connect(self.on_add)
        self.remove_button.clicked.connect(self.on_remove)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.accept)
        row.addWidget(close)
        layout.addLayout(row)
        self.refresh()

    def refresh(self) -> None:
        profile = self.store.get(self.name)
        rules = profile.rules or ()
        unmatched = dict(self.checker.unmatched(profile)) if self.checker is not None else {}
        self.table.setRowCount(len(rules))
        for index, rule in enumerate(rules):
            texts = [str(rule.id), rule.kind + (" (regex)" if rule.regex else ""), rule.selector]
            texts += [rule.find, rule.with_] if rule.kind == "replace" else ["", ""]
            what = unmatched.get(rule, "")
            for column, text in enumerate(texts):
                item = QTableWidgetItem(text)
                item.setToolTip(f"Matches nothing in {self.name} as last read: {what}" if what else text)
                if what:
                    item.setForeground(colours.qcolor("amber"))
                self.table.setItem(index, column, item)
        self.unmatched_label.setText(
            "\n".join(
                f"Rule {rule.id} ({rule.selector}) matches nothing in {self.name} as last read: {what}."
                for rule, what in unmatched.items()
            )
        )
        self.remove_button.setEnabled(bool(rules))

    def on_add(self) -> None:
        form = RuleForm(self.name, self)
        if form.exec() != QDialog.DialogCode.Accepted:
            return
        self.add(form.rule())

    def _confirm(self, rules: tuple[Rule, ...]) -> tuple[bool, str | None]:
        """A protected environment's rules change only with its name typed (one dialog)."""
        from app.gui.environments.profile_dialog import confirm_change

        profile = replace(self.store.get(self.name), rules=rules)
        return confirm_change(self, self.store, profile, self.name)

    def add(self, rule: Rule) -> bool:
        try:
            rule.validate()  # a mistake is named before any question
            go_on, typed = self._confirm((*(self.store.get(self.name).rules or ()), rule))
            if not go_on:
                return False
            self.store.add_rule(self.name, rule, typed)
        except PromoterError as exc:
            messages.show_error(self, exc.message)
            return False
        self.refresh()
        return True

    def on_remove(self) -> None:
        row = self.table.currentRow()
        item = self.table.item(row, 0) if row >= 0 else None
        if item is None:
            messages.show_error(self, "Select a rule to remove.")
            return
        rule_id = int(item.text())
        try:
            rules = tuple(r for r in self.store.get(self.name).rules or () if r.id != rule_id)
            go_on, typed = self._confirm(rules)
            if go_on:
                self.store.remove_rule(self.name, rule_id, typed)
        except PromoterError as exc:
            messages.show_error(self, exc.message)
        self.refresh()
