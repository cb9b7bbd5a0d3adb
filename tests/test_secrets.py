"""Secrets go through a real keyring backend; failures are clear messages, never plaintext files."""

from __future__ import annotations

import shutil
import subprocess

import keyring.errors
import pytest
from keyring.backend import KeyringBackend

from app.profile import Profile
from app.profiles import ProfileStore
from app.secrets import SERVICE, MemoryKeyring, SecretStore, SecretStoreError
from tests.conftest import HAVE_SECRET_SERVICE

QA = Profile(name="qa", base_url="http://127.0.0.1:8099", app="shop-qa", auth="token", id="a1b2c3d4e5f60718")


def saved(tmp_path, name="qa", url="http://127.0.0.1:8099", app="shop-qa", home="home"):
    """A profile saved in a home (which gives it its random id)."""
    store = ProfileStore(tmp_path / home / "profiles.json")
    (tmp_path / home).mkdir(exist_ok=True)
    return store.upsert(Profile(name=name, base_url=url, app=app, auth="token"))


needs_secret_service = pytest.mark.skipif(
    not HAVE_SECRET_SERVICE,
    reason="no Secret Service here: run under tests/tools/with-keyring.sh (make test does) "
    "with dbus-run-session and gnome-keyring-daemon installed",
)


@needs_secret_service
def test_real_secret_service_round_trip():
    store = SecretStore()
    assert "SecretService" in store.name
    store.set(QA, "token-abc-123")
    store.set(QA, "refresh-xyz-789", kind="refresh")
    assert store.get(QA) == "token-abc-123"
    assert store.get(QA, "refresh") == "refresh-xyz-789"
    if shutil.which("secret-tool"):
        found = subprocess.run(
            ["secret-tool", "search", "--all", "service", SERVICE],
            capture_output=True,
            text=True,
            check=False,
        )
        listing = found.stdout + found.stderr
        assert "service = backand-promoter" in listing and f"username = {QA.id}@" in listing
    store.delete(QA)
    assert store.get(QA) is None
    store.self_test()


def test_memory_keyring_round_trip():
    store = SecretStore(MemoryKeyring())
    assert isinstance(store.backend, MemoryKeyring) and "demo" in store.name
    store.set(QA, "v1")
    assert store.get(QA) == "v1"
    store.delete(QA)
    assert store.get(QA) is None


def test_missing_keyring_is_a_clear_message():
    from keyring.backends import fail

    store = SecretStore(fail.Keyring())
    with pytest.raises(SecretStoreError, match="No usable keyring: the backend is .*fail"):
        store.get(QA)


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
        SecretStore(_Locked()).set(QA, "secret-value-1")


def test_raising_keyring_is_a_clear_message():
    with pytest.raises(SecretStoreError, match="failed to read a secret: RuntimeError"):
        SecretStore(_Broken()).get(QA)


class _Vanishing(MemoryKeyring):
    """A Secret Service that goes away during the first *times* calls (as D-Bus words it)."""

    def __init__(self, times: int) -> None:
        super().__init__()
        self.times, self.calls = times, 0

    def get_password(self, service, username):
        self.calls += 1
        if self.calls <= self.times:
            raise keyring.errors.InitError(
                "Failed to create the collection: Message recipient disconnected from message bus "
                "without replying."
            )
        return super().get_password(service, username)


def test_a_secret_service_that_went_away_mid_call_is_asked_once_more():
    once = _Vanishing(times=1)
    assert SecretStore(once).get(QA) is None and once.calls == 2
    twice = _Vanishing(times=2)
    with pytest.raises(SecretStoreError, match="failed to read a secret: InitError"):
        SecretStore(twice).get(QA)
    assert twice.calls == 2  # once more, not a loop


def test_two_homes_never_share_a_profiles_secret(tmp_path):
    store = SecretStore(MemoryKeyring())
    first, second = saved(tmp_path, home="one"), saved(tmp_path, home="two", url="http://127.0.0.1:8100")
    assert first.name == second.name == "qa" and first.id != second.id
    store.set(first, "first-home-keys")
    assert store.get(second) is None, "the second home's qa never gets the first home's keys"
    store.set(second, "second-home-keys")
    store.delete(second)  # `profile remove qa` in the second home
    assert store.get(first) == "first-home-keys"


def test_a_secret_is_only_used_for_the_url_and_app_it_was_stored_for(tmp_path):
    store = SecretStore(MemoryKeyring())
    qa = saved(tmp_path)
    store.set(qa, "keys-for-8099")
    elsewhere = saved(tmp_path, url="http://127.0.0.1:9999")  # `profile add qa --url OTHER`
    assert elsewhere.id == qa.id
    assert store.get(elsewhere) is None, "pointing the profile elsewhere asks for the secret again"
    other_app = saved(tmp_path, app="shop-prod")
    assert store.get(other_app) is None
    same = saved(tmp_path, url="http://127.0.0.1:8099/")  # the same address, spelt differently
    assert store.get(same) == "keys-for-8099"
    for name in ("localhost", "[::1]"):  # another listener may answer there (issue 25, item 5)
        assert store.get(saved(tmp_path, url=f"http://{name}:8099")) is None, name


