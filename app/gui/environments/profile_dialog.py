"""Add or edit an environment: its fields, its secret into the keyring, and "Test connection".

A stored secret is never shown back: the secret fields start empty ("leave empty to keep").
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.engine import connect
from app.engine.context import Context
from app.errors import PromoterError
from app.gui.runtime import messages
from app.gui.runtime.jobs import JobRunner
from app.profile import AUTH_KINDS, Profile
from app.profileguard import question
from app.profiles import ProfileStore, new_id


def confirm_change(
    parent: QWidget, store: ProfileStore, new: Profile | None, old_name: str, what: str = ""
) -> tuple[bool, str | None]:
    """Ask for the protected profile's name when the domain says this change needs it (one dialog,
    one field): (go on, the name typed); (True, None) when no question was needed."""
    reasons = store.consent_needed(new, old_name)
    if not reasons:
        return True, None
    text = question(old_name, reasons) + (f"\n\n{what}" if what else "")
    typed = messages.ask_typed_name(parent, "Protected environment", text, old_name)
    return (True, typed) if typed == old_name else (False, None)


class ProfileDialog(QDialog):
    def __init__(
        self, ctx: Context, jobs: JobRunner, profile: Profile | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx, self.jobs, self.original = ctx, jobs, profile
        self.setWindowTitle("Edit environment" if profile else "Add environment")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.name = QLineEdit(profile.name if profile else "")
        self.url = QLineEdit(profile.base_url if profile else "https://api.backand.com")
        self.app = QLineEdit(profile.app if profile else "")
        self.auth = QComboBox()
        self.auth.addItems(list(AUTH_KINDS))
        self.auth.setCurrentText(profile.auth if profile else "password")
        self.username = QLineEdit(profile.username or "" if profile else "")
        self.signin_app = QLineEdit(profile.signin_app if profile else "bko")
        self.stage = QSpinBox()
        self.stage.setRange(1, 20)
        self.stage.setValue(profile.stage if profile else 1)
        self.protected = QCheckBox("Protected (production): writes need the name typed")
        self.protected.setChecked(bool(profile and profile.protected))
        self.colour = QPushButton(profile.colour if profile else "#4a90d9")
        self.colour.setToolTip("The environment's colour (in the list, the overview and the window)")
        self.colour.clicked.connect(self._pick_colour)
        self._show_swatch()
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        stored = profile is not None and self._has_secret(profile)
        self.secret.setPlaceholderText("stored in the keyring — leave empty to keep" if stored else "")
        self.secret_label = QLabel()
        for label, widget in (
            ("Name", self.name),
            ("Base URL", self.url),
            ("App", self.app),
            ("Sign-in", self.auth),
            ("Username", self.username),
            ("Sign-in app", self.signin_app),
            ("Stage", self.stage),
            ("", self.protected),
            ("Colour", self.colour),
        ):
            form.addRow(label, widget)
        form.addRow(self.secret_label, self.secret)
        layout.addLayout(form)
        self.test_button = QPushButton("Test connection")
        self.test_button.clicked.connect(self.on_test)
        self.test_result = QLabel("")
        self.test_result.setWordWrap(True)
        layout.addWidget(self.test_button)
        layout.addWidget(self.test_result)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.on_save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.auth.currentTextChanged.connect(self._on_auth)
        self._on_auth(self.auth.currentText())

    def _has_secret(self, profile: Profile) -> bool:
        try:
            return self.ctx.secrets.get(profile) is not None
        except PromoterError:
            return False

    def _on_auth(self, kind: str) -> None:
        self.secret_label.setText(
            {"password": "Password (not stored)", "keys": "Keys MASTER:USER", "token": "Bearer token"}[kind]
        )
        self.username.setEnabled(kind == "password")
        self.signin_app.setEnabled(kind == "password")

    def _pick_colour(self) -> None:
        colour = QColorDialog.getColor(QColor(self.colour.text()), self, "Environment colour")
        if colour.isValid():
            self.colour.setText(colour.name())
            self._show_swatch()

    def _show_swatch(self) -> None:
        """A square of the colour beside its name on the button."""
        pixmap = QPixmap(16, 16)
        pixmap.fill(QColor(self.colour.text()))
        self.colour.setIcon(QIcon(pixmap))

    def profile(self) -> Profile:
        name = self.name.text().strip()
        same = self.original is not None and self.original.name == name
        return Profile(
            id=self.original.id if same and self.original else "",  # its secret stays reachable
            name=name,
            base_url=self.url.text().strip(),
            app=self.app.text().strip().lower(),
            auth=self.auth.currentText(),
            username=self.username.text().strip() or None,
            signin_app=self.signin_app.text().strip() or "bko",
            stage=self.stage.value(),
            protected=self.protected.isChecked(),
            colour=self.colour.text(),
            allow_insecure_http=self.original.allow_insecure_http if self.original else False,
        ).validate()

    def on_test(self) -> None:
        try:
            profile = self.profile()
        except PromoterError as exc:
            self.test_result.setText(exc.message)
            return
        secret, ctx = self.secret.text(), self.ctx
        self.test_result.setText("Testing…")
        self.jobs.run(
            f"test:{profile.name}",
            f"test {profile.name}",
            lambda _l, _c: connect.probe(profile, ctx.secrets, secret, ctx.settings),
            self._on_tested,
            lambda message: self.test_result.setText("✗ " + message),
        )

    def _on_tested(self, info: dict[str, Any]) -> None:
        self.test_result.setText(
            f"✓ Connected: app {info['status']}, configuration version {info['current_version']}"
        )

    def on_save(self) -> None:
        """Validate; sign in on a worker thread when a password was typed; then save and close."""
        try:
            profile = self.profile()
        except PromoterError as exc:
            self.test_result.setText("✗ " + exc.message)
            return
        go_on, typed = (
            confirm_change(self, self.ctx.profiles, profile, self.original.name)
            if self.original
            else (True, None)
        )
        if not go_on:
            self.test_result.setText("Not saved: the protected environment's name was not typed.")
            return
        secret = self.secret.text()
        if profile.auth == "password" and secret:
            # the tokens are stored under the profile's id: the one it has, or the one it will get
            same = self.original is not None and self.original.name == profile.name
            profile = replace(profile, id=self.original.id if same and self.original else new_id())
            ctx = self.ctx
            self.test_result.setText("Signing in…")
            self.buttons.setEnabled(False)

            def signed_in(_tokens: object) -> None:
                self.buttons.setEnabled(True)
                self._store(profile, "", typed)

            def failed(message: str) -> None:
                self.buttons.setEnabled(True)
                self.test_result.setText("✗ " + message)

            self.jobs.run(
                f"login:{profile.name}",
                f"sign in to {profile.name}",
                lambda _l, _c: connect.login(profile, ctx.secrets, secret, ctx.settings),
                signed_in,
                failed,
            )
            return
        self._store(profile, secret, typed)

    def _store(self, profile: Profile, secret: str, confirm: str | None = None) -> None:
        try:
            original = self.original
            moved = original is not None and (
                original.name != profile.name or original.address_key != profile.address_key
            )
            if moved and not secret and profile.auth != "password":
                # a secret is bound to its profile and server: a new name or URL needs it again
                raise PromoterError("A new name, URL or app needs the environment's secret again.")
            if secret and profile.auth == "keys" and secret.count(":") != 1:
                raise PromoterError("Keys must be MASTER:USER.")
            if original is not None and moved:
                self.ctx.secrets.delete(original)
                if original.name != profile.name:  # renamed: the rules go with it
                    self.ctx.profiles.remove(original.name, confirm)
                    profile = replace(profile, rules=original.rules)
            saved = self.ctx.profiles.upsert(profile, confirm)
            if secret:
                self.ctx.secrets.set(saved, secret)
        except PromoterError as exc:
            self.test_result.setText("✗ " + exc.message)
            return
        self.accept()
