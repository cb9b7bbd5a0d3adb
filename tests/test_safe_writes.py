"""Safe writes: one runner for every write, against a real sandbox.

Slow writes that land after the read timeout, any exception after a write (KeyboardInterrupt, a full
disk), undo of model and configuration, versions kept from being pushed off the server, a plan with
no side effects, stale plans, drift baselines that survive a prune, one lock per target across
profiles and homes, and the auth status of a plan.
"""

from __future__ import annotations

import errno
import sqlite3

import pytest

from app.backand import Timeouts
from app.cli import exitcodes
from app.engine.connect import ClientSettings
from app.engine.context import Context
from app.engine.gates import Consent, Gate
from app.engine.lock import TargetLock
from app.engine.ops.modelapply import apply_model
from app.engine.ops.promote import plan_promotion, promote
from app.engine.ops.restore import restore
from app.engine.ops.setversion import set_version
from app.engine.ops.undo import undo
from app.engine.reads.plan import PromoteOptions
from app.engine.result import Status
from app.errors import SafetyRefusal, UsageError
from app.paths import Home
from app.profile import Profile
from tests.helpers import sync, wait_until


def qa_state(control):
    state = control.state("shop-qa")
    return state["model"], state["tables"], state["stored_version"]


def fast_timeouts(ctx, read=1.0, settle=20.0):
    ctx.settings = ClientSettings(Timeouts(connect=5, read=read), retries=1, settle_seconds=settle)


# -- 1. a write that outlasts the read timeout ---------------------------------------------------


@pytest.mark.parametrize("path", ["/1/model", "/1/app/upload"])
def test_a_slow_write_that_lands_late_is_awaited_not_raced(ctx, control, path):
    dev, qa = ctx.profiles.get("dev"), ctx.profiles.get("qa")
    fast_timeouts(ctx, read=1.0, settle=20.0)
    control.fault(path=path, method="POST", app="shop-qa", delay=2.5)
    lines = []
    result = promote(ctx, dev, qa, PromoteOptions(), lambda e: lines.append(e.message))
    assert result.status == Status.SUCCEEDED, result.message
    assert any("landed" in line for line in lines), lines
    with ctx.client(dev) as d, ctx.client(qa) as q:
        assert q.get_model() == d.get_model()
    assert ctx.history.get(result.run_id).status == "succeeded"


def test_a_timed_out_write_that_does_not_settle_is_unknown_never_as_before(ctx, control):
    dev, qa = ctx.profiles.get("dev"), ctx.profiles.get("qa")
    before = qa_state(control)
    fast_timeouts(ctx, read=1.0, settle=1.5)
    control.fault(path="/1/model", method="POST", app="shop-qa", delay=5.0)
    result = promote(ctx, dev, qa, PromoteOptions())
    assert result.status == Status.UNKNOWN, result.message
    assert exitcodes.for_result(result) == 5
    assert "as it was before" not in result.message
    assert f"promoter restore qa {result.backup_id}" in result.message
    # the late write lands afterwards, as the message warned
    assert wait_until(lambda: qa_state(control)[0] != before[0], 30)
    # the printed recovery command puts back the whole target: model and configuration
    fast_timeouts(ctx, read=30.0)
    back = restore(ctx, qa, str(result.backup_id), Consent(allow_data_loss=True))
    assert back.status == Status.SUCCEEDED, back.message
    assert qa_state(control)[:2] == before[:2]
    assert ctx.history.get(result.run_id).status == "unknown"


# -- 2. any exception after the first write ------------------------------------------------------


def test_keyboard_interrupt_mid_upload_rolls_back(ctx, control):
    before = qa_state(control)

    def listen(event):
        if event.kind == "progress" and event.step == "Upload configuration":
            raise KeyboardInterrupt

    result = promote(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions(), listen)
    assert result.status == Status.ROLLED_BACK, result.message
    assert "interrupted" in result.message.lower()
    assert qa_state(control)[:2] == before[:2]
    run = ctx.history.get(result.run_id)
    assert run.status == "rolled_back"
    assert run.plan["written"] == ["Apply model", "Upload configuration"]
    assert run.plan["undone"] == run.plan["written"]


