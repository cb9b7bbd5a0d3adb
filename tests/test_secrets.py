"""Secrets go through a real keyring backend; failures are clear messages, never plaintext files."""

from __future__ import annotations

import shutil
import subprocess

import keyring.errors
import pytest
from keyring.backend import KeyringBackend

from app.secrets import SERVICE, MemoryKeyring, SecretStore, SecretStoreError
from tests.conftest import HAVE_SECRET_SERVICE

needs_secret_service = pytest.mark.skipif(
    not HAVE_SECRET_SERVICE,
    reason="no Secret Service here: run under tests/tools/with-keyring.sh (make test does) "
    "with dbus-run-session and gnome-keyring-daemon installed",
)


@needs_secret_service
def test_real_secret_service_round_trip():
    store = SecretStore()
    assert "SecretService" in store.name
    store.set("qa", "token-abc-123")
    store.set("qa", "refresh-xyz-789", kind="refresh")
    assert store.get("qa") == "token-abc-123"
    assert store.get("qa", "refresh") == "refresh-xyz-789"
    if shutil.which("secret-tool"):
        found = subprocess.run(
            ["secret-tool", "search", "--all", "service", SERVICE],
            capture_output=True,
            text=True,
            check=False,
        )
        listing = found.stdout + found.stderr
        assert "service = backand-promoter" in listing and "username = qa" in listing
    store.delete("qa")
    assert store.get("qa") is None
    store.self_test()


def test_memory_keyring_round_trip():
    store = SecretStore(MemoryKeyring())
    assert store.is_memory and "demo" in store.name
    store.set("dev", "v1")
    assert store.get("dev") == "v1"
    store.delete("dev")
    assert store.get("dev") is None


def test_missing_keyring_is_a_clear_message():
    from keyring.backends import fail

    store = SecretStore(fail.Keyring())
    with pytest.raises(SecretStoreError, match="No usable keyring: the backend is .*fail"):
        store.get("qa")


class _Locked(KeyringBackend):
    priority = -1  # never picked by keyring's own chain

    def get_password(self, service, username):
        raise keyring.errors.KeyringLocked("locked")

    def set_password(self, service, username, password):
        raise keyring.errors.KeyringLocked("locked")

    def delete_password(self, service, username):
        raise keyring.errors.KeyringLocked("locked")


class _Broken(_Locked):
    def get_password(self, service, username):
        raise RuntimeError("dbus went away")


def test_locked_keyring_says_unlock_it():
    with pytest.raises(SecretStoreError, match="is locked: unlock it"):
        SecretStore(_Locked()).set("qa", "secret-value-1")


def test_raising_keyring_is_a_clear_message():
    with pytest.raises(SecretStoreError, match="failed to read a secret: RuntimeError"):
        SecretStore(_Broken()).get("qa")
