"""Changing a protected profile needs its name typed; every profile change is in the history; a
protection removed by editing profiles.json by hand is said. Through the real `promoter` command."""

from __future__ import annotations

import getpass
import json

from tests.test_cli import run

PROD = ("--url", "https://prod.example", "--app", "shop-prod", "--auth", "token", "--stage", "3")
QA = ("--url", "https://qa.example", "--app", "shop-qa", "--auth", "token", "--stage", "2")


def show(home, name):
    return json.loads(run(home, "profile", "show", name, "--json").stdout)


def refused(result, name, words):
    """Exit 3, the profile, what needs consent and the flag named; no traceback."""
    assert result.returncode == 3, (result.args, result.stdout, result.stderr)
    assert f"{name} is protected: {words}" in result.stderr, result.stderr
    assert f"--confirm {name}" in result.stderr and "Nothing was changed" in result.stderr
    assert "Traceback" not in result.stderr


def profile_runs(home):
    return [
        r
        for r in json.loads(run(home, "history", "--json", "--limit", "100").stdout)
        if r["kind"] == "profile"
    ]


def test_unprotecting_moving_or_lowering_a_protected_profile_needs_its_name(tmp_path):
    home = tmp_path / "home"
    assert run(home, "profile", "add", "prod", *PROD, "--protected").returncode == 0
    before = show(home, "prod")
    # `profile add` again without --protected: the old way to drop the protection silently
    refused(run(home, "profile", "add", "prod", *PROD), "prod", "unprotecting it")
    refused(run(home, "profile", "add", "prod", *PROD, "--confirm", "prd"), "prod", "unprotecting it")
    moved = (*PROD[:1], "https://other.example", *PROD[2:])
    refused(run(home, "profile", "add", "prod", *moved, "--protected"), "prod", "pointing it at another URL")
    lower = (*PROD[:-1], "2")
    refused(run(home, "profile", "add", "prod", *lower, "--protected"), "prod", "lowering its stage (3 → 2)")
    assert show(home, "prod") == before, "nothing changed"
    # what needs no consent: protecting, raising the stage, the colour
    higher = (*PROD[:-1], "4")
    assert run(home, "profile", "add", "prod", *higher, "--protected", "--colour", "#aa0000").returncode == 0
    assert run(home, "profile", "add", "qa", *QA).returncode == 0
    assert run(home, "profile", "protect", "qa").returncode == 0 and show(home, "qa")["protected"] is True
    # with the name typed
    done = run(home, "profile", "add", "prod", *higher, "--confirm", "prod")
    assert done.returncode == 0, done.stderr
    assert show(home, "prod")["protected"] is False
    refused(run(home, "profile", "unprotect", "qa"), "qa", "unprotecting it")
    assert run(home, "profile", "unprotect", "qa", "--confirm", "qa").returncode == 0
    assert show(home, "qa")["protected"] is False


def test_rules_removal_and_import_of_a_protected_profile_need_its_name(tmp_path):
    home = tmp_path / "home"
    assert run(home, "profile", "add", "prod", *PROD, "--protected").returncode == 0
    assert run(home, "profile", "add", "qa", *QA).returncode == 0
    refused(run(home, "rules", "add", "prod", "keep", "Database.DisplayName"), "prod", "changing its rules")
    assert json.loads(run(home, "rules", "list", "prod", "--json").stdout) == {"prod": []}
    added = run(home, "rules", "add", "prod", "keep", "Database.DisplayName", "--confirm", "prod")
    assert added.returncode == 0, added.stderr
    assert run(home, "rules", "add", "qa", "keep", "Database.DisplayName").returncode == 0  # not protected
    refused(run(home, "rules", "remove", "prod", "1"), "prod", "changing its rules")
    assert len(json.loads(run(home, "rules", "list", "prod", "--json").stdout)["prod"]) == 1
    # an import that would unprotect prod: refused as a whole (qa's change is not made either)
    exported = json.loads((home / "profiles.json").read_text())
    for profile in exported["profiles"]:
        profile["protected"] = False
        profile["colour"] = "#123456"
    (tmp_path / "team.json").write_text(json.dumps(exported))
    before = (home / "profiles.json").read_bytes()
    refused(run(home, "profile", "import", str(tmp_path / "team.json")), "prod", "unprotecting it")
    assert (home / "profiles.json").read_bytes() == before
    imported = run(home, "profile", "import", str(tmp_path / "team.json"), "--confirm", "prod")
    assert imported.returncode == 0, imported.stderr
    assert show(home, "prod")["protected"] is False and show(home, "qa")["colour"] == "#123456"
    # removing a protected profile
    assert run(home, "profile", "protect", "prod").returncode == 0
    refused(run(home, "profile", "remove", "prod"), "prod", "removing it")
    assert show(home, "prod")["name"] == "prod"
    assert run(home, "profile", "remove", "prod", "--confirm", "prod").returncode == 0
    assert [p["name"] for p in json.loads(run(home, "profile", "list", "--json").stdout)] == ["qa"]