@pytest.mark.parametrize(
    "error",
    [
        OSError(errno.ENOSPC, "No space left on device"),
        sqlite3.OperationalError("database or disk is full"),
    ],
    ids=["ENOSPC", "sqlite-full"],
)
def test_a_full_disk_after_the_writes_rolls_back(ctx, control, monkeypatch, error):
    """A full disk cannot be produced on demand on a shared machine, so the archive's write of the
    verify download raises the very errors a full disk gives (mocked for that reason only)."""
    before = qa_state(control)
    real_add = ctx.archive.add_file

    def add_file(write, **kwargs):
        if kwargs.get("note", "").startswith("after promotion"):
            raise error
        return real_add(write, **kwargs)

    monkeypatch.setattr(ctx.archive, "add_file", add_file)
    result = promote(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions())
    assert result.status == Status.ROLLED_BACK, result.message
    assert type(error).__name__ in result.message and str(error) in result.message
    assert qa_state(control)[:2] == before[:2]
    run = ctx.history.get(result.run_id)
    assert run.message == result.message and run.plan["undone"]


def test_a_missing_backup_file_before_any_write_fails_cleanly(ctx, control):
    ctx.archive.prune(0)  # a concurrent prune: nothing to break yet
    before = qa_state(control)
    result = promote(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions())
    assert result.status == Status.SUCCEEDED
    # now the backup of that promotion loses its file (a hand-deleted archive)
    ctx.archive.path_of(ctx.archive.get(result.backup_id)).unlink()
    with pytest.raises(UsageError, match="missing"):
        restore(ctx, ctx.profiles.get("qa"), str(result.backup_id))
    assert qa_state(control)[:2] != before[:2]


# -- 3. undo restores model and configuration ----------------------------------------------------


def test_undo_puts_back_tables_fields_and_configuration(ctx, control):
    dev, qa = ctx.profiles.get("dev"), ctx.profiles.get("qa")
    before = qa_state(control)
    done = promote(ctx, dev, qa, PromoteOptions())
    assert done.status == Status.SUCCEEDED
    assert "coupons" in control.state("shop-qa")["tables"]
    refused = undo(ctx, done.run_id)  # putting the old model back drops the new table: say so first
    assert refused.status == Status.REFUSED and [r.gate for r in refused.refusals] == [Gate.DATA_LOSS]
    assert "table coupons" in refused.message and "coupons" in control.state("shop-qa")["tables"]
    undone = undo(ctx, done.run_id, Consent(allow_data_loss=True))
    assert undone.status == Status.SUCCEEDED, undone.message
    model, tables, _ = qa_state(control)
    assert model == before[0] and tables == before[1] and "coupons" not in tables
    assert ctx.history.get(done.run_id).undone_by == undone.run_id
    assert ctx.history.get(done.run_id).as_json()["undone"] is True
    with pytest.raises(UsageError, match="already undone"):
        undo(ctx, done.run_id, Consent(allow_data_loss=True))
    # the promoter's own undo moved the drift baseline: the next plan sees no drift
    assert not plan_promotion(ctx, dev, qa).plan["drifted"]


def test_undo_warns_when_later_runs_wrote_the_same_target(ctx, control):
    dev, qa = ctx.profiles.get("dev"), ctx.profiles.get("qa")
    first = promote(ctx, dev, qa, PromoteOptions())
    # version 1.0.9 predates the promoted model: a Set of it is written config-only, on consent
    later = set_version(ctx, qa, "1.0.9", Consent(config_only=True))
    assert later.status == Status.SUCCEEDED, later.message
    refused = undo(ctx, first.run_id, Consent(allow_data_loss=True))
    assert refused.status == Status.REFUSED
    assert [r.gate for r in refused.refusals] == [Gate.LATER_WRITES]
    assert f"#{later.run_id}" in refused.message
    accepted = undo(ctx, first.run_id, Consent(accept_drift=True, accept_later_writes=True, allow_data_loss=True))
    assert accepted.status == Status.SUCCEEDED, accepted.message


def test_restore_of_a_backup_entry_restores_the_model_too(ctx, control):
    dev, qa = ctx.profiles.get("dev"), ctx.profiles.get("qa")
    before = qa_state(control)
    done = promote(ctx, dev, qa, PromoteOptions())
    back = restore(ctx, qa, str(done.backup_id), Consent(allow_data_loss=True))
    assert back.status == Status.SUCCEEDED, back.message
    assert "model and configuration" in back.message
    assert qa_state(control)[:2] == before[:2]