def test_old_entries_keyed_by_name_are_never_used_by_themselves(tmp_path):
    """An older promoter's entry is shared by every home and says nothing of its server: it is
    reported, and bound only when the user asks (``promoter secret migrate``)."""
    backend = MemoryKeyring()
    backend.set_password(SERVICE, "qa", "legacy-keys")
    backend.set_password(SERVICE, "qa:refresh", "legacy-refresh")
    store = SecretStore(backend)
    qa = saved(tmp_path)
    assert store.get(qa) is None and store.has_legacy(qa)
    assert store.migrate(qa)
    assert store.get(qa) == "legacy-keys" and store.get(qa, "refresh") == "legacy-refresh"
    assert backend.get_password(SERVICE, "qa") is None and backend.get_password(SERVICE, "qa:refresh") is None
    assert not store.migrate(qa)


def test_profiles_from_before_ids_get_one_on_load(tmp_path):
    path = tmp_path / "profiles.json"
    path.write_text(
        '{"schema_version": 1, "profiles": [{"name": "qa", "base_url": "http://127.0.0.1:1", '
        '"app": "shop-qa", "auth": "token"}]}'
    )
    first = ProfileStore(path).load()[0]
    assert len(first.id) == 16 and ProfileStore(path).load()[0].id == first.id


def test_an_unsaved_profile_has_no_secret_slot():
    with pytest.raises(SecretStoreError, match="not saved yet"):
        SecretStore(MemoryKeyring()).get(
            Profile(name="qa", base_url="http://127.0.0.1:1", app="a", auth="token")
        )


def test_skipping_the_macos_backend_s_library_load_changes_no_choice():
    """Off macOS the Keychain backend's ctypes load (~40 ms of every start) is marked absent; keyring
    still resolves to the very backend it picks in a process that never imported the promoter."""
    import subprocess
    import sys

    if sys.platform == "darwin":
        pytest.skip("on macOS the Keychain backend is loaded as keyring does")
    plain = "import keyring; print(type(keyring.get_keyring()).__module__)"
    ours = (
        "import sys, app.secrets, keyring; print(type(keyring.get_keyring()).__module__);"
        "print(sys.modules['keyring.backends.macOS.api'])"
    )
    chosen = subprocess.run([sys.executable, "-c", plain], capture_output=True, text=True, check=True)
    mine = subprocess.run([sys.executable, "-c", ours], capture_output=True, text=True, check=True)
    assert mine.stdout.splitlines() == [chosen.stdout.strip(), "None"]


@needs_secret_service
def test_the_test_keyring_outlives_its_daemon(tmp_path):
    """The harness itself (tests/tools/with-keyring.sh), in a session of its own: when the keyring
    daemon goes away mid-run, D-Bus starts another, and that one still has the secret and is not
    locked (CI once lost every later keyring test to a re-started daemon's locked keyring); the
    first call after the death is answered (``SecretStore`` asks once more when the bus says the
    service went away without replying)."""
    import os
    import sys
    from pathlib import Path

    script = Path(__file__).parent / "tools" / "with-keyring.sh"
    probe = tmp_path / "probe.py"
    probe.write_text(
        """
import os, signal, time
from pathlib import Path
from app.secrets import SecretStore
from tests.test_secrets import QA

def this_sessions_daemons():
    mine = f"XDG_RUNTIME_DIR={os.environ['XDG_RUNTIME_DIR']}".encode()
    for proc in Path("/proc").iterdir():
        try:
            if (proc / "comm").read_text().strip() == "gnome-keyring-d" and mine in (
                proc / "environ"
            ).read_bytes().split(b"\\0"):
                yield int(proc.name)
        except OSError:
            pass

SecretStore().set(QA, "kept")
daemons = list(this_sessions_daemons())
assert daemons, "no keyring daemon of this session"
for pid in daemons:
    os.kill(pid, signal.SIGKILL)
while any(Path(f"/proc/{pid}/comm").exists() and "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]
          for pid in daemons):
    time.sleep(0.02)
store = SecretStore()
print("got", store.get(QA))  # a call the bus still routes to the dead daemon is asked again
store.set(QA, "written again")
print("got", store.get(QA))
"""
    )
    env = {k: v for k, v in os.environ.items() if k != "PROMOTER_IN_KEYRING_SESSION"}
    env["PYTHONPATH"] = str(Path(__file__).parent.parent)
    done = subprocess.run(
        [str(script), sys.executable, str(probe)], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines() == ["got kept", "got written again"]
    assert "went away during it" in done.stderr
