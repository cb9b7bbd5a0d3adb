"""The pipeline overview, read-only, against the sandbox."""

from __future__ import annotations

from dataclasses import replace

from app.engine.overview import read_overview
from app.engine.plan import PromoteOptions
from app.engine.promote import promote
from app.shaping.rules import Rule


def test_the_overview_says_what_is_where_and_writes_nothing(ctx, control):
    prod = ctx.profiles.get("prod")
    rules = (Rule(1, "keep", "Database.DisplayName"), Rule(2, "keep", "Upload[Image].Title"))
    ctx.profiles.upsert(replace(prod, rules=rules), confirm="prod")  # prod is protected
    entries_before = len(ctx.archive.entries())
    first = read_overview(ctx)
    assert [s.name for s in first.stations] == ["dev", "qa", "prod"]
    assert all(s.reachable for s in first.stations)
    assert [s.version for s in first.stations] == ["1.1.4", "1.1.1", "1.1.1"]
    assert all(s.drifted is None and s.last_write is None for s in first.stations)
    dev_qa, qa_prod = first.steps
    assert dev_qa.known and dev_qa.model_changes == 4 and dev_qa.config_changes > 0
    assert qa_prod.equal and qa_prod.rules == 2  # they differ only where prod's rules keep its values
    assert len(ctx.archive.entries()) == entries_before
    assert [r.kind for r in ctx.history.runs()] == ["profile"] * 4  # the profiles' own changes only
    assert all(s.docs is None and s.zip_path is None and s.model is None for s in first.stations)
    assert not any(ctx.home.tmp_dir.iterdir())  # nothing left behind
    assert (
        promote(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions()).status == "succeeded"
    )
    after = read_overview(ctx)
    qa = after.stations[1]
    assert (
        qa.last_write is not None and qa.last_write["source"] == "dev" and qa.last_write["kind"] == "promote"
    )
    assert qa.drifted is False and qa.version == "1.1.4"
    assert after.steps[0].equal and not after.steps[1].equal
    # a change made outside the promoter is drift
    with ctx.client(ctx.profiles.get("qa")) as client:
        client.restore_version("1.1.0")
        client.reload_cache()
    assert read_overview(ctx).stations[1].drifted is True
    control.fault(path="/1/app/versions", status=500, times=20)  # retried reads included
    broken = read_overview(ctx)
    control.clear_faults()
    assert not any(s.reachable for s in broken.stations) and all(s.error for s in broken.stations)
    assert not any(step.known for step in broken.steps)