# -- 4. nothing the server had is lost because of the promoter ------------------------------------


def test_set_of_the_oldest_version_archives_what_the_server_drops(ctx, control):
    qa = ctx.profiles.get("qa")
    with ctx.client(qa) as client:
        sync(client)  # a fifth version: the list is full
        model = client.get_model()
        model[0]["fields"]["note"] = {"type": "string"}
        client.apply_model(model)  # the live configuration is now at a version the list lacks
        listed = client.list_versions().newest_first
        assert len(listed) == 5 and client.list_versions().current not in listed
    oldest = listed[-1]
    lines = []
    # the oldest version predates the model's new field: written config-only, on consent
    consent = Consent(config_only=True)
    result = set_version(ctx, qa, oldest, consent, listener=lambda e: lines.append(e.message))
    assert result.status == Status.SUCCEEDED, result.message
    with ctx.client(qa) as client:
        now = client.list_versions().newest_first
    dropped = set(listed) - set(now)
    assert dropped, "the Set pushed a version off the server"
    archived = ctx.archive.versions_archived_for(qa.base_url, qa.app)
    assert dropped <= archived, (dropped, archived)  # everything the server dropped is in the archive
    assert any("the server may drop it" in line for line in lines)


# -- 5. gates in the engine ------------------------------------------------------------------------


def test_the_engine_refuses_a_skipped_stage_without_explicit_consent(ctx, control):
    dev, prod = ctx.profiles.get("dev"), ctx.profiles.get("prod")
    before = control.state("shop-prod")["model"]
    refused = promote(ctx, dev, prod, PromoteOptions(yes=True, confirm="prod"))
    assert refused.status == Status.REFUSED
    assert [r.gate for r in refused.refusals] == [Gate.STAGE_SKIPPED]
    assert control.state("shop-prod")["model"] == before
    protected = set_version(ctx, prod, "1.0.9")
    assert protected.status == Status.REFUSED and [r.gate for r in protected.refusals] == [Gate.PROTECTED]


# -- 6. a plan has no side effects; a confirmed plan cannot go stale ------------------------------


def test_three_plans_leave_nothing_prune_cannot_remove(ctx, control):
    dev, qa = ctx.profiles.get("dev"), ctx.profiles.get("qa")
    runs_before = len(ctx.history.runs())
    for _ in range(3):
        assert plan_promotion(ctx, dev, qa).status == Status.DRY_RUN
    assert len(ctx.history.runs()) == runs_before, "a plan records no run"
    entries = ctx.archive.entries()
    assert {e.kind for e in entries} == {"plan"} and len(entries) == 6
    files = {e.path for e in entries}
    assert len(files) == 2, "identical zips are stored once"
    with TargetLock(qa):  # a plan takes no lock: it works while a write holds the target
        assert plan_promotion(ctx, dev, qa).status == Status.DRY_RUN
    refused = promote(ctx, dev, ctx.profiles.get("prod"), PromoteOptions())
    assert refused.status == Status.REFUSED  # refused before reading anything: it archives nothing
    assert {e.kind for e in ctx.archive.entries()} == {"plan"}
    removed = ctx.archive.prune(0)
    assert len(removed) == 8 and ctx.archive.entries() == []
    assert not any((ctx.archive.root / "shop-qa").glob("*.zip"))


def test_a_stale_plan_is_refused(ctx, control):
    dev, qa = ctx.profiles.get("dev"), ctx.profiles.get("qa")
    planned = plan_promotion(ctx, dev, qa)
    stamp = planned.plan["stamp"]
    with ctx.client(qa) as client:
        client.set_version("1.0.9")  # somebody changes QA after the plan was confirmed
    refused = promote(ctx, dev, qa, PromoteOptions(yes=True, expect_stamp=stamp))
    assert refused.status == Status.REFUSED
    assert Gate.STALE_PLAN in [r.gate for r in refused.refusals]
    assert "target configuration" in refused.message
    fresh = plan_promotion(ctx, dev, qa).plan["stamp"]
    assert promote(ctx, dev, qa, PromoteOptions(yes=True, expect_stamp=fresh)).status == Status.SUCCEEDED


