"""The Security section's classification, setting by setting, on rows of the real Backand
configuration (``../shared/fixtures``): each test changes one cell of a real row and classifies the
diff the promoter would show."""

from __future__ import annotations

import pytest

from app.configdoc.dataset import ConfigDocs, DataSet, Row, read_dataset
from app.configdoc.diff import diff_configs
from app.engine.security import SETTINGS, Effect, Kind, SecurityReport, check_reason, classify
from app.errors import UsageError


@pytest.fixture(scope="module")
def real(request: pytest.FixtureRequest) -> ConfigDocs:
    from tests.helpers import SHARED_FIXTURES

    path = SHARED_FIXTURES / "app-config.xml"
    if not path.exists():
        pytest.skip(f"the real configuration documents are not at {SHARED_FIXTURES}")
    with open(path, "rb") as handle:
        app = read_dataset(handle)
    with open(SHARED_FIXTURES / "map-config.xml", "rb") as handle:
        mapping = read_dataset(handle)
    return ConfigDocs(app, mapping)


def _row(docs: ConfigDocs, table: str, name: str | None = None) -> tuple[int, Row]:
    for index, row in enumerate(docs.app.tables[table]):
        if name is None or row.get("Name") == name:
            return index, row
    raise AssertionError(f"no {table} row {name!r} in the fixture")


def _changed(docs: ConfigDocs, table: str, name: str | None, **cells: str | None) -> ConfigDocs:
    """*docs* with one row's cells set (None: the cell removed); every other row shared."""
    index, row = _row(docs, table, name)
    new = {k: v for k, v in row.items() if k not in cells}
    new.update({k: v for k, v in cells.items() if v is not None})
    rows = list(docs.app.tables[table])
    rows[index] = Row.of(new)
    return ConfigDocs(DataSet(docs.app.root, {**docs.app.tables, table: rows}), docs.map)


def _classify(old: ConfigDocs, new: ConfigDocs) -> SecurityReport:
    return classify(diff_configs(old, new))


def _one(report: SecurityReport) -> tuple[str, Effect, str]:
    assert len(report.changes) == 1, report.lines()
    change = report.changes[0]
    return change.where, change.effect, change.detail


def test_the_fixture_holds_what_the_table_names(real):
    """Every Database setting of the table is a column of the real document (roles: views/fields)."""
    database = real.app.tables["Database"][0]
    for column in ("SecureLevel", "SignupEmailVerification", "EnableSecretKeyAccess", "TokenExpiration"):
        assert column in database
    for verb in ("Select", "Edit", "Create", "Delete"):
        assert database[f"DefaultAllow{verb}Roles"] == "everyone"
    assert {s.column for s in SETTINGS} >= {"AllowSelectRoles", "Precedent", "SecureLevel"}
    assert _row(real, "Field", "GrobootMessages")[1]["AllowSelectRoles"] == "Developer,Admin"


@pytest.mark.parametrize(
    ("column", "before", "after", "effect", "words"),
    [
        ("AllowSelectRoles", "Developer,Admin", "everyone", Effect.WIDENS, "(everyone)"),
        (
            "AllowSelectRoles",
            "Developer,Admin",
            "Developer,Admin,Public",
            Effect.WIDENS,
            "Public is anonymous",
        ),
        ("AllowSelectRoles", "Developer,Admin", "Developer", Effect.NARROWS, "removes Admin"),
        ("AllowSelectRoles", "Developer,Admin", "Admin,Developer", None, ""),  # the same roles
        ("AllowSelectRoles", "Developer,Admin", "Admin,User", Effect.WIDENS, "adds User"),
        ("AllowEditRoles", "Developer,Admin", "everyone", Effect.WIDENS, "roles that may edit"),
        ("AllowCreateRoles", "Developer,Admin", "Developer", Effect.NARROWS, "roles that may create"),
        ("DenySelectRoles", None, "User", Effect.NARROWS, "roles refused reading"),
        ("Precedent", "true", "false", Effect.UNKNOWN, "defaults"),
    ],
)
def test_roles_of_a_real_field(real, column, before, after, effect, words):
    old = _changed(real, "Field", "GrobootMessages", **{column: before})
    new = _changed(real, "Field", "GrobootMessages", **{column: after})
    report = _classify(old, new)
    if effect is None:
        assert report.empty, report.lines()
        return
    where, found, detail = _one(report)
    assert where.startswith("Field[") and where.endswith(f"GrobootMessages].{column}")
    assert found is effect and words in detail
    assert report.changes[0].weakens == (effect in (Effect.WIDENS, Effect.UNKNOWN))


