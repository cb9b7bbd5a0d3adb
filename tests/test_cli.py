"""The `promoter` command line in subprocesses: the README's flow, exit statuses, JSON, no secrets."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.sandbox import seed
from tests.conftest import HAVE_SECRET_SERVICE
from tests.helpers import REPO, cli_env


def run(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = cli_env()
    return subprocess.run(
        [sys.executable, "-m", "app", "--home", str(home), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
        check=False,
    )


def test_version_is_fast_and_imports_no_qt(tmp_path):
    started = time.monotonic()
    result = run(tmp_path, "--version")
    assert result.returncode == 0 and result.stdout.startswith("promoter ")
    assert time.monotonic() - started < 10  # generous: the benchmark holds the real target
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, app.cli.main, app.engine.ops.promote, app.engine.reads.one_target; "
            "print('PySide6' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    assert probe.stdout.strip() == "False"


def test_bad_input_is_a_message_not_a_traceback(tmp_path):
    result = run(tmp_path, "promote", "dev", "qa")
    assert result.returncode == 2 and "no profile named 'dev'" in result.stderr
    assert "Traceback" not in result.stderr
    (tmp_path / "profiles.json").write_text("{not json")
    result = run(tmp_path, "profile", "list")
    assert result.returncode == 2 and "corrupted" in result.stderr and "Traceback" not in result.stderr
    (tmp_path / "profiles.json").write_text('{"schema_version": 99, "profiles": []}')
    result = run(tmp_path, "profile", "list")
    assert result.returncode == 2 and "schema version 99" in result.stderr
    (tmp_path / "profiles.json").unlink()
    result = run(
        tmp_path, "profile", "add", "x", "--url", "http://example.com", "--app", "a", "--auth", "token"
    )
    assert result.returncode == 2 and "plain http" in result.stderr
    (tmp_path / "bad.zip").write_bytes(b"not a zip")
    run(
        tmp_path, "profile", "add", "qa", "--url", "http://127.0.0.1:9", "--app", "shop-qa", "--auth", "token"
    )
    result = run(tmp_path, "archive", "import", str(tmp_path / "bad.zip"), "--profile", "qa")
    assert result.returncode == 2 and "not a zip file" in result.stderr
    assert run(tmp_path, "archive", "list", "--json").stdout.strip() == "[]"


@pytest.mark.skipif(
    not HAVE_SECRET_SERVICE,
    reason="the CLI keeps secrets only in a real keyring; "
    "run under tests/tools/with-keyring.sh (make test does)",
)
def test_readme_flow_from_the_terminal(tmp_path_factory):
    from tests.helpers import SandboxProcess

    sandbox_home = tmp_path_factory.mktemp("sandbox-home")
    home = tmp_path_factory.mktemp("cli-home")
    sandbox = SandboxProcess(sandbox_home)
    try:
        url = sandbox.url
        for name, app, stage in (
            ("dev", "shop-dev", "1"),
            ("qa", "shop-qa", "2"),
            ("prod", "shop-prod", "3"),
        ):
            extra = ["--protected"] if name == "prod" else []
            added = run(
                home,
                "profile",
                "add",
                name,
                "--url",
                url,
                "--app",
                app,
                "--username",
                seed.ADMIN[0],
                "--stage",
                stage,
                *extra,
            )
            assert added.returncode == 0, added.stderr
            login = run(home, "login", name, stdin=seed.ADMIN[1] + "\n")
            assert login.returncode == 0, login.stderr
        wrong = run(home, "login", "qa", stdin="wrong-password\n")
        assert wrong.returncode == 4 and "incorrect" in wrong.stderr
        assert run(home, "login", "qa", stdin=seed.ADMIN[1] + "\n").returncode == 0
        plan = run(home, "plan", "dev", "qa", "--json")
        assert plan.returncode == 0, plan.stderr
        assert json.loads(plan.stdout)["model_changes"] == 4
        asked = run(home, "promote", "dev", "qa")
        assert asked.returncode == 3 and "not a terminal" in asked.stderr
        done = run(home, "promote", "dev", "qa", "--yes", "--json")
        assert done.returncode == 0, done.stderr
        doc = json.loads(done.stdout)
        assert doc["status"] == "succeeded" and doc["backup_id"] and doc["export_id"]
        assert {s["name"] for s in doc["steps"]} >= {
            "Apply model",
            "Upload configuration",
            "Clear cache",
            "Verify",
        }
        refused = run(home, "promote", "qa", "prod", "--yes")
        assert refused.returncode == 3 and "--confirm prod" in refused.stdout + refused.stderr
        assert run(home, "promote", "qa", "prod", "--yes", "--confirm", "prod").returncode == 0
        listing = json.loads(run(home, "archive", "list", "--json").stdout)
        assert {"id", "profile", "app", "kind", "version", "created_at", "sha256", "size", "path"} <= set(
            listing[0]
        )
        versions = run(home, "versions", "qa", "--json")
        assert json.loads(versions.stdout)["current"] == "1.1.4"
        # 1.1.1 predates the promoted model (coupons): a Set of it alone leaves qa inconsistent
        inconsistent = run(home, "rollback", "qa", "1.1.1", "--yes")
        assert inconsistent.returncode == 3 and "--config-only" in inconsistent.stdout
        assert "coupons" in inconsistent.stdout
        assert run(home, "rollback", "qa", "1.1.1", "--yes", "--config-only").returncode == 0
        backup = doc["backup_id"]
        lossy = run(home, "restore", "qa", str(backup), "--yes")  # the old model lacks table coupons
        assert lossy.returncode == 3 and "table coupons" in lossy.stdout + lossy.stderr
        assert run(home, "restore", "qa", str(backup), "--yes", "--allow-data-loss").returncode == 0
        assert run(home, "archive", "verify").returncode == 0
        history = json.loads(run(home, "history", "--json").stdout)
        assert [h["kind"] for h in history if h["status"] != "refused"][:3] == [
            "restore",
            "rollback",
            "promote",
        ]
        assert history[1]["status"] == "refused"  # the restore that would have dropped a table
        # undo from the command line: later runs wrote qa, so it asks for --yes first
        later = run(home, "undo", str(doc["run_id"]), "--json")
        assert later.returncode == 3 and "not a terminal" in later.stderr
        undone = run(home, "undo", str(doc["run_id"]), "--yes", "--json")
        assert undone.returncode == 0, undone.stdout + undone.stderr
        assert json.loads(undone.stdout)["status"] == "succeeded"
        history = {h["id"]: h for h in json.loads(run(home, "history", "--json").stdout)}
        assert history[doc["run_id"]]["undone"] is True
        assert "undone by" in run(home, "history").stdout
        again = run(home, "undo", str(doc["run_id"]), "--yes")
        assert again.returncode == 2 and "already undone" in again.stderr
        # a profile with no stored secret: exit 4 (authentication), for plan and promote alike
        assert (
            run(
                home,
                "profile",
                "add",
                "qa2",
                "--url",
                url,
                "--app",
                "shop-qa",
                "--username",
                seed.ADMIN[0],
                "--stage",
                "2",
            ).returncode
            == 0
        )
        for args in (("plan", "dev", "qa2"), ("promote", "dev", "qa2", "--yes")):
            denied = run(home, *args)
            assert denied.returncode == 4, (args, denied.returncode, denied.stderr)
            assert "login" in denied.stdout + denied.stderr
        outputs = [plan, done, versions, wrong, undone]
    finally:
        sandbox.stop()
    # no password or token in any file under the home, nor in what the commands printed
    from app.profiles import ProfileStore
    from app.secrets import SecretStore

    store = SecretStore()
    profiles = ProfileStore(home / "profiles.json").load()
    secrets = [seed.ADMIN[1], "wrong-password"] + [store.get(p) or "" for p in profiles]
    secrets += [store.get(p, "refresh") or "" for p in profiles]
    secrets = [s for s in secrets if s]
    assert len(secrets) >= 5
    for path in home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in secrets:
                assert secret.encode() not in data, f"a secret is in {path}"
    for out in outputs:
        for secret in secrets:
            assert secret not in out.stdout + out.stderr
    for profile in profiles:
        store.delete(profile)


@pytest.mark.skipif(
    not HAVE_SECRET_SERVICE,
    reason="the CLI keeps secrets only in a real keyring; "
    "run under tests/tools/with-keyring.sh (make test does)",
)
def test_the_demo_leaves_a_users_keyring_entries_alone(tmp_path):
    import keyring

    from app.secrets import SERVICE

    users = {name: f"the-users-own-{name}-token" for name in ("dev", "qa", "prod")}
    for name, value in users.items():
        keyring.set_password(SERVICE, name, value)  # a user's entries (the old scheme's names)
    try:
        demo = run(tmp_path, "demo", "--no-gui")
        assert demo.returncode == 0, demo.stderr
        for name, value in users.items():
            assert keyring.get_password(SERVICE, name) == value
    finally:
        for name in users:
            keyring.delete_password(SERVICE, name)


@pytest.mark.skipif(
    not HAVE_SECRET_SERVICE,
    reason="the CLI keeps secrets only in a real keyring; "
    "run under tests/tools/with-keyring.sh (make test does)",
)
def test_pointing_a_profile_elsewhere_forgets_its_secret(tmp_path):
    add = ("profile", "add", "qa", "--app", "shop-qa", "--auth", "keys")
    assert run(tmp_path, *add, "--url", "http://127.0.0.1:8099").returncode == 0
    assert run(tmp_path, "secret", "set", "qa", stdin="master:user\n").returncode == 0
    moved = run(tmp_path, *add, "--url", "http://127.0.0.1:8100")
    assert moved.returncode == 0 and "secret was forgotten" in moved.stdout
    check = run(tmp_path, "check", "qa")
    assert check.returncode == 4 and "No secret stored for profile qa" in check.stderr
    assert run(tmp_path, "profile", "remove", "qa").returncode == 0


def test_the_program_leaves_the_heap_out_of_python_s_last_collection(tmp_path):
    """``run()`` (the console script, ``python -m app``, the bundle) freezes the heap before Python's
    shutdown walks it (~45 ms after a promotion); ``main()``, which tests call in-process, does not."""
    probe = (
        "import atexit, gc, sys\n"
        "from app.cli.main import main, run\n"
        "atexit.register(lambda: print('frozen:', gc.get_freeze_count() > 0))\n"
        "main(['--home', sys.argv[1], 'profile', 'list'])\n"
        "print('after main:', gc.get_freeze_count() > 0)\n"
        "sys.argv = ['promoter', '--home', sys.argv[1], 'profile', 'list']\n"
        "sys.exit(run())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path)], capture_output=True, text=True, cwd=REPO, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "after main: False" in done.stdout and done.stdout.rstrip().endswith("frozen: True")


def test_each_command_group_declares_exactly_the_commands_it_is_listed_with():
    """A run declares only its command's group of parsers (``parsers._GROUPS``); a command missing
    from the table would be declared by no run that names it."""
    import argparse

    from app.cli import parsers
    from app.cli.main import build_parser, command_in

    for register, names in parsers._GROUPS:
        sub = argparse.ArgumentParser().add_subparsers()
        register(sub)
        assert tuple(sub.choices) == names, register.__name__
    everything = build_parser()._subparsers._group_actions[0].choices
    assert sorted(everything) == sorted(n for _r, names in parsers._GROUPS for n in names)
    assert command_in(["--home", "promote", "-v", "plan", "dev", "qa"]) == "plan"
    assert list(build_parser("plan")._subparsers._group_actions[0].choices)[:2] == ["overview", "plan"]
    assert build_parser("nonsense")._subparsers._group_actions[0].choices.keys() == everything.keys()
