"""Restore, Set (rollback), undo and model apply through the real command line: a plan first
(``--dry-run`` writes nothing, ``--json`` is ``plan --json``'s shape), the model-mismatch gate, and
undo of every write kind, against a sandbox in its own process."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.sandbox import seed
from tests.conftest import HAVE_SECRET_SERVICE
from tests.helpers import REPO, SandboxControl, SandboxProcess, cli_env

pytestmark = pytest.mark.skipif(
    not HAVE_SECRET_SERVICE,
    reason="the CLI keeps secrets only in a real keyring; run under tests/tools/with-keyring.sh (make test does)",
)


class Cli:
    def __init__(self, home: Path, url: str) -> None:
        self.home, self.url, self.control = home, url, SandboxControl(url)

    def __call__(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app", "--home", str(self.home), *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=cli_env(),
            cwd=REPO,
            timeout=120,
            check=False,
        )

    def json(self, *args: str) -> Any:
        done = self(*args, "--json")
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def state(self, app: str) -> dict[str, Any]:
        state = self.control.state(app)
        state.pop("versions")  # (a plan may archive a version; the server's list is what it was)
        return state


@pytest.fixture
def cli(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    sandbox = SandboxProcess(tmp_path_factory.mktemp("sandbox-home"))
    try:
        cli = Cli(tmp_path_factory.mktemp("cli-home"), sandbox.url)
        for name, app, stage in (("dev", "shop-dev", "1"), ("qa", "shop-qa", "2"), ("prod", "shop-prod", "3")):
            extra = ["--protected"] if name == "prod" else []
            added = cli("profile", "add", name, "--url", sandbox.url, "--app", app, "--username", seed.ADMIN[0])
            assert added.returncode == 0, added.stderr
            if extra or stage != "1":
                again = cli(
                    "profile", "add", name, "--url", sandbox.url, "--app", app,
                    "--username", seed.ADMIN[0], "--stage", stage, *extra,
                )  # fmt: skip
                assert again.returncode == 0, again.stderr
            assert cli("login", name, stdin=seed.ADMIN[1] + "\n").returncode == 0
        yield cli
        for name in ("dev", "qa", "prod"):
            cli("profile", "remove", name, "--confirm", name)
    finally:
        sandbox.stop()


def _outside_zip(cli: Cli, name: str, dest: Path) -> Path:
    """An export of *name* as a file outside the archive (as the console's export is): no model."""
    entry = cli.json("export", name)
    return Path(shutil.copy(entry["path"], dest))


def test_a_config_only_zip_whose_objects_differ_is_refused_and_planned(cli, tmp_path):
    zip_path = _outside_zip(cli, "dev", tmp_path / "dev-export.zip")
    before = cli.state("shop-qa")

    dry = cli("restore", "qa", str(zip_path), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "INCONSISTENT after this write: qa's configuration describes 1 object its model lacks: coupons" in (
        dry.stdout
    )
    assert "not carried:" in dry.stdout and "qa's model stays as it is" in dry.stdout
    assert "would be refused without --config-only" in dry.stdout
    plan = cli.json("restore", "qa", str(zip_path), "--dry-run")
    assert plan["status"] == "dry_run" and plan["kind"] == "restore"
    assert {g["gate"] for g in plan["gates"]} == {"model_mismatch"}
    assert plan["mismatch_details"]["objects_missing_in_model"] == ["coupons"]
    assert plan["config_changes"] > 0 and not plan["writes_model"]
    assert cli.state("shop-qa") == before  # a plan writes nothing

    refused = cli("restore", "qa", str(zip_path), "--yes")
    assert refused.returncode == 3, refused.stdout + refused.stderr
    assert "--config-only" in refused.stdout and "coupons" in refused.stdout
    assert cli.state("shop-qa") == before

    asked = cli("restore", "qa", str(zip_path))  # a gate that needs its flag: the plan, then refused
    assert asked.returncode == 3 and "Plan: restore" in asked.stdout
    assert "refused without --config-only" in asked.stdout and "[y/N]" not in asked.stdout
    assert cli.state("shop-qa") == before

    done = cli.json("restore", "qa", str(zip_path), "--yes", "--config-only")
    assert done["status"] == "succeeded", done["message"]
    assert "model was left as it was" in done["message"]
    # what was planned is what was written
    assert done["plan"]["config_diff"] == plan["config_diff"]
    assert cli.state("shop-qa")["model"] == before["model"]
    # the Overview says what qa now is: inconsistent, never "no drift" alone
    for extra in ((), ("--full",)):
        overview = cli.json("overview", *extra)
        qa = next(s for s in overview["environments"] if s["name"] == "qa")
        assert qa["mismatch"][0] == "qa's configuration describes 1 object its model lacks: coupons", qa


def test_a_restore_with_its_model_is_consistent_and_undone_whole(cli, tmp_path):
    zip_path = _outside_zip(cli, "dev", tmp_path / "dev-export.zip")
    model_file = tmp_path / "dev-model.json"
    shown = cli("model", "show", "dev")
    model_file.write_text(shown.stdout)
    before = cli.state("shop-qa")

    plan = cli.json("restore", "qa", str(zip_path), "--model", str(model_file), "--dry-run")
    assert plan["gates"] == [] and plan["writes_model"] and plan["model_changes"] == 4
    assert plan["mismatch"] == []
    done = cli.json("restore", "qa", str(zip_path), "--model", str(model_file), "--yes")
    assert done["status"] == "succeeded", done["message"]
    assert cli.state("shop-qa")["model"] == json.loads(shown.stdout)

    undo_plan = cli.json("undo", str(done["run_id"]), "--dry-run")
    assert undo_plan["kind"] == "undo" and undo_plan["model_changes"] == 4
    assert "data_loss" in {g["gate"] for g in undo_plan["gates"]}  # putting back drops coupons
    undone = cli.json("undo", str(done["run_id"]), "--yes", "--allow-data-loss")
    assert undone["status"] == "succeeded", undone["message"]
    after = cli.state("shop-qa")
    assert (after["model"], after["stored_version"], after["tables"]) == (
        before["model"],
        before["stored_version"],
        before["tables"],
    )
    assert not after["cache_stale"]

    again = cli.json("undo", str(undone["run_id"]), "--yes", "--allow-data-loss")  # undo the undo
    assert again["status"] == "succeeded", again["message"]
    assert cli.state("shop-qa")["model"] == json.loads(shown.stdout)


def test_set_and_model_apply_are_planned_and_undoable(cli, tmp_path):
    versions = cli.json("versions", "qa")["versions"]
    older = versions[1]["version"]
    before = cli.state("shop-qa")
    dry = cli("rollback", "qa", older, "--dry-run")
    assert dry.returncode == 0 and f"Plan: rollback version {older} -> qa" in dry.stdout
    assert "a server version carries no model" in dry.stdout
    assert cli.state("shop-qa") == before
    done = cli.json("rollback", "qa", older, "--yes")
    assert done["status"] == "succeeded", done["message"]
    assert done["plan"]["kind"] == "rollback"
    undone = cli.json("undo", str(done["run_id"]), "--yes")
    assert undone["status"] == "succeeded", undone["message"]
    assert cli.state("shop-qa")["stored_version"] == before["stored_version"]

    model = json.loads(cli("model", "show", "qa").stdout)
    model[0]["fields"]["memo"] = {"type": "string"}
    model_file = tmp_path / "model.json"
    model_file.write_text(json.dumps(model))
    dry = cli("model", "apply", "qa", str(model_file), "--dry-run")
    assert dry.returncode == 0 and "+ field" in dry.stdout and "memo" in dry.stdout
    assert "the model only: qa's configuration" in dry.stdout
    assert cli.state("shop-qa")["model"] == before["model"]
    applied = cli.json("model", "apply", "qa", str(model_file), "--yes")
    assert applied["status"] == "succeeded", applied["message"]
    back = cli.json("undo", str(applied["run_id"]), "--yes", "--allow-data-loss")
    assert back["status"] == "succeeded", back["message"]
    assert cli.state("shop-qa")["model"] == before["model"]


def test_bad_input_to_planned_writes(cli, tmp_path):
    not_a_zip = tmp_path / "x.zip"
    not_a_zip.write_text("hello")
    bad = cli("restore", "qa", str(not_a_zip), "--dry-run")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "zip" in bad.stderr
    bad_model = tmp_path / "m.json"
    bad_model.write_text("{not json")
    bad = cli("model", "apply", "qa", str(bad_model), "--dry-run")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    blank = cli("restore", "qa", "1", "--accept-security", "   ")
    assert blank.returncode == 2 and "reason in words" in blank.stderr and "Traceback" not in blank.stderr
    missing = cli("undo", "999", "--dry-run")
    assert missing.returncode == 2 and "no run #999" in missing.stderr
    long = cli("rollback", "qa", "1" * 10000, "--dry-run")  # (it became a 10,031-character note)
    assert long.returncode == 2 and "is not a version label" in long.stderr
    invisible = cli("restore", "qa", "1", "--accept-security", "\u200b")
    assert invisible.returncode == 2 and "reason in words" in invisible.stderr
    gone = cli("rollback", "qa", "9.9.9", "--dry-run")
    assert gone.returncode in (2, 3) and "Traceback" not in gone.stderr, gone.stderr


def test_yes_on_a_terminal_is_consent_to_the_drift_the_plan_showed(cli, tmp_path):
    """Attack finding: answering y to a plan that showed drift was refused "without --yes" (so a
    user was pushed onto --yes, which skips the plan's stamp check too). The answer consents to the
    drift and later runs the plan showed; without a terminal nothing is asked and nothing written."""
    import os

    done = cli.json("promote", "dev", "qa", "--yes")
    assert done["status"] == "succeeded"
    versions = cli.json("versions", "qa")["versions"]
    from app.backand import BackandClient, PasswordLogin

    with BackandClient(cli.url, "shop-qa", PasswordLogin(seed.ADMIN[0])) as client:  # the console
        client.sign_in(seed.ADMIN[1])
        client.set_version(versions[0]["version"])
        client.reload_cache()
    backup = str(done["backup_id"])
    piped = cli("restore", "qa", backup, "--allow-data-loss")
    assert piped.returncode == 3 and "not a terminal" in piped.stderr and "DRIFT" in piped.stdout
    primary, secondary = os.openpty()  # a terminal whose user has typed "y"
    try:
        os.write(primary, b"y\n")
        answered = subprocess.run(
            [sys.executable, "-m", "app", "--home", str(cli.home), "restore", "qa", backup, "--allow-data-loss"],
            stdin=secondary,
            capture_output=True,
            text=True,
            env=cli_env(),
            cwd=REPO,
            timeout=120,
            check=False,
        )
    finally:
        os.close(primary)
        os.close(secondary)
    assert answered.returncode == 0, answered.stdout + answered.stderr
    assert "succeeded" in answered.stdout