def test_delete_roles_of_a_real_view_from_everyone(real):
    view = next(r["Name"] for r in real.app.tables["View"] if r.get("AllowDeleteRoles") == "everyone")
    developers = _changed(real, "View", view, AllowDeleteRoles="Developer,Admin")
    where, effect, detail = _one(_classify(real, developers))
    assert where == f"View[{view}].AllowDeleteRoles"
    assert effect is Effect.NARROWS and "no longer everyone" in detail
    where, effect, detail = _one(_classify(developers, real))
    assert (
        effect is Effect.WIDENS
        and detail == "roles that may delete: 'Developer,Admin' -> 'everyone' (everyone)"
    )


@pytest.mark.parametrize("verb", ["Select", "Edit", "Create", "Delete"])
def test_default_roles_of_the_app(real, verb):
    column = f"DefaultAllow{verb}Roles"
    narrowed = _changed(real, "Database", None, **{column: "Admin"})
    where, effect, _ = _one(_classify(real, narrowed))
    assert where == f"Database.{column}" and effect is Effect.NARROWS
    assert _one(_classify(narrowed, real))[1] is Effect.WIDENS


@pytest.mark.parametrize(
    ("before", "after", "effect"),
    [
        ("RegisteredUsers", "AllUsers", Effect.WIDENS),  # the fixture's value, opened to anyone
        ("RegisteredUsers", "AuthenticatedUsers", Effect.WIDENS),
        ("AllUsers", "RegisteredUsers", Effect.NARROWS),
        ("RegisteredUsers", "0", None),  # the enum's number: the same level
        ("RegisteredUsers", "Everybody", Effect.UNKNOWN),
    ],
)
def test_secure_level(real, before, after, effect):
    assert real.app.tables["Database"][0]["SecureLevel"] == "RegisteredUsers"
    report = _classify(
        _changed(real, "Database", None, SecureLevel=before),
        _changed(real, "Database", None, SecureLevel=after),
    )
    if effect is None:
        assert report.empty
    else:
        assert _one(report)[:2] == ("Database.SecureLevel", effect)


def test_signup_email_verification(real):
    assert real.app.tables["Database"][0]["SignupEmailVerification"] == "false"
    on = _changed(real, "Database", None, SignupEmailVerification="true")
    assert _one(_classify(real, on))[:2] == ("Database.SignupEmailVerification", Effect.NARROWS)
    _where, effect, detail = _one(_classify(on, real))
    assert effect is Effect.WIDENS and "turned off" in detail


def test_secret_key_access(real):
    assert real.app.tables["Database"][0]["EnableSecretKeyAccess"] == "true"
    off = _changed(real, "Database", None, EnableSecretKeyAccess="false")
    assert _one(_classify(real, off))[1] is Effect.NARROWS
    assert _one(_classify(off, real))[:2] == ("Database.EnableSecretKeyAccess", Effect.WIDENS)
    # absent means the server's default (on): removing the cell from an "off" row enables it
    assert (
        _one(_classify(off, _changed(real, "Database", None, EnableSecretKeyAccess=None)))[1] is Effect.WIDENS
    )


