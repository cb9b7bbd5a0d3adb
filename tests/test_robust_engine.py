"""Issue 25 against the engine and the real sandbox: a malformed model is one environment's error,
deadlines that fit each call, a settled write said where the run is reported."""

from __future__ import annotations

import json
import time

import pytest

from app.backand import errors
from app.engine.reads.overview import read_overview

MALFORMED_MODELS = {
    "scalars": [1, "x", None],
    "fields as a list": [{"name": "items", "fields": ["name", "price"]}],
    "a field as a string": [{"name": "items", "fields": {"name": "string"}}],
    "fields as null": [{"name": "items", "fields": None}],
    "an object": {"items": {}},
}


@pytest.mark.parametrize("body", MALFORMED_MODELS.values(), ids=MALFORMED_MODELS.keys())
def test_one_environments_malformed_model_is_its_own_error_in_the_overview(ctx, control, body):
    control.fault(path="/1/model", method="GET", app="shop-prod", status=200, body=json.dumps(body), times=9)
    overview = read_overview(ctx)
    dev, qa, prod = overview.stations
    assert dev.reachable and qa.reachable and not prod.reachable
    assert "not a model" in prod.error, prod.error
    assert overview.steps[0].known and overview.steps[0].model_changes == 4
    assert overview.steps[1].error == "not reachable"
    with (
        ctx.client(ctx.profiles.get("prod")) as client,
        pytest.raises(errors.ProtocolError, match="not a model"),
    ):
        client.get_model()  # every command that reads the model gets the same clear message


def _calls_left(control) -> list[int]:
    import requests

    return [f["times"] for f in requests.get(f"{control.url}/_sandbox/faults", timeout=10).json()]


@pytest.mark.parametrize(
    ("source", "options", "gate"),
    [
        ("qa", {"yes": True}, "protected"),  # prod without its typed name
        ("dev", {"yes": True, "confirm": "prod"}, "stage_skipped"),
    ],
)
def test_a_refusal_that_needs_no_server_data_reads_nothing(ctx, control, source, options, gate):
    from app.engine.ops.promote import promote
    from app.engine.reads.plan import PromoteOptions
    from app.engine.result import Status

    control.fault(path="/1/app/download", app=f"shop-{source}", delay=15.0)  # a long export
    for app in ("shop-dev", "shop-qa", "shop-prod"):  # change nothing; count every call
        control.fault(path="/1/*", app=app, times=1000)
    entries = len(ctx.archive.entries())
    began = time.monotonic()
    result = promote(ctx, ctx.profiles.get(source), ctx.profiles.get("prod"), PromoteOptions(**options))
    assert result.status == Status.REFUSED and [r.gate for r in result.refusals] == [gate], result.message
    assert time.monotonic() - began < 5  # generous: not the export's 15 s
    assert _calls_left(control) == [1, 1000, 1000, 1000], "a server was asked something"
    assert len(ctx.archive.entries()) == entries  # no plan entries of a refused run
    writes = [r for r in ctx.history.runs() if r.kind != "profile"]  # (the profiles' own records)
    assert [r.status for r in writes] == ["refused"]


@pytest.mark.parametrize("mode", ["trickle-headers", "trickle-body"])
def test_a_small_call_has_its_own_deadline_set_in_the_settings(tmp_path, secret_store, mode):
    """A JSON answer is at most 8 MiB: it gets the settings' small-call deadline (here 2 s), not the
    15 minutes a configuration transfer may take."""
    from app import settings
    from app.engine.context import Context
    from app.engine.reads import one_target
    from app.paths import Home
    from app.profile import Profile
    from tests.hostile_server import hostile

    home = Home(tmp_path / "home")
    home.ensure()
    settings.save(home.settings_file, settings.Settings(retries=0, small_call_deadline=2))
    ctx = Context(home, secret_store)
    with hostile(mode) as url:
        profile = ctx.profiles.upsert(Profile(name="qa", base_url=url, app="shop-qa", auth="token"))
        secret_store.set(profile, "t0ken-for-tests")
        began = time.monotonic()
        try:
            with pytest.raises(errors.TimeoutError_, match="within 2 s"):
                one_target.check(ctx, profile)
        finally:
            secret_store.delete(profile)
            ctx.close()
        assert time.monotonic() - began < 15  # generous; the transfers' deadline is 900 s
    assert ctx.settings is not None and ctx.settings.timeouts.total == 900


def test_the_default_deadline_of_a_small_call_is_well_under_a_minute_and_a_transfer_keeps_its_own():
    from app.backand import Timeouts
    from app.engine.connect import client_settings
    from app.settings import Settings

    timeouts = client_settings(Settings()).timeouts
    assert timeouts.deadline(transfer=False) <= 60
    assert timeouts.deadline(transfer=True) == 900 and timeouts.deadline(True, 30) == 930
    assert Timeouts().small <= 60


@pytest.mark.parametrize(
    ("path", "step"), [("/1/model", "Apply model"), ("/1/app/upload", "Upload configuration")]
)
def test_a_write_whose_answer_was_lost_but_landed_is_said_in_the_step_the_result_and_history(
    ctx, control, path, step
):
    from app.backand import Timeouts
    from app.engine.connect import ClientSettings
    from app.engine.ops.promote import promote
    from app.engine.reads.plan import PromoteOptions
    from app.engine.result import Status

    ctx.settings = ClientSettings(Timeouts(connect=5, read=1.0), retries=1, settle_seconds=20)
    control.fault(path=path, method="POST", app="shop-qa", delay=2.5)  # answers after the read timeout
    result = promote(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions())
    assert result.status == Status.SUCCEEDED, result.message
    said = "the answer was lost; the target held what was sent (settled after "
    assert said in result.message and step in result.message, result.message
    doc = result.as_json()
    assert [line for line in doc["settled"] if line.startswith(f"{step}: {said}")], doc["settled"]
    record = next(s for s in doc["steps"] if s["name"] == step)
    assert record["status"] == "done" and said in record["message"], record
    run = ctx.history.get(result.run_id)
    assert said in run.message and any(said in s["message"] for s in run.steps if s["name"] == step)
