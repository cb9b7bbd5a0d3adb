"""Issue 25 through the real `promoter` command line: secrets bound to one address, ids checked as
arguments, Ctrl+C at any moment, refusals decided before anything is read."""

from __future__ import annotations

import base64
import json
import socket
from pathlib import Path

import pytest

from tests.conftest import HAVE_SECRET_SERVICE
from tests.hostile_server import hostile
from tests.test_cli import run

needs_keyring = pytest.mark.skipif(
    not HAVE_SECRET_SERVICE,
    reason="the CLI keeps secrets only in a real keyring; run under tests/tools/with-keyring.sh",
)
KEYS = "master-key-for-tests:user-key-for-tests"


def _sent_the_keys(requests: list[bytes]) -> bool:
    encoded = base64.b64encode(KEYS.encode())
    return any(encoded in request or KEYS.encode() in request for request in requests)


@needs_keyring
@pytest.mark.parametrize("how", ["profile add", "hand edit"])
def test_keys_stored_for_one_loopback_address_are_not_sent_to_the_other(tmp_path: Path, how: str):
    ipv4 = socket.socket()
    ipv4.bind(("127.0.0.1", 0))  # qa's listener: its port is taken on 127.0.0.1 only
    port = ipv4.getsockname()[1]
    try:
        added = run(
            tmp_path, "profile", "add", "qa", "--url", f"http://127.0.0.1:{port}", "--app", "shop-qa",
            "--auth", "keys",
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
        assert run(tmp_path, "secret", "set", "qa", stdin=KEYS + "\n").returncode == 0
        with hostile("record", address=("::1", port)) as other:
            if how == "profile add":
                moved = run(
                    tmp_path, "profile", "add", "qa", "--url", other, "--app", "shop-qa", "--auth", "keys"
                )
                assert moved.returncode == 0, moved.stderr
            else:
                profiles = json.loads((tmp_path / "profiles.json").read_text())
                profiles["profiles"][0]["base_url"] = other
                (tmp_path / "profiles.json").write_text(json.dumps(profiles))
            checked = run(tmp_path, "check", "qa")
            assert not _sent_the_keys(hostile.received), hostile.received  # type: ignore[attr-defined]
        assert checked.returncode != 0 and "Traceback" not in checked.stderr
        assert "secret" in checked.stderr.lower(), checked.stderr
    finally:
        ipv4.close()
        run(tmp_path, "profile", "remove", "qa")


def test_a_secret_is_bound_to_one_address_not_to_every_name_of_the_loopback(tmp_path, secret_store):
    from app.engine import operations
    from app.engine.context import Context
    from app.errors import PromoterError
    from app.paths import Home
    from app.profiles import Profile

    ctx = Context(Home(tmp_path / "home"), secret_store)
    ipv4 = socket.socket()
    ipv4.bind(("127.0.0.1", 0))
    port = ipv4.getsockname()[1]
    try:
        qa = ctx.profiles.upsert(
            Profile(name="qa", base_url=f"http://127.0.0.1:{port}", app="shop-qa", auth="keys")
        )
        secret_store.set(qa, KEYS)
        with hostile("record", address=("::1", port)) as other:
            moved = ctx.profiles.upsert(Profile(**{**qa.as_json(), "base_url": other}))
            assert moved.id == qa.id  # the same profile, now at another address
            with pytest.raises(PromoterError, match="secret"):
                operations.check(ctx, moved)
            assert not _sent_the_keys(hostile.received), hostile.received  # type: ignore[attr-defined]
        same = Profile(**{**qa.as_json(), "base_url": f"http://127.0.0.1:{port}/"})
        assert secret_store.get(same) == KEYS  # one address under another spelling keeps it
    finally:
        ipv4.close()
        secret_store.delete(qa)
        ctx.close()
