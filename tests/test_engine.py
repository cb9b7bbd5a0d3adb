"""The promotion engine end to end against the sandbox: success, gates, faults, rollback, drift."""

from __future__ import annotations

import copy

import pytest

from app.cli import exitcodes
from app.configdoc.diff import fingerprint
from app.engine.events import CancelToken
from app.engine.gates import Gate
from app.engine.lock import TargetLock
from app.engine.ops.promote import promote
from app.engine.ops.restore import restore
from app.engine.ops.setversion import set_version
from app.engine.reads import one_target
from app.engine.reads.plan import PromoteOptions
from app.errors import SafetyRefusal


def target_state(ctx, control, name="qa"):
    """The target's model and normalised configuration, read through the product."""
    profile = ctx.profiles.get(name)
    with ctx.client(profile) as client:
        model = client.get_model()
    entry = one_target.export(ctx, profile)
    state = control.state(profile.app)
    return model, fingerprint(ctx.docs(entry)), state["stored_version"], state["cache_stale"]


def test_full_promotion_dev_to_qa(ctx, control):
    events = []
    result = promote(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions(), events.append)
    assert result.status == "succeeded", result.message
    assert [s["status"] for s in result.steps].count("failed") == 0
    with ctx.client(ctx.profiles.get("dev")) as dev, ctx.client(ctx.profiles.get("qa")) as qa:
        assert qa.get_model() == dev.get_model()
    qa_state = control.state("shop-qa")
    assert not qa_state["cache_stale"] and qa_state["cached_version"] == "1.1.4"
    kinds = {e.kind for e in ctx.archive.entries("qa")} | {e.kind for e in ctx.archive.entries("dev")}
    assert {"export", "backup"} <= kinds
    run = ctx.history.runs()[0]
    assert run.status == "succeeded" and run.target == "qa" and run.archive_ids["backup"] == result.backup_id
    assert any(e.kind == "progress" and e.total for e in events)
    said = [e.message for e in events if e.kind == "log" and "said:" in e.message]
    assert said and "was succesfuly loaded to shop-qa\u201d" in said[0]  # the server's words, quoted
    assert "+ object coupons" in result.plan["model_diff"]
    assert "+ action orders.Apply coupon" in result.plan["config_diff"]
    again = promote(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions())
    assert again.status == "succeeded"
    assert next(s for s in again.steps if s["name"] == "Apply model")["status"] == "skipped"


@pytest.mark.parametrize(
    ("fault", "status"),
    [
        ({"path": "/1/model/validate", "status": 500}, "failed"),
        ({"path": "/1/app/download", "drop_after": 200, "times": 3}, "failed"),
        ({"path": "/1/model", "method": "POST", "status": 500}, "rolled_back"),
        ({"path": "/1/model", "method": "POST", "status": 500, "when": "after"}, "rolled_back"),
        ({"path": "/1/app/upload", "status": 500}, "rolled_back"),
        ({"path": "/1/app/upload", "drop_after": 500}, "rolled_back"),
        ({"path": "/1/app/reload", "status": 500}, "rolled_back"),
        ({"path": "/1/app/upload", "status": 204}, "rolled_back"),
    ],
)
def test_a_fault_leaves_the_target_as_before(ctx, control, fault, status):
    from app.backand import Timeouts
    from app.engine.connect import ClientSettings

    before = target_state(ctx, control)
    ctx.settings = ClientSettings(Timeouts(connect=5, read=1.0), retries=1)
    if fault.get("path") == "/1/app/download":
        fault = {**fault, "app": "shop-dev"}
    control.fault(app=fault.pop("app", "shop-qa"), **fault)
    result = promote(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions())
    control.clear_faults()
    assert result.status == status, result.message
    assert exitcodes.for_result(result) == 1
    assert "rolled back" in result.message or "Nothing was written" in result.message
    after = target_state(ctx, control)
    assert after[0] == before[0] and after[1] == before[1] and not after[3]


def test_cancel_during_the_upload_rolls_back(ctx, control):
    before = target_state(ctx, control)
    cancel = CancelToken()

    def listen(event):
        if event.kind == "progress" and event.step == "Upload configuration":
            cancel.cancel()

    result = promote(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions(), listen, cancel)
    assert result.status == "rolled_back"
    assert "cancelled" in result.message
    assert any(s["status"] == "rolled_back" for s in result.steps)
    assert target_state(ctx, control)[:2] == before[:2]


