"""The one channel for errors and questions. Tests replace the ``ask_*`` functions.

Errors are shown as a readable message with the details (server text, step) behind "Show Details";
never a traceback.
"""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog, QMessageBox, QWidget


def show_error(parent: QWidget, message: str, details: str = "") -> QMessageBox:
    box = QMessageBox(
        QMessageBox.Icon.Warning, "Backand Promoter", message, QMessageBox.StandardButton.Ok, parent
    )
    if details:
        box.setDetailedText(details)
    box.setObjectName("errorBox")
    box.open()  # window-modal, does not block the event loop
    return box


def steps_text(result: object) -> str:
    """The steps of an operation result, for the details of its error box."""
    steps = getattr(result, "steps", [])
    return "\n".join(f"{s['status']:<11} {s['name']} {s.get('message', '')}" for s in steps)


def ask_yes_no(parent: QWidget, title: str, text: str) -> bool:
    answer = QMessageBox.question(parent, title, text)
    return answer == QMessageBox.StandardButton.Yes


def ask_text(parent: QWidget, title: str, label: str, value: str = "") -> str | None:
    text, ok = QInputDialog.getText(parent, title, label, text=value)
    return text if ok else None


def ask_choice(parent: QWidget, title: str, label: str, choices: list[str]) -> str | None:
    if not choices:
        return None
    item, ok = QInputDialog.getItem(parent, title, label, choices, 0, False)
    return item if ok else None


def ask_open_file(parent: QWidget, title: str, filter_: str) -> str | None:
    from PySide6.QtWidgets import QFileDialog

    path, _ = QFileDialog.getOpenFileName(parent, title, "", filter_)
    return path or None


def ask_save_file(parent: QWidget, title: str, name: str) -> str | None:
    from PySide6.QtWidgets import QFileDialog

    path, _ = QFileDialog.getSaveFileName(parent, title, name, "Zip files (*.zip)")
    return path or None


def ask_folder(parent: QWidget, title: str) -> str | None:
    from PySide6.QtWidgets import QFileDialog

    return QFileDialog.getExistingDirectory(parent, title) or None


def ask_new_folder(parent: QWidget, title: str, name: str) -> str | None:
    """A folder to create (or an empty one): a save dialog, so a new name can be typed."""
    from PySide6.QtWidgets import QFileDialog

    path, _ = QFileDialog.getSaveFileName(
        parent, title, name, "", options=QFileDialog.Option.DontConfirmOverwrite
    )
    return path or None


class TypedNameDialog:
    """A question whose OK stays disabled until the protected environment's name is typed exactly."""

    def __init__(self, parent: QWidget, title: str, text: str, name: str) -> None:
        from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout

        self.name = name
        self.dialog = QDialog(parent)
        self.dialog.setWindowTitle(title)
        layout = QVBoxLayout(self.dialog)
        label = QLabel(f"{text}\nType {name} to confirm:")
        label.setWordWrap(True)
        layout.addWidget(label)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(name)
        layout.addWidget(self.edit)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setEnabled(False)
        self.edit.textChanged.connect(lambda text: self.ok.setEnabled(text == name))
        self.buttons.accepted.connect(self.dialog.accept)
        self.buttons.rejected.connect(self.dialog.reject)
        layout.addWidget(self.buttons)

    def exec(self) -> bool:
        from PySide6.QtWidgets import QDialog

        return self.dialog.exec() == QDialog.DialogCode.Accepted and self.edit.text() == self.name


def ask_typed_name(parent: QWidget, title: str, text: str, name: str) -> str | None:
    """The typed name when the user confirmed with exactly *name*; None otherwise. Tests replace it."""
    return name if TypedNameDialog(parent, title, text, name).exec() else None


def show_info(parent: QWidget, title: str, text: str) -> None:
    """An information box (rich text allowed). Tests replace it."""
    from PySide6.QtWidgets import QMessageBox

    QMessageBox.about(parent, title, text)
