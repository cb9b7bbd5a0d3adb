"""Secrets in the OS keyring, and nowhere else.

Service ``backand-promoter``; username = the profile name (the access token, a bearer token, or
``MASTER:USER`` keys); ``<profile>:refresh`` holds a refresh token. ``secret-tool search service
backand-promoter`` lists them on Linux. A missing, locked or failing keyring is a
:class:`SecretStoreError` naming the backend and what to do, never a plaintext fallback.
"""

from __future__ import annotations

import threading
from typing import Any

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

from app import logs
from app.errors import PromoterError

SERVICE = "backand-promoter"
log = logs.secrets


class SecretStoreError(PromoterError):
    """The keyring cannot be used; the message names the backend and the remedy."""


class MemoryKeyring(KeyringBackend):
    """A keyring that forgets everything when the process ends: the demo's, when no system keyring
    exists, and the tests' where no Secret Service can run. Never chosen automatically."""

    priority = -1
    label = "demo (in memory, forgotten on exit)"

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._values: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def get_password(self, service: str, username: str) -> str | None:
        with self._lock:
            return self._values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        with self._lock:
            self._values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        with self._lock:
            if self._values.pop((service, username), None) is None:
                raise keyring.errors.PasswordDeleteError("not found")


def backend_name(backend: Any) -> str:
    """A readable name; a chain is named by the backends it chains."""
    chain = getattr(backend, "backends", None)
    if chain:
        return " + ".join(backend_name(b) for b in chain)
    cls = type(backend)
    label = getattr(backend, "label", None)
    name = f"{cls.__module__}.{cls.__qualname__}"
    return f"{label} ({name})" if isinstance(label, str) and label else name


def _unusable(backend: Any) -> bool:
    from keyring.backends import fail

    if isinstance(backend, fail.Keyring):
        return True
    try:
        from keyring.backends import null

        if isinstance(backend, null.Keyring):
            return True
    except ImportError:  # pragma: no cover
        pass
    chain = getattr(backend, "backends", None)
    return chain is not None and not chain


class SecretStore:
    """Reads and writes a profile's secrets; *backend* defaults to keyring's choice, resolved at use."""

    def __init__(self, backend: KeyringBackend | None = None) -> None:
        self._backend = backend

    @property
    def backend(self) -> Any:
        return self._backend if self._backend is not None else keyring.get_keyring()

    @property
    def name(self) -> str:
        return backend_name(self.backend)

    @property
    def is_memory(self) -> bool:
        return isinstance(self.backend, MemoryKeyring)

    def _guard(self) -> Any:
        backend = self.backend
        if _unusable(backend):
            raise SecretStoreError(
                f"No usable keyring: the backend is {backend_name(backend)}. Install and start a "
                "Secret Service (GNOME Keyring or KWallet) in your desktop session, or set "
                "PYTHON_KEYRING_BACKEND to a backend you trust. Secrets are never written to a file."
            )
        return backend

    def _call(self, what: str, fn: Any, *args: str) -> Any:
        backend = self._guard()
        try:
            return fn(backend, *args)
        except keyring.errors.KeyringLocked:
            raise SecretStoreError(
                f"The keyring ({backend_name(backend)}) is locked: unlock it (for example by "
                "logging in to the desktop session) and try again."
            ) from None
        except keyring.errors.NoKeyringError:
            raise SecretStoreError(
                f"No usable keyring ({backend_name(backend)}): install and start a Secret Service."
            ) from None
        except keyring.errors.KeyringError as exc:
            raise SecretStoreError(
                f"The keyring ({backend_name(backend)}) failed to {what}: {type(exc).__name__}: {exc}"
            ) from None
        except Exception as exc:  # D-Bus and backend errors that do not derive from KeyringError
            raise SecretStoreError(
                f"The keyring ({backend_name(backend)}) failed to {what}: {type(exc).__name__}. "
                "Is the Secret Service running and unlocked?"
            ) from None

    @staticmethod
    def _user(profile: str, kind: str) -> str:
        return profile if kind == "main" else f"{profile}:{kind}"

    def get(self, profile: str, kind: str = "main") -> str | None:
        value = self._call(
            "read a secret", lambda b, s, u: b.get_password(s, u), SERVICE, self._user(profile, kind)
        )
        if value:
            logs.register_secret(value)
        return value if value else None

    def set(self, profile: str, value: str, kind: str = "main") -> None:
        logs.register_secret(value)
        self._call(
            "store a secret",
            lambda b, s, u, v: b.set_password(s, u, v),
            SERVICE,
            self._user(profile, kind),
            value,
        )
        log.info("stored the %s secret of profile %s in %s", kind, profile, self.name)

    def delete(self, profile: str) -> None:
        for kind in ("main", "refresh"):
            try:
                self._call(
                    "delete a secret",
                    lambda b, s, u: b.delete_password(s, u),
                    SERVICE,
                    self._user(profile, kind),
                )
            except SecretStoreError as exc:
                if "PasswordDeleteError" not in str(exc):
                    raise

    def self_test(self) -> None:
        """Store, read back and delete a throw-away secret; raise :class:`SecretStoreError` if not."""
        probe = "__promoter_self_check__"
        self.set(probe, "probe-value-1234")
        try:
            if self.get(probe) != "probe-value-1234":
                raise SecretStoreError(f"The keyring ({self.name}) did not give back what was stored.")
        finally:
            self.delete(probe)