def test_gates_refuse_and_write_nothing(ctx, control):
    before = target_state(ctx, control)
    dev, qa, prod = (ctx.profiles.get(n) for n in ("dev", "qa", "prod"))
    skipped = promote(ctx, dev, prod, PromoteOptions(confirm="prod"))
    assert skipped.status == "refused" and [r.gate for r in skipped.refusals] == [Gate.STAGE_SKIPPED]
    assert "--" not in skipped.message, "the engine says why in words; flags are the CLI's"
    protected = promote(ctx, qa, prod, PromoteOptions())
    assert protected.status == "refused" and [r.gate for r in protected.refusals] == [Gate.PROTECTED]
    assert "prod is protected" in protected.message
    assert exitcodes.for_result(protected) == 3
    with ctx.client(dev) as client:
        model = client.get_model()
        lean = copy.deepcopy(model)
        del next(o for o in lean if o["name"] == "products")["fields"]["currency"]
        client.apply_model(lean)
    lossy = promote(ctx, dev, qa, PromoteOptions())
    assert lossy.status == "refused" and "column products.currency" in lossy.message
    assert target_state(ctx, control)[:2] == before[:2]
    allowed = promote(ctx, dev, qa, PromoteOptions(allow_data_loss=True))
    assert allowed.status == "succeeded", allowed.message
    assert "currency" not in control.state("shop-qa")["tables"]["products"]


def test_drift_is_reported_and_needs_yes(ctx, control):
    dev, qa = ctx.profiles.get("dev"), ctx.profiles.get("qa")
    assert promote(ctx, dev, qa, PromoteOptions()).status == "succeeded"
    with ctx.client(qa) as client:
        client.set_version("1.1.1")  # somebody changed QA in the console
    plan = promote(ctx, dev, qa, PromoteOptions(dry_run=True))
    assert plan.status == "dry_run" and plan.plan["drift"] and plan.plan["drifted"]
    assert [r.gate for r in plan.refusals] == [Gate.DRIFT]
    refused = promote(ctx, dev, qa, PromoteOptions())
    assert refused.status == "refused" and "changed outside the promoter" in refused.message
    assert promote(ctx, dev, qa, PromoteOptions(yes=True)).status == "succeeded"


def test_a_running_promotion_locks_the_target(ctx):
    with TargetLock(ctx.profiles.get("qa")), pytest.raises(SafetyRefusal, match="Another operation"):
        promote(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions())


def test_versions_set_and_restore(ctx, control):
    qa = ctx.profiles.get("qa")
    listing = one_target.versions(ctx, qa)
    assert [v["version"] for v in listing["versions"]] == ["1.1.0", "1.0.10", "1.0.9", "1.0.8"]
    entry = one_target.export(ctx, qa, "1.0.10")
    assert entry.kind == "version"
    assert one_target.versions(ctx, qa)["versions"][1]["archived"]
    result = set_version(ctx, qa, "1.0.9")
    assert result.status == "succeeded" and control.state("shop-qa")["cached_version"] == "1.0.9"
    restored = restore(ctx, qa, str(result.backup_id))
    assert restored.status == "succeeded", restored.message
    assert control.state("shop-qa")["cached_version"] == "1.1.1"


def test_drift_survives_a_missing_reference_export(ctx, control):
    dev, qa = ctx.profiles.get("dev"), ctx.profiles.get("qa")
    first = promote(ctx, dev, qa, PromoteOptions())
    assert first.status == "succeeded"
    verify_id = ctx.history.runs()[0].archive_ids["verify"]
    ctx.archive.path_of(ctx.archive.get(verify_id)).unlink()
    with ctx.client(qa) as client:
        client.set_version("1.1.1")
    lines = []
    refused = promote(ctx, dev, qa, PromoteOptions(), lambda e: lines.append(e.message))
    assert refused.status == "refused" and "details unavailable" in refused.message, refused.message
    assert any("drift details unavailable" in line and f"#{verify_id}" in line for line in lines)
    again = promote(ctx, dev, qa, PromoteOptions(yes=True))
    assert again.status == "succeeded", again.message


def test_a_plan_lists_the_gates_a_plain_promote_would_meet(ctx):
    dev, prod = ctx.profiles.get("dev"), ctx.profiles.get("prod")
    planned = promote(
        ctx, dev, prod, PromoteOptions(dry_run=True, yes=True, confirm="prod", allow_skip_stage=True)
    )
    assert planned.status == "dry_run"
    from app.cli.gateflags import flag

    gates = {g["gate"]: flag(g["gate"], "prod") for g in planned.plan["gates"]}
    assert gates == {"stage_skipped": "--allow-skip-stage", "protected": "--confirm prod"}
    qa_plan = promote(ctx, dev, ctx.profiles.get("qa"), PromoteOptions(dry_run=True))
    assert qa_plan.plan["gates"] == []


