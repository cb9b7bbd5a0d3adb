"""Shared fixtures: a real sandbox server on loopback per test, signed-in clients, a secret store."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from app.backand import BackandClient, KeyCredentials, PasswordLogin
from app.sandbox import seed
from app.sandbox.server import SandboxServer
from app.secrets import MemoryKeyring, SecretStore
from tests.helpers import SHARED_FIXTURES, SandboxControl

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from app.engine.context import Context
    from app.gui.main_window import MainWindow

HAVE_SECRET_SERVICE = os.environ.get("PROMOTER_TEST_KEYRING") == "secretservice"


@pytest.fixture
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    server = SandboxServer(tmp_path_factory.mktemp("sandbox-data")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def control(sandbox: SandboxServer) -> SandboxControl:
    return SandboxControl(sandbox.url)


ClientFactory = Callable[..., BackandClient]


@pytest.fixture
def client_for(sandbox: SandboxServer) -> Iterator[ClientFactory]:
    made: list[BackandClient] = []

    def make(app: str, user: tuple[str, str, str] = seed.ADMIN, **kwargs: object) -> BackandClient:
        client = BackandClient(sandbox.url, app, PasswordLogin(user[0]), **kwargs)  # type: ignore[arg-type]
        client.sign_in(user[1])
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def keys_for(sandbox: SandboxServer) -> Callable[[str], KeyCredentials]:
    def keys(app: str) -> KeyCredentials:
        row = {r["app"]: r for r in seed.credentials(sandbox.store)}[app]
        return KeyCredentials(row["master_token"], row["user_token"])

    return keys


@pytest.fixture
def secret_store() -> SecretStore:
    """The real Secret Service under tests/tools/with-keyring.sh; else an in-memory keyring, since
    no Secret Service can run on this machine (said in the skip reasons of the keyring tests)."""
    if HAVE_SECRET_SERVICE:
        return SecretStore()
    return SecretStore(MemoryKeyring())


@pytest.fixture
def shared_fixtures() -> Path:
    if not (SHARED_FIXTURES / "app-config.xml").exists():
        pytest.skip(
            f"the real configuration documents are not at {SHARED_FIXTURES} (../shared beside the checkout)"
        )
    return SHARED_FIXTURES


@pytest.fixture
def ctx(tmp_path: Path, sandbox: SandboxServer, secret_store: SecretStore) -> Iterator[Context]:
    """An engine context whose home has profiles dev, qa and prod (keys in the keyring) wired to
    the sandbox; their secrets are deleted afterwards."""
    from tests.engine_helpers import wire

    context = wire(tmp_path / "home", sandbox, secret_store)
    yield context
    for profile in context.profiles.load():
        secret_store.delete(profile)
    context.close()


@pytest.fixture
def window(
    qtbot: QtBot,
    tmp_path: Path,
    sandbox: SandboxServer,
    secret_store: SecretStore,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[MainWindow]:
    """The main window on a home wired to the sandbox (GUI tests); error boxes recorded in
    ``window.errors`` instead of shown."""
    from app.gui.main_window import MainWindow
    from app.gui.runtime import messages
    from tests.engine_helpers import wire

    errors: list[str] = []
    monkeypatch.setattr(
        messages, "show_error", lambda parent, message, details="": errors.append(message + details)
    )
    ctx = wire(tmp_path / "home", sandbox, secret_store)
    ctx.close()
    win = MainWindow(ctx.home, secret_store, demo=True)
    setattr(win, "errors", errors)  # noqa: B010  (read by the tests; not the window's own)
    # not qtbot.addWidget: pytest-qt would close *and delete* it before this fixture's teardown,
    # and deleting a window whose job threads still run (a background read started by the test's
    # last action) is Qt's "QThread: Destroyed while thread is still running" abort
    win.show()
    qtbot.waitUntil(lambda: not win.jobs.running, timeout=30000)  # connection checks
    yield win
    if win.jobs.active:  # a failed test: never close (or destroy) a window whose threads still run
        win.jobs.cancel_all()
        qtbot.waitUntil(lambda: not win.jobs.active, timeout=60000)
    win.close()  # a quit the test started ends first
    qtbot.waitUntil(lambda: not win.isVisible(), timeout=60000)
    for profile in win.ctx.profiles.load():
        secret_store.delete(profile)
    win.deleteLater()


@pytest.fixture(autouse=True)
def modal_dialogs_need_an_answer(request: pytest.FixtureRequest) -> Iterator[None]:
    """A window test that opens a modal dialog nobody answers would wait for its timeout (120 s,
    then a hang in CI's log): fail at once instead, naming the dialog. Tests answer dialogs by
    replacing the module functions that open them (``messages.ask_*``, ``confirm_write``, …)."""
    if "qtbot" not in request.fixturenames:
        yield
        return
    from PySide6.QtWidgets import QDialog, QMessageBox

    def unanswered(self: QDialog, *_args: object) -> int:
        raise AssertionError(f"a modal dialog was opened and nobody answered it: {self.windowTitle()!r}")

    mp = pytest.MonkeyPatch()
    for cls in (QDialog, QMessageBox):
        mp.setattr(cls, "exec", unanswered)
    try:
        yield
    finally:
        mp.undo()


@pytest.fixture(autouse=True)
def secrets_known_to_the_log_filter_are_per_test() -> Iterator[None]:
    """The log filter masks every secret the process has seen: one test's short secret (a word such
    as "user") must not mask another test's message. Each test starts from what the process knew."""
    from app import logs

    known, walked = set(logs._known_secrets), logs._known_longest_first
    yield
    with logs._lock:
        logs._known_secrets.clear()
        logs._known_secrets.update(known)
        logs._known_longest_first = walked
