"""One plan per promotion, a zip parsed once (issue 22): the promotion of a confirmed plan sends the
plan's read of the source when the source still looks as it did, downloads the target again (its
read under the lock is the backup) and parses nothing it parsed before; a change on either side is
read again and refused as stale exactly as before. Counted with the sandbox's request log and by
counting the reader's calls, never by timing."""

from __future__ import annotations

import copy
import json
import sqlite3
import threading

import pytest

from app.configdoc import dataset, zipcheck
from app.engine.gates import Gate
from app.engine.ops.promote import plan_promotion, promote
from app.engine.reads import planrecord
from app.engine.reads.plan import PromoteOptions


@pytest.fixture
def parses(monkeypatch):
    """Every document parse the promoter makes (the check's and the reader's), by entry name; the
    sandbox, which runs in this process, checks what it is sent on its own request threads."""
    seen: list[str] = []
    scan, read = zipcheck.scan_dataset, dataset.read_dataset

    def ours() -> bool:
        return "process_request" not in threading.current_thread().name

    def counted_scan(stream, entry, *args, **kwargs):
        if ours():
            seen.append(entry)
        return scan(stream, entry, *args, **kwargs)

    def counted_read(stream, size=None):
        if ours():
            seen.append("read")
        return read(stream, size)

    monkeypatch.setattr(zipcheck, "scan_dataset", counted_scan)
    monkeypatch.setattr(dataset, "read_dataset", counted_read)
    return seen


def downloads(control, app):
    return len(control.requests("/1/app/download", app))


def _plan(ctx):
    dev, qa = ctx.profiles.get("dev"), ctx.profiles.get("qa")
    planned = plan_promotion(ctx, dev, qa)
    assert planned.status.value == "dry_run", planned.message
    _plan.backup_id = planned.plan["backup_id"]  # (the plan's read of the target)
    return dev, qa, planned.plan["stamp"]


def test_the_promotion_of_an_unchanged_plan_sends_its_read_and_parses_nothing(ctx, control, parses):
    control.clear_requests()
    dev, qa, stamp = _plan(ctx)
    assert (downloads(control, "shop-dev"), downloads(control, "shop-qa")) == (1, 1)
    parses.clear()
    lines: list[str] = []
    result = promote(ctx, dev, qa, PromoteOptions(expect_stamp=stamp), lambda e: lines.append(e.message))
    assert result.status == "succeeded", result.message
    assert downloads(control, "shop-dev") == 1, "the source's export was asked for again"
    # the plan's read, the backup under the lock, the server version the model apply would push
    # off qa's list, the verify
    assert downloads(control, "shop-qa") == 4
    assert parses[2:] == [] and parses[0].endswith("102"), parses  # only the server version, new bytes
    assert any("unchanged since the plan" in line for line in lines)
    steps = {s["name"]: s["status"] for s in result.steps}
    assert steps["Download source configuration"] == "skipped"
    run = ctx.history.runs()[0]
    backup = ctx.archive.get(run.archive_ids["backup"])
    assert backup.kind == "backup" and backup.id != _plan.backup_id  # read again under the lock


def test_a_source_changed_since_the_plan_is_read_again(ctx, control):
    control.clear_requests()
    dev, qa, stamp = _plan(ctx)
    with ctx.client(dev) as client:
        model = copy.deepcopy(client.get_model())
        next(o for o in model if o["name"] == "products")["fields"]["currency"]["defaultValue"] = "EUR"
        client.apply_model(model)  # a model change, the configuration as it was
    result = promote(ctx, dev, qa, PromoteOptions(expect_stamp=stamp))
    assert downloads(control, "shop-dev") == 2
    assert result.status == "refused" and Gate.STALE_PLAN in {r.gate for r in result.refusals}
    assert "source model" in result.message


def test_a_target_changed_since_the_plan_is_parsed_and_refused_as_stale(ctx, control, parses):
    control.clear_requests()
    dev, qa, stamp = _plan(ctx)
    export = ctx.archive.get(ctx.archive.entries("dev")[0].id)
    with ctx.client(qa) as client:  # qa now holds dev's configuration: a change behind the plan's back
        client.upload_config(ctx.archive.path_of(export), "x.zip")
        client.reload_cache()
    parses.clear()
    result = promote(ctx, dev, qa, PromoteOptions(expect_stamp=stamp))
    assert result.status == "refused" and Gate.STALE_PLAN in {r.gate for r in result.refusals}
    assert downloads(control, "shop-dev") == 1 and downloads(control, "shop-qa") == 2
    assert parses, "the target's new bytes were not parsed"


def test_a_wrong_plan_record_is_not_trusted(ctx, control):
    control.clear_requests()
    dev, qa, stamp = _plan(ctx)
    path = planrecord.path_for(ctx.home, stamp)
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "sha256": "0" * 64}))  # names bytes the archive does not hold
    assert promote(ctx, dev, qa, PromoteOptions(expect_stamp=stamp)).status == "succeeded"
    assert downloads(control, "shop-dev") == 2
    path.write_text("{not json")
    assert planrecord.load(ctx.home, stamp, dev.target_key) is None and not path.exists()


def test_the_same_bytes_are_checked_and_parsed_once(ctx, parses):
    dev = ctx.profiles.get("dev")
    from app.engine.reads import one_target

    first = one_target.export(ctx, dev)
    assert parses and ctx.fingerprint(first)
    parses.clear()
    again = one_target.export(ctx, dev)
    assert again.sha256 == first.sha256 and again.id != first.id
    assert ctx.fingerprint(again) == ctx.fingerprint(first)
    assert parses == []
    # a record that is not what the archive writes is deleted and the zip parsed again
    db = sqlite3.connect(ctx.archive.root / "index.sqlite")
    with db:
        db.execute("UPDATE parses SET app_entry='evil' WHERE sha256=?", (first.sha256,))
    db.close()
    third = one_target.export(ctx, dev)
    assert parses and third.sha256 == first.sha256


def test_the_window_s_promotion_downloads_the_source_once(qtbot, window, monkeypatch, control):
    from app.gui.promote import confirm

    tab = window.promote_tab
    assert (tab.source.currentText(), tab.target.currentText()) == ("dev", "qa")
    control.clear_requests()
    tab.plan_button.click()
    qtbot.waitUntil(lambda: not window.jobs.running, timeout=60000)
    monkeypatch.setattr(confirm, "confirm_promotion", lambda *args: _yes(args))
    tab.promote_button.click()
    qtbot.waitUntil(lambda: not window.jobs.running, timeout=60000)
    assert tab.banner.text().startswith("Succeeded"), tab.banner.text()
    assert downloads(control, "shop-dev") == 1
    assert downloads(control, "shop-qa") == 4  # plan, backup under the lock, a server version, verify


def _yes(args):
    from app.engine.gates import Consent

    _parent, _source, target, _summary = args
    return Consent(confirm=target.name)