# -- 7. drift survives a prune; the promoter's own writes move the baseline ----------------------


def test_drift_after_a_prune_and_none_after_our_own_set(ctx, control):
    dev, qa = ctx.profiles.get("dev"), ctx.profiles.get("qa")
    assert promote(ctx, dev, qa, PromoteOptions()).status == Status.SUCCEEDED
    ctx.archive.prune(0)
    with ctx.client(qa) as client:
        versions = client.list_versions().newest_first
        client.set_version(versions[0])  # changed in the console
    plan = plan_promotion(ctx, dev, qa)
    assert plan.plan["drifted"] and [r.gate for r in plan.refusals] == [Gate.DRIFT]
    # a Set over the console's change is a write over drift: it asks, as a promotion does
    assert set_version(ctx, qa, versions[1]).status == Status.REFUSED
    own = set_version(ctx, qa, versions[1], Consent(accept_drift=True, config_only=True))
    assert own.status == Status.SUCCEEDED, own.message
    again = plan_promotion(ctx, dev, qa)
    assert not again.plan["drifted"] and again.refusals == []


# -- 8. one lock per target, whatever the profile or home -----------------------------------------


def test_two_profiles_and_two_homes_share_one_target_lock(ctx, tmp_path, secret_store, sandbox):
    qa = ctx.profiles.get("qa")
    alias = Profile(name="qa-again", base_url=qa.base_url + "/", app="SHOP-QA", auth="keys", stage=2)
    other = Context(Home(tmp_path / "other-home"), secret_store)
    try:
        other.profiles.upsert(alias)
        with TargetLock(alias):
            with pytest.raises(SafetyRefusal, match="Another operation"):
                promote(ctx, ctx.profiles.get("dev"), qa, PromoteOptions())
            with pytest.raises(SafetyRefusal, match="Another operation"):
                set_version(ctx, qa, "1.0.9")
    finally:
        other.close()


# -- 9. a refused credential is exit 4 -------------------------------------------------------------


def test_a_plan_or_promote_without_a_valid_secret_is_an_auth_failure(ctx, secret_store):
    dev, qa = ctx.profiles.get("dev"), ctx.profiles.get("qa")
    secret_store.set(qa, "wrong:keys")
    for result in (plan_promotion(ctx, dev, qa), promote(ctx, dev, qa, PromoteOptions())):
        assert result.status == Status.FAILED and result.error_kind == "auth", result.message
        assert exitcodes.for_result(result) == 4
    secret_store.delete(qa)
    missing = promote(ctx, dev, qa, PromoteOptions())
    assert exitcodes.for_result(missing) == 4 and "secret" in missing.message


def test_a_model_apply_is_gated_backed_up_and_undoable(ctx, control):
    qa = ctx.profiles.get("qa")
    before = qa_state(control)
    with ctx.client(qa) as client:
        current = client.get_model()
    lean = [dict(o) for o in current]
    products = next(o for o in lean if o["name"] == "products")
    products["fields"] = {k: v for k, v in products["fields"].items() if k != "currency"}
    refused = apply_model(ctx, qa, lean)
    assert refused.status == Status.REFUSED and [r.gate for r in refused.refusals] == [Gate.DATA_LOSS]
    applied = apply_model(ctx, qa, lean, Consent(allow_data_loss=True))
    assert applied.status == Status.SUCCEEDED, applied.message
    assert "currency" not in control.state("shop-qa")["tables"]["products"]
    assert undo(ctx, applied.run_id).status == Status.SUCCEEDED  # adding a column back drops nothing
    assert qa_state(control)[:2] == before[:2]


def test_a_full_disk_before_any_write_fails_cleanly(ctx, control, monkeypatch):
    """The plan's first download cannot be archived (the archive's write raises what a full disk
    raises; mocked because a full disk cannot be made on demand here): nothing is written."""
    before = qa_state(control)

    def full(write, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(ctx.archive, "add_file", full)
    result = promote(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions())
    assert result.status == Status.FAILED and result.written == []
    assert "No space left on device" in result.message and "Nothing was written to qa" in result.message
    assert qa_state(control) == before
    planned = plan_promotion(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"))
    assert planned.status == Status.FAILED and "No space left" in planned.message