def test_token_expiration(real):
    assert real.app.tables["Database"][0]["TokenExpiration"] == "86400"
    week = _changed(real, "Database", None, TokenExpiration="604800")
    where, effect, detail = _one(_classify(real, week))
    assert (where, effect, detail) == (
        "Database.TokenExpiration",
        Effect.WIDENS,
        "access token lifetime (s): 86400 -> 604800 (longer)",
    )
    assert _one(_classify(week, real))[1] is Effect.NARROWS
    assert (
        _one(_classify(real, _changed(real, "Database", None, TokenExpiration="forever")))[1]
        is Effect.UNKNOWN
    )


def test_action_code_changed_added_and_removed(real):
    _, rule = _row(real, "Rule", "Only Creator can edit")
    changed = _changed(real, "Rule", "Only Creator can edit", Code=rule["Code"] + "\n// more")
    where, effect, detail = _one(_classify(real, changed))
    assert effect is Effect.CODE and where.startswith("Rule[") and "Only Creator can edit" in where
    assert "action 'Only Creator can edit' on object" in detail and "code changed (Code)" in detail
    assert not _classify(real, changed).changes[0].weakens
    # a message of an action is not code
    assert _classify(real, _changed(real, "Rule", "Only Creator can edit", NotifyMessage="hi")).empty
    rules = [r for r in real.app.tables["Rule"] if r.get("Name") != "Only Creator can edit"]
    without = ConfigDocs(DataSet(real.app.root, {**real.app.tables, "Rule": rules}), real.map)
    assert "code added" in _one(_classify(without, real))[2]
    assert "code removed" in _one(_classify(real, without))[2]


def test_other_changes_are_not_security(real):
    assert _classify(real, _changed(real, "Database", None, DisplayName="Other")).empty
    assert _classify(real, _changed(real, "Field", "GrobootMessages", DisplayName="x")).empty
    assert classify(None).empty


def test_a_reason_in_words():
    assert check_reason("  orders are public now, ticket 12 ") == "orders are public now, ticket 12"
    for bad, words in (
        ("", "needs a reason"),
        ("   ", "needs a reason"),
        ("a\nb", "control character"),
        ("x" * 501, "at most 500"),
    ):
        with pytest.raises(UsageError, match=words):
            check_reason(bad)


# -- the gate, through the engine against the sandbox (runs without a Secret Service) -------------


def _edit(sandbox, tmp_path, app, roles, **extra):
    from tests.helpers import edit_config, set_view_cell

    def edit(doc: str) -> str:
        doc = set_view_cell(doc, "orders", "AllowSelectRoles", roles)
        for column, value in extra.items():
            doc = doc.replace("<DisplayName>", f"<{column}>{value}</{column}>\n    <DisplayName>", 1)
        return doc

    edit_config(sandbox.url, app, edit, tmp_path)