def test_every_profile_change_is_in_the_history_with_who_when_and_what(tmp_path):
    home = tmp_path / "home"
    assert run(home, "profile", "add", "prod", *PROD, "--protected").returncode == 0
    assert run(home, "profile", "add", "prod", *PROD, "--protected", "--colour", "#aa0000").returncode == 0
    assert (
        run(home, "rules", "add", "prod", "keep", "Database.DisplayName", "--confirm", "prod").returncode == 0
    )
    assert run(home, "rules", "remove", "prod", "1", "--confirm", "prod").returncode == 0
    assert run(home, "profile", "unprotect", "prod", "--confirm", "prod").returncode == 0
    assert run(home, "profile", "protect", "prod").returncode == 0
    refused(run(home, "profile", "remove", "prod"), "prod", "removing it")  # refused: not recorded
    assert run(home, "profile", "add", "prod", *PROD, "--protected", "--colour", "#aa0000").returncode == 0
    assert run(home, "profile", "remove", "prod", "--confirm", "prod").returncode == 0
    runs = list(reversed(profile_runs(home)))
    actions = [r["plan"]["profile"]["action"] for r in runs]
    assert actions == ["add", "edit", "rules", "rules", "unprotect", "protect", "remove"]
    assert all(r["user"] == getpass.getuser() and r["target"] == "prod" for r in runs)
    assert all(r["started_at"].endswith("Z") and not r["undone"] for r in runs)
    fields = [{c["field"]: (c["old"], c["new"]) for c in r["plan"]["profile"]["changes"]} for r in runs]
    assert fields[0]["protected"] == (None, "true") and fields[0]["base_url"] == (
        None,
        "https://prod.example",
    )
    assert fields[1] == {"colour": ("#4a90d9", "#aa0000")}
    assert fields[2] == {"rule 1": (None, "keep Database.DisplayName")}
    assert fields[3] == {"rule 1": ("keep Database.DisplayName", None)}
    assert fields[4] == {"protected": ("true", "false")} and runs[4]["plan"]["profile"]["confirmed"]
    assert fields[5] == {"protected": ("false", "true")} and not runs[5]["plan"]["profile"]["confirmed"]
    assert fields[6]["protected"] == ("true", None)
    listing = run(home, "history").stdout
    assert "unprotect prod: protected: true → false" in listing
    # a profile change is not a write: undo says so
    result = run(home, "undo", str(runs[4]["id"]), "--yes")
    assert result.returncode == 2 and "only writes can be undone" in result.stderr


def test_a_protection_removed_by_hand_is_said_and_still_guarded(tmp_path):
    home = tmp_path / "home"
    assert run(home, "profile", "add", "prod", *PROD, "--protected").returncode == 0
    assert run(home, "profile", "add", "qa", *QA).returncode == 0
    path = home / "profiles.json"
    path.write_text(path.read_text().replace('"protected": true', '"protected": false'))
    for args in (("profile", "list"), ("history",), ("plan", "qa", "prod")):
        result = run(home, *args)
        assert "prod was protected" in result.stderr, (args, result.stderr)
        assert "its protection was removed outside the promoter" in result.stderr
        assert "promoter profile unprotect prod --confirm prod" in result.stderr
        assert "Traceback" not in result.stderr
    # still guarded: the promoter's record says prod is protected
    refused(run(home, "profile", "add", "prod", *PROD, "--colour", "#00ff00"), "prod", "unprotecting it")
    confirmed = run(home, "profile", "unprotect", "prod", "--confirm", "prod")
    assert confirmed.returncode == 0 and "removed outside" not in confirmed.stderr
    assert "removed outside" not in run(home, "profile", "list").stderr
    last = profile_runs(home)[0]["plan"]["profile"]
    assert last["action"] == "unprotect" and last["changed_outside"] and last["confirmed"]


