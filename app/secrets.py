"""Secrets in the OS keyring, and nowhere else.

Service ``backand-promoter``; username = ``<profile id>@<binding>`` (the access token, a bearer
token, or ``MASTER:USER`` keys), and the same with ``:refresh`` for a refresh token. The profile id is
random per profile per home, so two homes (or a removed and re-added profile) never share a secret;
the binding is a hash of the profile's URL and app (``Profile.address_key``: one address, not
every name of the loopback), so a secret is only ever sent to the
server and app it was stored for (pointing the profile elsewhere asks for the secret again).
Entries of the old scheme (username = the profile name, shared by every home) are never used by
themselves: a missing secret whose old entry exists says so, and ``promoter secret migrate NAME``
binds it to that profile knowingly.
``secret-tool search service backand-promoter`` lists them on Linux. A missing, locked or failing keyring is a
:class:`SecretStoreError` naming the backend and what to do, never a plaintext fallback.
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
from typing import Any

if sys.platform != "darwin":
    # keyring's discovery imports every backend; its macOS one loads the Security framework through
    # ctypes.util.find_library, which runs ldconfig (~40 ms of every start on Linux) for a backend
    # that declares itself unusable anywhere but on macOS before it looks at that import. Marking
    # the import as absent changes nothing keyring chooses (the backend catches it, as it would
    # catch the failed load).
    sys.modules.setdefault("keyring.backends.macOS.api", None)  # type: ignore[arg-type]

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

from app import logs
from app.errors import PromoterError
from app.profile import Profile

SERVICE = "backand-promoter"
_RESOLVE = threading.Lock()
_CALLS = threading.RLock()
log = logs.secrets


VANISHED = "disconnected from message bus without replying"  # D-Bus's NoReply, as jeepney words it


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


FRIENDLY = {
    "keyring.backends.SecretService.Keyring": "Secret Service (GNOME Keyring or KWallet)",
    "keyring.backends.libsecret.Keyring": "Secret Service (libsecret)",
    "keyring.backends.kwallet.DBusKeyring": "KWallet",
    "keyring.backends.macOS.Keyring": "macOS Keychain",
    "keyring.backends.Windows.WinVaultKeyring": "Windows Credential Manager",
}


def friendly_name(backend: Any) -> str:
    """The keyring as a person would name it ("macOS Keychain"), for the window's status bar."""
    if isinstance(backend, MemoryKeyring):
        return "demo keyring (in memory, forgotten on exit)"
    chain = getattr(backend, "backends", None)
    if chain:
        return " + ".join(friendly_name(b) for b in chain)
    cls = type(backend)
    return FRIENDLY.get(f"{cls.__module__}.{cls.__qualname__}", backend_name(backend))


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
        if self._backend is not None:
            return self._backend
        try:
            with _RESOLVE:  # keyring's lazy set-up is not thread-safe (parallel backups met it)
                return keyring.get_keyring()
        except Exception as exc:  # a PYTHON_KEYRING_BACKEND (or keyringrc) naming nothing loadable
            chosen = os.environ.get("PYTHON_KEYRING_BACKEND", "the keyring configuration")
            raise SecretStoreError(
                f"The keyring backend {chosen!r} cannot be loaded ({type(exc).__name__}: {exc}); unset "
                "PYTHON_KEYRING_BACKEND or name an installed backend."
            ) from None

    @property
    def name(self) -> str:
        return backend_name(self.backend)

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
            with _CALLS:  # one keyring call at a time: the Secret Service client is not thread-safe
                try:
                    return fn(backend, *args)
                except Exception as exc:
                    if VANISHED not in str(exc):
                        raise
                    # the Secret Service went away during the call (the bus said so, which it does
                    # once it has let the name go): asked again, D-Bus starts it again. Every call
                    # here is a read, or a write that replaces or deletes, so once more is safe.
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
    def _user(profile: Profile, kind: str) -> str:
        if not profile.id:
            raise SecretStoreError(f"Profile {profile.name} is not saved yet; save it before its secret.")
        binding = hashlib.sha256(profile.address_key.encode()).hexdigest()[:16]
        user = f"{profile.id}@{binding}"
        return user if kind == "main" else f"{user}:{kind}"

    def _read(self, user: str) -> str | None:
        value = self._call("read a secret", lambda b, s, u: b.get_password(s, u), SERVICE, user)
        return str(value) if value else None

    def get(self, profile: Profile, kind: str = "main") -> str | None:
        value = self._read(self._user(profile, kind))
        if value:
            logs.register_secret(value)
        return value

    def has_legacy(self, profile: Profile) -> bool:
        """Whether an entry of the old scheme (keyed by the profile name alone) exists. It is never
        used by itself: nothing says which home or server it was stored for."""
        return self._read(profile.name) is not None

    def migrate(self, profile: Profile) -> bool:
        """Bind the old scheme's entries named like *profile* to it (its URL and app), and remove
        them; the user asks for this knowingly (``promoter secret migrate NAME``)."""
        moved = False
        for kind in ("main", "refresh"):
            legacy = profile.name if kind == "main" else f"{profile.name}:{kind}"
            value = self._read(legacy)
            if value is not None:
                self.set(profile, value, kind)
                self._remove(legacy)
                moved = True
        if moved:
            log.warning(
                "moved the old keyring entry of %s to the profile, bound to %s",
                profile.name,
                profile.address_key,
            )
        return moved

    def set(self, profile: Profile, value: str, kind: str = "main") -> None:
        logs.register_secret(value)
        self._call(
            "store a secret",
            lambda b, s, u, v: b.set_password(s, u, v),
            SERVICE,
            self._user(profile, kind),
            value,
        )
        log.info("stored the %s secret of profile %s in %s", kind, profile.name, self.name)

    def delete(self, profile: Profile) -> None:
        """Delete this profile's secrets (for its current URL and app); never another home's."""
        for kind in ("main", "refresh"):
            self._remove(self._user(profile, kind))

    def _remove(self, user: str) -> None:
        try:
            self._call("delete a secret", lambda b, s, u: b.delete_password(s, u), SERVICE, user)
        except SecretStoreError as exc:
            if "PasswordDeleteError" not in str(exc):
                raise

    def self_test(self) -> None:
        """Store, read back and delete a throw-away secret; raise :class:`SecretStoreError` if not."""
        probe = Profile(
            name="self-check", base_url="http://127.0.0.1:9", app="self-check", auth="token", id="self-check"
        )
        self.set(probe, "probe-value-1234")
        try:
            if self.get(probe) != "probe-value-1234":
                raise SecretStoreError(f"The keyring ({self.name}) did not give back what was stored.")
        finally:
            self.delete(probe)
