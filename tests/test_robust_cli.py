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
    from app.engine.context import Context
    from app.engine.reads import one_target
    from app.errors import PromoterError
    from app.paths import Home
    from app.profile import Profile

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
                one_target.check(ctx, moved)
            assert not _sent_the_keys(hostile.received), hostile.received  # type: ignore[attr-defined]
        same = Profile(**{**qa.as_json(), "base_url": f"http://127.0.0.1:{port}/"})
        assert secret_store.get(same) == KEYS  # one address under another spelling keeps it
    finally:
        ipv4.close()
        secret_store.delete(qa)
        ctx.close()


INTERRUPT_AT_IMPORT = """
import os, runpy, signal, sys
from importlib.abc import MetaPathFinder

AT = sys.argv[1]

class Interrupt(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == AT:
            os.kill(os.getpid(), signal.SIGINT)  # a real Ctrl+C, arriving while that module loads
        return None

sys.meta_path.insert(0, Interrupt())
sys.argv = ["promoter", *sys.argv[2:]]
runpy.run_module("app", run_name="__main__", alter_sys=True)
"""


@pytest.mark.parametrize(
    "module",
    [
        "app.cli.main",  # the entry's first import
        "app.backand",  # deep in the command line's own imports
        "app.cli.parsers",
        "app.cli.cmd_target",  # the command's handler
        "app.engine.history",  # inside the command
    ],
)
def test_ctrl_c_at_any_moment_is_one_line_and_exit_130(tmp_path, module):
    import subprocess
    import sys

    from tests.helpers import REPO, cli_env

    result = subprocess.run(
        [sys.executable, "-c", INTERRUPT_AT_IMPORT, module, "--home", str(tmp_path), "history"],
        capture_output=True,
        text=True,
        env=cli_env(),
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.strip().endswith("promoter: interrupted"), result.stderr
    assert result.returncode == 130


HUGE = "9" * 20


@pytest.mark.parametrize(
    "args",
    [
        ["undo", HUGE],
        ["archive", "show", HUGE],
        ["archive", "verify", "1", HUGE],
        ["restore", "qa", HUGE],
        ["restore", "qa", "²"],  # a digit to str.isdigit, not to int()
        ["history", "--limit", HUGE],
        ["history", "--limit", "0"],
        ["history", "--limit=--"],
        ["rules", "remove", "qa", HUGE],
        ["archive", "prune", "--keep", HUGE],
        ["archive", "prune", "--days", "nan"],
        ["backup", "--jobs", "0"],
        ["profile", "add", "x", "--url", "http://127.0.0.1:9", "--app", "a", "--stage", HUGE],
    ],
    ids=lambda args: " ".join(args)[:40],
)
def test_a_number_out_of_range_is_a_usage_error_naming_it(tmp_path, args):
    added = run(
        tmp_path, "profile", "add", "qa", "--url", "http://127.0.0.1:9", "--app", "shop-qa", "--auth", "token"
    )
    assert added.returncode == 0, added.stderr
    result = run(tmp_path, *args)
    assert result.returncode == 2, result.stderr
    assert "must be a whole number" in result.stderr or "must be a number" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "unexpected" not in result.stderr


@pytest.mark.parametrize("command", ["plan", "promote"])
def test_an_option_given_as_double_dash_is_read_as_that_value(tmp_path, command):
    for name in ("dev", "qa"):
        run(
            tmp_path,
            "profile",
            "add",
            name,
            "--url",
            "http://127.0.0.1:9",
            "--app",
            f"shop-{name}",
            "--auth",
            "token",
        )
    result = run(tmp_path, command, "dev", "qa", "--exclude=--")
    assert result.returncode == 2, result.stderr
    assert "Selector '--' is not understood" in result.stderr, result.stderr


@needs_keyring
def test_promote_into_a_protected_target_without_its_name_is_refused_before_any_download(
    tmp_path, sandbox, control, secret_store
):
    import time

    import requests

    from tests.engine_helpers import wire

    ctx = wire(tmp_path / "home", sandbox, secret_store)
    control.fault(path="/1/app/download", app="shop-qa", delay=15.0)  # qa's export takes 15 s
    try:
        began = time.monotonic()
        refused = run(ctx.home.root, "promote", "qa", "prod", "--yes")
        took = time.monotonic() - began
    finally:
        for profile in ctx.profiles.load():
            secret_store.delete(profile)
        ctx.close()
    assert refused.returncode == 3 and "--confirm prod" in refused.stdout + refused.stderr, refused
    assert took < 8, "it waited for the export"  # generous: the export takes 15 s
    armed = requests.get(f"{control.url}/_sandbox/faults", timeout=10).json()
    assert [f["path"] for f in armed] == ["/1/app/download"], "the export was asked for"
    assert not json.loads(run(tmp_path / "home", "archive", "list", "--json").stdout)


@needs_keyring
def test_overview_json_reports_one_environments_malformed_model_and_shows_the_others(
    tmp_path, sandbox, control, secret_store
):
    from tests.engine_helpers import wire

    ctx = wire(tmp_path / "home", sandbox, secret_store)
    control.fault(path="/1/model", method="GET", app="shop-prod", status=200, body='[1,"x",null]', times=9)
    try:
        result = run(ctx.home.root, "overview", "--json")
    finally:
        for profile in ctx.profiles.load():
            secret_store.delete(profile)
        ctx.close()
    assert "unexpected" not in result.stderr and "Traceback" not in result.stderr, result.stderr
    doc = json.loads(result.stdout)
    reachable = {e["name"]: e["reachable"] for e in doc["environments"]}
    assert reachable == {"dev": True, "qa": True, "prod": False}
    assert "not a model" in doc["environments"][2]["error"]
    assert doc["steps"][0]["known"] and result.returncode == 1  # one environment is not reachable
