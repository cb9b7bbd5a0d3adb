"""The security gate through the real `promoter` command against a sandbox in its own process:
widening access into a protected target needs a reason in words, recorded in history; narrowing
does not; a keep rule on the target's access rules removes the gate; changed action code is listed."""

from __future__ import annotations

import json

import pytest

from app.sandbox import seed
from tests.conftest import HAVE_SECRET_SERVICE
from tests.helpers import SandboxProcess, edit_config, set_view_cell
from tests.test_cli import run
from tests.test_cli_rules import add_profile

pytestmark = pytest.mark.skipif(
    not HAVE_SECRET_SERVICE,
    reason="the CLI keeps secrets only in a real keyring; run under tests/tools/with-keyring.sh (make test does)",
)


def _roles(value: str, code: str | None = None):
    def edit(doc: str) -> str:
        doc = set_view_cell(doc, "orders", "AllowSelectRoles", value)
        if code is not None:
            doc = doc.replace("return {sent: true, to: user.email};", code)
        return doc

    return edit


def test_widening_access_into_a_protected_target_needs_a_reason(tmp_path_factory):
    home = tmp_path_factory.mktemp("cli-home")
    work = tmp_path_factory.mktemp("edits")
    sandbox = SandboxProcess(tmp_path_factory.mktemp("sandbox-home"))
    try:
        add_profile(home, "qa", sandbox.url, "shop-qa", "2")
        assert (
            run(
                home,
                "profile",
                "add",
                "prod",
                "--url",
                sandbox.url,
                "--app",
                "shop-prod",
                "--username",
                seed.ADMIN[0],
                "--stage",
                "3",
                "--protected",
            ).returncode
            == 0
        )
        for name in ("qa", "prod"):
            assert run(home, "login", name, stdin=seed.ADMIN[1] + "\n").returncode == 0
        edit_config(sandbox.url, "shop-prod", _roles("Developer,Admin"), work)
        edit_config(sandbox.url, "shop-qa", _roles("everyone", "return {sent: true, to: 'all'};"), work)

        # the plan shows it, with the gate it would meet
        plan = run(home, "plan", "qa", "prod")
        assert plan.returncode == 0, plan.stderr
        assert "security: 1 change widening access, 0 narrowing, 1 server-side code change" in plan.stdout
        assert (
            "widens: View[orders].AllowSelectRoles: roles that may read: 'Developer,Admin' -> 'everyone' "
            "(everyone)" in plan.stdout
        )
        assert (
            "code: Rule[orders.Send confirmation]: action 'Send confirmation' on object 'orders': "
            "code changed (Code)" in plan.stdout
        )
        assert (
            'would be refused without --accept-security "REASON": prod is protected and this '
            "promotion widens access" in plan.stdout
        )
        doc = json.loads(run(home, "plan", "qa", "prod", "--json").stdout)
        assert doc["security"]["weakening"] == 1 and doc["security"]["code"] == 1
        assert [g["gate"] for g in doc["gates"]] == ["protected", "security"]

        # refused without the consent: exit 3, nothing written
        refused = run(home, "promote", "qa", "prod", "--confirm", "prod", "--yes", "--json")
        assert refused.returncode == 3, refused.stdout[-600:]
        result = json.loads(refused.stdout)
        assert result["status"] == "refused" and [g["gate"] for g in result["gates"]] == ["security"]
        assert "widens access" in result["message"]
        assert result["gates"][0]["flag"] == '--accept-security "REASON"'  # the CLI's word for the gate
        # a blank reason is no reason: exit 2, nothing asked of the server
        for blank in ("", "   "):
            bad = run(home, "promote", "qa", "prod", "--confirm", "prod", "--yes", "--accept-security", blank)
            assert bad.returncode == 2 and "needs a reason in words" in bad.stderr, bad.stderr
            assert "Traceback" not in bad.stderr
        runs = [r for r in json.loads(run(home, "history", "--json").stdout) if r["kind"] != "profile"]
        assert len(runs) == 1  # only the refused run (profile changes are recorded too)

        # with a reason: promoted, and the reason is in history with the run
        reason = "orders are public from release 2.0 (ticket SEC-12)"
        done = run(
            home,
            "promote",
            "qa",
            "prod",
            "--confirm",
            "prod",
            "--yes",
            "--json",
            "--accept-security",
            f"  {reason} ",
        )
        assert done.returncode == 0, done.stdout[-800:]
        assert json.loads(done.stdout)["plan"]["security"]["reason"] == reason
        runs = json.loads(run(home, "history", "--json").stdout)
        latest = max(runs, key=lambda r: r["id"])
        assert latest["status"] == "succeeded" and latest["plan"]["security"]["reason"] == reason
        assert latest["plan"]["security"]["changes"][0]["where"] == "View[orders].AllowSelectRoles"

        # narrowing passes without consent
        edit_config(sandbox.url, "shop-qa", _roles("Admin"), work)
        narrowed = run(home, "promote", "qa", "prod", "--confirm", "prod", "--yes", "--json")
        assert narrowed.returncode == 0, narrowed.stdout[-800:]
        security = json.loads(narrowed.stdout)["plan"]["security"]
        assert security["narrowing"] == 1 and security["weakening"] == 0 and "reason" not in security

        # prod keeps its own access rules: a keep rule removes the gate (and the change)
        edit_config(sandbox.url, "shop-qa", _roles("everyone"), work)
        rule = ("rules", "add", "prod", "keep", "View[orders].AllowSelectRoles", "--confirm", "prod")
        assert run(home, *rule).returncode == 0
        kept = run(home, "promote", "qa", "prod", "--confirm", "prod", "--yes", "--json")
        assert kept.returncode == 0, kept.stdout[-800:]
        plan_doc = json.loads(kept.stdout)["plan"]
        assert plan_doc["security"]["changes"] == []
        assert any("View[orders].AllowSelectRoles" in line for line in plan_doc["shaping_lines"])
    finally:
        sandbox.stop()
