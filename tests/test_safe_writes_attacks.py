"""What an adversarial review of the runner found, each as a test: a failing listener at rollback
time, settle probes that fail oddly, gateway answers, aliases of one target, a re-pointed profile,
echoed secrets, recovery commands for protected targets, undoing an undo, a cancel while settling."""

from __future__ import annotations

import threading

import pytest

from app.backand import Timeouts
from app.engine.connect import ClientSettings
from app.engine.events import CancelToken
from app.engine.gates import Consent, Gate
from app.engine.lock import TargetLock
from app.engine.ops.promote import promote
from app.engine.ops.setversion import set_version
from app.engine.ops.undo import undo
from app.engine.reads.plan import PromoteOptions
from app.engine.result import Status
from app.errors import SafetyRefusal, UsageError
from app.profile import Profile
from app.sandbox import seed
from tests.helpers import wait_until


def qa_state(control):
    state = control.state("shop-qa")
    return state["model"], state["tables"], state["stored_version"]


def alias_of(ctx, secret_store, name="qa-alias", **changes):
    qa = ctx.profiles.get("qa")
    url = qa.base_url.replace("127.0.0.1", "localhost")
    alias = Profile(name=name, base_url=url + "/", app=qa.app.upper(), auth="keys", stage=2)
    alias = ctx.profiles.upsert(Profile(**{**alias.as_json(), **changes}) if changes else alias)
    secret_store.set(alias, secret_store.get(qa))
    return alias


def test_a_listener_that_fails_when_the_rollback_starts_does_not_stop_it(ctx, control):
    before = qa_state(control)
    control.fault(path="/1/app/reload", app="shop-qa", status=500)

    def listen(event):
        if event.kind == "log" and event.message.startswith("rolling back"):
            raise BrokenPipeError("the pager quit")

    result = promote(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions(), listen)
    assert result.status == Status.ROLLED_BACK, result.message
    assert qa_state(control)[:2] == before[:2]


def test_a_settle_probe_that_gets_garbage_keeps_waiting(ctx, control):
    ctx.settings = ClientSettings(Timeouts(connect=5, read=1.0), retries=0, settle_seconds=20)
    control.fault(path="/1/app/upload", method="POST", app="shop-qa", delay=2.5)
    control.fault(
        path="/1/app/download",
        app="shop-qa",
        status=200,
        body="not a zip",
        content_type="application/zip",
        skip=2,  # the plan's read and the version archived before the writes
    )
    lines = []
    result = promote(
        ctx,
        ctx.profiles.get("dev"),
        ctx.profiles.get("qa"),
        PromoteOptions(),
        lambda e: lines.append(e.message),
    )
    assert result.status == Status.SUCCEEDED, result.message
    assert any("does not answer yet" in line for line in lines), lines
    assert any("landed" in line for line in lines)


def test_a_gateway_timeout_on_a_write_is_settled_not_raced(ctx, control):
    dev, qa = ctx.profiles.get("dev"), ctx.profiles.get("qa")
    control.fault(path="/1/model", method="POST", app="shop-qa", status=504, when="after")
    lines = []
    result = promote(ctx, dev, qa, PromoteOptions(), lambda e: lines.append(e.message))
    assert result.status == Status.SUCCEEDED, result.message
    assert any("landed" in line for line in lines)


def test_one_target_under_other_names_shares_the_lock_and_the_undo_gate(ctx, control, secret_store):
    qa = ctx.profiles.get("qa")
    alias = alias_of(ctx, secret_store)
    assert alias.target_key == qa.target_key
    with TargetLock(alias), pytest.raises(SafetyRefusal, match="Another operation"):
        set_version(ctx, qa, "1.0.9")
    first = promote(ctx, ctx.profiles.get("dev"), qa, PromoteOptions())
    later = set_version(ctx, alias, "1.0.9", Consent(config_only=True))
    assert later.status == Status.SUCCEEDED, later.message
    refused = undo(ctx, first.run_id, Consent(allow_data_loss=True))
    assert [r.gate for r in refused.refusals] == [Gate.LATER_WRITES], refused.message


def test_undo_refuses_a_profile_that_now_points_elsewhere(ctx, control):
    qa = ctx.profiles.get("qa")
    first = promote(ctx, ctx.profiles.get("dev"), qa, PromoteOptions())
    ctx.profiles.upsert(Profile(**{**qa.as_json(), "app": "shop-prod"}))
    before = control.state("shop-prod")["model"]
    with pytest.raises(UsageError, match="now points at shop-prod"):
        undo(ctx, first.run_id, Consent(allow_data_loss=True))
    assert control.state("shop-prod")["model"] == before


def test_skip_model_archives_the_verify_export_with_the_targets_own_model(ctx, control):
    before = qa_state(control)[0]
    result = promote(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions(skip_model=True))
    assert result.status == Status.SUCCEEDED, result.message
    verify_id = ctx.history.get(result.run_id).archive_ids["verify"]
    assert ctx.archive.get(verify_id).model == before


