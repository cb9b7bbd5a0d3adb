"""Releases through the real `promoter` command against a sandbox in its own process: a release
taken from qa is what prod receives, whatever qa holds since; `promote qa prod` after a console
change in qa needs the unverified-source consent; bad input is named, nothing written."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

import pytest

from app.backand import BackandClient, PasswordLogin
from app.sandbox import seed
from tests.conftest import HAVE_SECRET_SERVICE
from tests.helpers import SandboxProcess, edit_config
from tests.test_cli import run
from tests.test_cli_rules import add_profile

pytestmark = pytest.mark.skipif(
    not HAVE_SECRET_SERVICE,
    reason="the CLI keeps secrets only in a real keyring; run under tests/tools/with-keyring.sh (make test does)",
)

ORIGINAL = "return {sent: true, to: user.email};"
CONSOLE = "return {sent: true, to: 'edited in the console'};"


def _console_edit(doc: str) -> str:
    assert ORIGINAL in doc
    return doc.replace(ORIGINAL, CONSOLE)


def _app_doc(url: str, app: str, work: Path) -> str:
    with BackandClient(url, app, PasswordLogin(seed.ADMIN[0])) as client:
        client.sign_in(seed.ADMIN[1])
        path = work / f"{app}-now.zip"
        client.download_config(path)
    with zipfile.ZipFile(path) as archive:
        return archive.read(archive.namelist()[0]).decode()


def _pipeline(home: Path, url: str) -> None:
    add_profile(home, "dev", url, "shop-dev", "1")
    add_profile(home, "qa", url, "shop-qa", "2")
    prod = ("profile", "add", "prod", "--url", url, "--app", "shop-prod", "--username", seed.ADMIN[0])
    assert run(home, *prod, "--stage", "3", "--protected").returncode == 0
    for name in ("dev", "qa", "prod"):
        assert run(home, "login", name, stdin=seed.ADMIN[1] + "\n").returncode == 0


def _history(home: Path) -> list[dict]:
    return [r for r in json.loads(run(home, "history", "--json").stdout) if r["kind"] != "profile"]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    home = tmp_path_factory.mktemp("cli-home")
    work = tmp_path_factory.mktemp("edits")
    sandbox = SandboxProcess(tmp_path_factory.mktemp("sandbox-home"))
    try:
        _pipeline(home, sandbox.url)
        yield home, work, sandbox.url
    finally:
        sandbox.stop()


def test_prod_receives_the_release_not_what_qa_holds_since(world):
    home, work, url = world
    promoted = run(home, "promote", "dev", "qa", "--yes")
    assert promoted.returncode == 0, promoted.stdout[-600:] + promoted.stderr[-600:]

    created = run(home, "release", "create", "qa", "--name", "1.4", "--note", "QA signed off", "--json")
    assert created.returncode == 0, created.stderr
    release = json.loads(created.stdout)
    assert release["name"] == "1.4" and release["source"] == "qa" and release["verified"] is True
    assert "held exactly what run #" in release["state"] and release["note"] == "QA signed off"
    listed = json.loads(run(home, "release", "list", "--json").stdout)
    assert [r["name"] for r in listed] == ["1.4"]
    entry = json.loads(run(home, "archive", "show", str(release["entry_id"]), "--json").stdout)
    assert entry["kind"] == "release" and entry["pinned"] is True

    # someone edits qa in the console after it was verified
    edit_config(url, "shop-qa", _console_edit, work)

    # promote qa prod: a state never promoted through qa; refused (exit 3) with qa's drift listed
    before = len(_history(home))
    refused = run(home, "promote", "qa", "prod", "--confirm", "prod", "--yes")
    assert refused.returncode == 3, refused.stdout[-800:] + refused.stderr[-800:]
    assert (
        "qa changed after its last verified promotion (run #" in refused.stdout
        and "prod would receive a state never promoted through qa" in refused.stdout
    ), refused.stdout[-800:]
    assert "--accept-unverified-source" in refused.stdout
    assert "SOURCE CHANGED: qa changed since run #" in refused.stdout
    assert "Send confirmation" in refused.stdout.split("SOURCE CHANGED")[1]  # the drift, listed
    plan = json.loads(run(home, "plan", "qa", "prod", "--json").stdout)
    assert "unverified_source" in [g["gate"] for g in plan["gates"]] and plan["source_drifted"]
    assert any("Send confirmation" in line for line in plan["source_drift"])

    # the release: prod receives what was verified, not qa's new state
    planned = run(home, "plan", "--release", "1.4", "prod")
    assert planned.returncode == 0, planned.stderr[-800:]
    assert planned.stdout.startswith("Plan: release 1.4 -> prod")
    done = run(home, "promote", "--release", "1.4", "prod", "--confirm", "prod", "--yes", "--json")
    assert done.returncode == 0, done.stdout[-800:] + done.stderr[-800:]
    result = json.loads(done.stdout)
    assert result["status"] == "succeeded" and result["plan"]["release"] == "1.4"
    prod_doc = _app_doc(url, "shop-prod", work)
    assert ORIGINAL in prod_doc and CONSOLE not in prod_doc
    assert CONSOLE in _app_doc(url, "shop-qa", work)  # qa still holds its console edit
    latest = _history(home)[0]
    assert latest["source"] == "release 1.4" and latest["plan"]["release"] == "1.4"
    assert latest["archive_ids"]["release"] == release["entry_id"]
    assert len(_history(home)) == before + 2  # the refused run and the release's

    # with the consent, qa's new state goes, and the consent is in history with the run
    accepted = run(
        home, "promote", "qa", "prod", "--confirm", "prod", "--yes", "--accept-unverified-source", "--json"
    )
    assert accepted.returncode == 0, accepted.stdout[-800:]
    assert CONSOLE in _app_doc(url, "shop-prod", work)
    latest = _history(home)[0]
    assert latest["status"] == "succeeded" and latest["plan"]["unverified_source_accepted"] is True


def test_bad_release_input_is_named_and_nothing_is_written(world):
    home, _work, _url = world
    if run(home, "release", "show", "base").returncode != 0:
        assert run(home, "release", "create", "qa", "--name", "base").returncode == 0
    entries = len(json.loads(run(home, "archive", "list", "--json", "--all").stdout))

    taken = run(home, "release", "create", "qa", "--name", "base")
    assert (
        taken.returncode == 2
        and "Release base exists already" in taken.stderr
        and "--replace" in taken.stderr
    )
    for bad in ("../x", "a b", "-x", "é", "x" * 65):
        refused = run(home, "release", "create", "qa", f"--name={bad}")
        assert refused.returncode == 2 and "is not a release name" in refused.stderr, (bad, refused.stderr)
    for blank in ("", "   "):
        refused = run(home, "release", "create", "qa", "--name", "other", "--note", blank)
        assert refused.returncode == 2 and "The note is empty" in refused.stderr
    both = run(home, "promote", "--release", "base", "qa", "prod")
    assert both.returncode == 2 and "give only the TARGET" in both.stderr
    missing = run(home, "plan", "--release", "nope", "prod")
    assert missing.returncode == 2 and "There is no release 'nope'" in missing.stderr
    for out in (taken, both, missing):
        assert "Traceback" not in out.stderr
    assert len(json.loads(run(home, "archive", "list", "--json", "--all").stdout)) == entries

    # a pinned release is removed only when confirmed
    kept = run(home, "release", "remove", "base")
    assert kept.returncode == 3 and "pinned" in kept.stderr
    assert run(home, "release", "show", "base").returncode == 0
    assert run(home, "release", "create", "qa", "--name", "base", "--replace").returncode == 0


def test_a_release_without_its_model_or_of_another_app_is_refused(world):
    home, _work, url = world
    assert run(home, "release", "create", "qa", "--name", "nomodel").returncode == 0
    entry_id = json.loads(run(home, "release", "show", "nomodel", "--json").stdout)["entry_id"]
    db = sqlite3.connect(home / "archive" / "index.sqlite")
    with db:
        db.execute("UPDATE entries SET model=NULL WHERE id=?", (entry_id,))
    db.close()
    before = len(_history(home))
    refused = run(home, "promote", "--release", "nomodel", "prod", "--confirm", "prod", "--yes")
    assert refused.returncode == 2 and "holds no model" in refused.stderr, refused.stderr
    assert len(_history(home)) == before

    # a release of an app none of this home's environments point at: the cross-app consent
    add_profile(home, "staging", url, "shop-staging", "2")
    assert run(home, "login", "staging", stdin=seed.ADMIN[1] + "\n").returncode == 0
    assert run(home, "release", "create", "qa", "--name", "elsewhere").returncode == 0
    assert run(home, "profile", "remove", "qa").returncode == 0
    try:
        other = run(home, "promote", "--release", "elsewhere", "prod", "--confirm", "prod", "--yes")
        assert other.returncode == 3, other.stdout[-600:] + other.stderr[-600:]
        assert (
            "which is none of this home's environments" in other.stdout
            and "--allow-other-app" in other.stdout
        )
        assert len(_history(home)) == before + 1  # refused before anything was read: nothing written
    finally:
        add_profile(home, "qa", url, "shop-qa", "2")
        assert run(home, "login", "qa", stdin=seed.ADMIN[1] + "\n").returncode == 0