def test_a_promotion_with_nothing_to_change_writes_nothing(ctx, control):
    """Found by a newcomer walk: an 'equal' pair still uploaded, pushing a server version out of
    the five the server keeps."""
    assert (
        promote(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions()).status == "succeeded"
    )
    with ctx.client(ctx.profiles.get("qa")) as qa:
        versions_before = qa.list_versions().newest_first
    again = promote(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions())
    assert again.status == "succeeded" and again.written == []
    assert again.message == "Nothing to promote: qa already holds what dev would send."
    assert {s["name"]: s["status"] for s in again.steps}["Upload configuration"] == "skipped"
    with ctx.client(ctx.profiles.get("qa")) as qa:
        assert qa.list_versions().newest_first == versions_before


def test_a_baseline_recorded_by_an_older_promoter_is_not_called_drift(ctx, control):
    """Fingerprints changed form (``2:``): a baseline in the old form cannot be compared, so the plan
    says drift is unknown instead of reporting a change nobody made; the next write records anew."""
    dev, qa = ctx.profiles.get("dev"), ctx.profiles.get("qa")
    assert promote(ctx, dev, qa, PromoteOptions()).status == "succeeded"
    base = ctx.history.baseline(qa.target_key)
    assert base is not None and base.fingerprint.startswith("2:")
    ctx.history.set_baseline(qa.target_key, "0" * 64, base.run_id, base.entry_id)  # the old form
    lines = []
    plan = promote(ctx, dev, qa, PromoteOptions(dry_run=True), lambda e: lines.append(e.message))
    assert plan.status == "dry_run" and not plan.plan["drifted"] and not plan.refusals
    assert any("drift unknown" in line and "older promoter" in line for line in lines)
    assert promote(ctx, dev, qa, PromoteOptions()).status == "succeeded"
    assert ctx.history.baseline(qa.target_key).fingerprint.startswith("2:")


def test_the_verify_reads_a_download_equal_to_what_was_sent_without_parsing_it(ctx, control, tmp_path):
    """The sandbox serves what it was sent, its app id put in upload paths (as Backand does): a
    configuration without upload paths comes back as the same bytes, the seeded one as the same
    text but for those ids; neither is parsed again, and the baseline is what qa holds."""
    from tests.helpers import big_config_zip

    dev, qa = ctx.profiles.get("dev"), ctx.profiles.get("qa")
    lines: list[str] = []
    for plain in (False, True):
        if plain:
            with ctx.client(dev) as client:
                client.upload_config(big_config_zip(tmp_path / "plain.zip", 0.2))
                client.reload_cache()
        lines.clear()
        result = promote(ctx, dev, qa, PromoteOptions(yes=True), lambda e: lines.append(e.message))
        assert result.status == "succeeded", result.message
        assert any("serves what was sent" in line for line in lines)
        verify = ctx.archive.get(ctx.history.runs()[0].archive_ids["verify"])
        assert ctx.history.baseline(qa.target_key).fingerprint == fingerprint(ctx.docs(verify))


def _threads_named(name):
    import threading

    return [t for t in threading.enumerate() if t.name == name and t.is_alive()]


def test_the_source_downloads_while_the_target_is_read(ctx, control):
    """The server builds both zips at once: a slow source export does not hold the target's up."""
    from app.engine.ops.promote import plan_promotion

    control.fault(path="/1/app/download", app="shop-dev", delay=1.0)
    events = []
    result = plan_promotion(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), listener=events.append)
    assert result.status.value == "dry_run", result.message
    done = [e.step for e in events if e.kind == "step" and e.status == "done"]
    assert done.index("Read target configuration") < done.index("Download source configuration")
    assert not _threads_named("download source configuration")


@pytest.mark.parametrize("failing", ["shop-qa", "shop-dev"])
def test_a_failure_on_either_side_stops_the_other_and_names_itself(ctx, control, failing):
    """The target's read failing stops the source's download (nothing left running); the source's
    failing is the plan's error, as if it ran alone."""
    from app.engine.ops.promote import plan_promotion

    control.fault(path="/1/app/download", app=failing, status=500, body="broken export")
    if failing == "shop-qa":
        control.fault(path="/1/app/download", app="shop-dev", slow_body=0.05)
    result = plan_promotion(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"))
    assert result.status.value == "failed" and "broken export" in result.message, result.message
    assert not _threads_named("download source configuration")
    assert not list(ctx.home.root.rglob("*.part"))  # no half-written download left behind


def test_the_window_s_history_list_reads_no_plan_until_one_is_chosen(ctx, control):
    dev, qa = ctx.profiles.get("dev"), ctx.profiles.get("qa")
    assert promote(ctx, dev, qa, PromoteOptions()).status == "succeeded"
    listed = ctx.history.runs(plans=False)[0]
    assert listed.plan_json is None  # megabytes for a large promotion: not read to list it
    assert listed.plan == ctx.history.get(listed.id).plan and listed.plan["model_changes"] == 4