def test_a_secret_echoed_by_the_server_is_stored_nowhere(ctx, control, sandbox):
    keys = {r["app"]: r for r in seed.credentials(sandbox.store)}["shop-qa"]
    echoed = f"bad request; you sent MasterToken {keys['master_token']} and {keys['user_token']}"
    control.fault(path="/1/app/upload", app="shop-qa", status=500, body=echoed)
    events = []
    result = promote(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions(), events.append)
    assert result.status == Status.ROLLED_BACK
    run = ctx.history.get(result.run_id)
    stored = [result.message, run.message, str(run.steps), *(e.message for e in events)]
    for text in stored:
        assert keys["master_token"] not in text and keys["user_token"] not in text


def test_the_recovery_command_of_a_protected_target_carries_its_name(ctx, control):
    ctx.settings = ClientSettings(Timeouts(connect=5, read=1.0), retries=1, settle_seconds=1.0)
    control.fault(path="/1/app/upload", method="POST", app="shop-prod", delay=4.0)
    result = promote(
        ctx, ctx.profiles.get("qa"), ctx.profiles.get("prod"), PromoteOptions(yes=True, confirm="prod")
    )
    assert result.status == Status.UNKNOWN, result.message
    assert result.message.endswith(
        f"promoter restore prod {result.backup_id} --allow-data-loss --yes --confirm prod"
    )
    run = ctx.history.get(result.run_id)
    assert run.archive_ids["recover"] in result.message
    assert wait_until(lambda: control.state("shop-prod")["cache_stale"], 30)  # the late upload lands


def test_undoing_an_undo_puts_the_run_back_in_effect(ctx, control):
    first = promote(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions())
    undone = undo(ctx, first.run_id, Consent(allow_data_loss=True))
    assert ctx.history.get(first.run_id).undone_by == undone.run_id
    redone = undo(ctx, undone.run_id, Consent(allow_data_loss=True))
    assert redone.status == Status.SUCCEEDED, redone.message
    assert ctx.history.get(first.run_id).undone_by is None
    assert "coupons" in control.state("shop-qa")["tables"]


def test_a_cancel_while_settling_ends_the_wait_as_unknown(ctx, control):
    ctx.settings = ClientSettings(Timeouts(connect=5, read=1.0), retries=1, settle_seconds=120)
    before = control.state("shop-qa")["model"]
    control.fault(path="/1/model", method="POST", app="shop-qa", delay=6.0)
    cancel = CancelToken()

    def listen(event):
        if event.kind == "log" and "waiting up to" in event.message:
            threading.Timer(0.3, cancel.cancel).start()

    result = promote(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions(), listen, cancel)
    assert result.status == Status.UNKNOWN and "cancelled" in result.message, result.message
    assert sum(s["seconds"] for s in result.steps) < 60
    # let the late write land before the sandbox stops (its handler would meet a closed store)
    assert wait_until(lambda: control.state("shop-qa")["model"] != before, 30)


def test_undo_refuses_when_the_target_changed_since_whoever_changed_it(ctx, control):
    """Issue 25 #2: another home (or the console) Sets qa after this home's promotion; nothing of it
    is in this home's history, yet the undo sees qa is not what run #1 left and asks first."""
    dev, qa = ctx.profiles.get("dev"), ctx.profiles.get("qa")
    first = promote(ctx, dev, qa, PromoteOptions())
    assert first.status == Status.SUCCEEDED, first.message
    with ctx.client(qa) as client:
        client.set_version(client.list_versions().newest_first[1])
        client.reload_cache()
    before = qa_state(control)
    refused = undo(ctx, first.run_id, Consent(allow_data_loss=True))
    assert refused.status == Status.REFUSED and Gate.DRIFT in {r.gate for r in refused.refusals}
    assert qa_state(control) == before


def test_a_rolled_back_run_has_nothing_to_undo(ctx, control):
    """Issue 25 #12: undoing a run that was rolled back wrote again and said "Undid"."""
    control.fault(path="/1/app/reload", app="shop-qa", status=500)
    result = promote(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions())
    assert result.status == Status.ROLLED_BACK, result.message
    control.clear_faults()
    with pytest.raises(UsageError, match="rolled back"):
        undo(ctx, result.run_id, Consent(allow_data_loss=True, accept_drift=True, accept_later_writes=True))


def test_the_overview_counts_a_set_as_the_last_write(ctx, control):
    """Issue 25 #11: a Set is recorded as kind 'rollback'; the Overview looked for 'set'."""
    from app.engine.reads.overview import _last_write

    qa = ctx.profiles.get("qa")
    promote(ctx, ctx.profiles.get("dev"), qa, PromoteOptions())
    done = set_version(ctx, qa, "1.1.0", Consent(config_only=True))
    assert done.status == Status.SUCCEEDED, done.message
    last = _last_write(ctx, qa)
    assert last is not None and last["run"] == done.run_id and last["kind"] == "rollback"
    # an undone run is not the last write; a refused one hides nothing (attack finding 5)
    back = undo(ctx, done.run_id, Consent(allow_data_loss=True, accept_drift=True))
    assert back.status == Status.SUCCEEDED, back.message
    refused = set_version(ctx, qa, "1.1.0")  # refused (inconsistent): recorded, not a write
    assert refused.status == Status.REFUSED, refused.message
    last = _last_write(ctx, qa)
    assert last is not None and last["run"] == back.run_id and last["kind"] == "undo"