def test_a_protection_removed_by_hand_still_guards_writes(ctx, control):
    """The promoter's record says prod is protected: a promotion, a restore or a Set into it still
    needs its name until `profile unprotect prod --confirm prod` (the engine asks, once)."""
    from app.engine.gates import Consent, Gate
    from app.engine.ops.promote import plan_promotion, promote
    from app.engine.ops.setversion import set_version
    from app.engine.reads.plan import PromoteOptions

    path = ctx.home.profiles_file
    path.write_text(path.read_text().replace('"protected": true', '"protected": false'))
    qa, prod = ctx.profiles.get("qa"), ctx.profiles.get("prod")
    assert not prod.protected  # as the file now says
    plan = plan_promotion(ctx, qa, prod)
    assert Gate.PROTECTED in {g["gate"] for g in plan.plan["gates"]}
    refused = promote(ctx, qa, prod, PromoteOptions(yes=True))
    assert refused.status == "refused" and [r.gate for r in refused.refusals] == [Gate.PROTECTED]
    assert set_version(ctx, prod, "1.0.9").status == "refused"
    before = control.state("shop-prod")["stored_version"]
    assert control.state("shop-prod")["stored_version"] == before
    named = set_version(ctx, prod, "1.0.9", Consent(confirm="prod", config_only=True))
    assert named.status == "succeeded", named.message


def test_protection_belongs_to_the_target_not_to_one_entry(ctx, control, secret_store):
    """Attacks: a second, unprotected profile on prod's URL and app; prod renamed and re-id'd by
    hand in profiles.json. Both still meet prod's protection; an unprotect with the name typed ends it."""
    import json
    from dataclasses import replace

    from app.engine.gates import Consent, Gate
    from app.engine.ops.setversion import set_version

    prod = ctx.profiles.get("prod")
    twin = ctx.profiles.upsert(replace(prod, id="", name="prod2", protected=False))
    secret_store.set(twin, secret_store.get(prod))
    refused = set_version(ctx, twin, "1.0.9", Consent(config_only=True))
    assert refused.status == "refused" and Gate.PROTECTED in [r.gate for r in refused.refusals]
    ctx.profiles.remove("prod2")
    data = json.loads(ctx.home.profiles_file.read_text())
    for entry in data["profiles"]:
        if entry["name"] == "prod":
            entry.update(name="live", id="0123456789abcdef", protected=False)
    ctx.home.profiles_file.write_text(json.dumps(data))
    live = ctx.profiles.get("live")
    assert not live.protected  # as the file says
    secret_store.set(live, secret_store.get(prod))
    refused = set_version(ctx, live, "1.0.9", Consent(config_only=True))
    assert refused.status == "refused" and Gate.PROTECTED in [r.gate for r in refused.refusals]
    named = set_version(ctx, live, "1.0.9", Consent(confirm="live", config_only=True))
    assert named.status == "succeeded", named.message
    for profile in (twin, live):
        secret_store.delete(profile)


def test_an_import_that_names_a_profile_twice_changes_nothing(ctx, tmp_path):
    """Attack finding: [dev with a new colour, prod unprotected, prod protected] saved dev's colour
    and then said "Nothing was changed"."""
    import json

    import pytest

    from app.errors import UsageError

    dev, prod = ctx.profiles.get("dev"), ctx.profiles.get("prod")
    entries = [dev.as_json() | {"colour": "#123456"}, prod.as_json() | {"protected": False}, prod.as_json()]
    path = tmp_path / "import.json"
    path.write_text(json.dumps({"schema_version": 1, "profiles": entries}))
    with pytest.raises(UsageError, match="listed more than once"):
        ctx.profiles.import_from(path)
    assert ctx.profiles.get("dev").colour == dev.colour