def test_the_gate_in_the_engine(ctx, sandbox, tmp_path):
    from dataclasses import replace

    from app.engine.gates import Gate
    from app.engine.ops.promote import promote
    from app.engine.reads.plan import PromoteOptions
    from app.shaping.rules import Rule

    qa, prod = ctx.profiles.get("qa"), ctx.profiles.get("prod")
    _edit(sandbox, tmp_path, "shop-prod", "Developer,Admin", SecureLevel="RegisteredUsers")
    _edit(sandbox, tmp_path, "shop-qa", "everyone", SecureLevel="AllUsers")
    confirmed = PromoteOptions(confirm="prod")
    refused = promote(ctx, qa, prod, confirmed)
    assert refused.status == "refused" and [r.gate for r in refused.refusals] == [Gate.SECURITY]
    assert "View[orders].AllowSelectRoles" in refused.message and "2 changes" in refused.message
    assert refused.plan["security"]["weakening"] == 2
    blank = promote(ctx, qa, prod, replace(confirmed, accept_security="  "))
    assert blank.status == "refused"  # words, not spaces, are consent
    # an unprotected target: shown and counted, not gated
    open_prod = ctx.profiles.upsert(replace(prod, protected=False), confirm="prod")
    planned = promote(ctx, qa, open_prod, PromoteOptions(dry_run=True))
    assert planned.refusals == [] and planned.plan["security"]["weakening"] == 2
    ctx.profiles.upsert(replace(open_prod, protected=True))
    # keeping prod's values of both settings removes the gate
    ctx.profiles.upsert(
        replace(
            prod,
            rules=(Rule(1, "keep", "View[orders].AllowSelectRoles"), Rule(2, "keep", "Database.SecureLevel")),
        ),
        confirm="prod",
    )
    kept = promote(ctx, qa, ctx.profiles.get("prod"), confirmed)
    assert kept.status == "succeeded", kept.message
    assert kept.plan["security"]["changes"] == []
    ctx.profiles.upsert(replace(ctx.profiles.get("prod"), rules=()), confirm="prod")
    accepted = promote(ctx, qa, ctx.profiles.get("prod"), replace(confirmed, accept_security="launch, SEC-1"))
    assert accepted.status == "succeeded", accepted.message
    run = ctx.history.get(accepted.run_id)
    assert run is not None and run.plan["security"]["reason"] == "launch, SEC-1"


WIDER = {  # per kind: a before and an after that widen access
    Kind.ALLOW: ("Developer,Admin", "everyone"),
    Kind.DENY: ("User,Public", "User"),
    Kind.SOURCE: ("false", "true"),  # unknown: gated as widening
    Kind.LEVEL: ("RegisteredUsers", "AllUsers"),
    Kind.ON_WEAKENS: ("false", "true"),
    Kind.OFF_WEAKENS: ("true", "false"),
    Kind.LONGER_WEAKENS: ("3600", "86400"),
}


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.column)
def test_every_row_of_the_table_on_a_real_row(real, setting):
    """Each setting of the one table, on a real row of a table it belongs to: widened, then narrowed."""
    table = "Database" if "Database" in setting.tables else "Field"
    name = None if table == "Database" else "GrobootMessages"
    before, after = WIDER[setting.kind]
    old = _changed(real, table, name, **{setting.column: before})
    new = _changed(real, table, name, **{setting.column: after})
    where, effect, _ = _one(_classify(old, new))
    assert where.endswith(f".{setting.column}")
    assert effect is (Effect.UNKNOWN if setting.kind is Kind.SOURCE else Effect.WIDENS)
    back = _one(_classify(new, old))[1]
    assert back is (Effect.UNKNOWN if setting.kind is Kind.SOURCE else Effect.NARROWS)


def test_a_restore_that_widens_access_into_a_protected_target_needs_a_reason(ctx, sandbox, tmp_path):
    """Every write kind with a plan has the Security section and its gate, not only promotions."""
    import shutil

    from app.engine.gates import Consent, Gate
    from app.engine.ops.restore import restore
    from app.engine.reads import one_target

    prod = ctx.profiles.get("prod")
    _edit(sandbox, tmp_path, "shop-prod", "Developer,Admin")
    _edit(sandbox, tmp_path, "shop-qa", "everyone")
    zip_path = tmp_path / "qa-export.zip"
    shutil.copyfile(ctx.archive.path_of(one_target.export(ctx, ctx.profiles.get("qa"))), zip_path)
    refused = restore(ctx, prod, str(zip_path), Consent(confirm="prod"))
    assert refused.status == "refused" and Gate.SECURITY in [r.gate for r in refused.refusals]
    assert refused.plan["security"]["weakening"] == 1
    assert any("AllowSelectRoles" in line for line in refused.plan["security_lines"])
    done = restore(ctx, prod, str(zip_path), Consent(confirm="prod", security_reason="public orders, SEC-9"))
    assert done.status == "succeeded", done.message
    run = ctx.history.get(done.run_id)
    assert run is not None and run.plan["security"]["reason"] == "public orders, SEC-9"
