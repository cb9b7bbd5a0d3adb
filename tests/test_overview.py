"""The pipeline overview, read-only, against the sandbox."""

from __future__ import annotations

import json
import zipfile
from dataclasses import replace

import pytest

from app.engine.ops.promote import promote
from app.engine.reads.overview import clock, read_overview, step_freshness
from app.engine.reads.plan import PromoteOptions
from app.shaping.rules import Rule
from tests.conftest import HAVE_SECRET_SERVICE
from tests.helpers import sync
from tests.test_cli import run


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
        client.set_version("1.1.0")
        client.reload_cache()
    assert read_overview(ctx).stations[1].drifted is True
    control.fault(path="/1/app/versions", status=500, times=20)  # retried reads included
    broken = read_overview(ctx)
    control.clear_faults()
    assert not any(s.reachable for s in broken.stations) and all(s.error for s in broken.stations)
    assert not any(step.known for step in broken.steps)


DOWNLOAD = "/1/app/download"


def downloads(control, app=None):
    return len(control.requests(DOWNLOAD, app))


def test_a_read_with_nothing_changed_downloads_nothing_and_says_how_fresh_it_is(ctx, control):
    first = read_overview(ctx)
    assert downloads(control) == 3 and all(s.fresh == "read" for s in first.stations)
    assert all(step.fresh and step_freshness(step).startswith("compared at ") for step in first.steps)
    control.clear_requests()
    again = read_overview(ctx)
    assert downloads(control) == 0  # the labels and models were read, no configuration
    assert {c["path"] for c in control.requests()} <= {"/1/model", "/1/app/versions"}
    assert all(s.reachable and s.fresh == "unchanged" for s in again.stations)
    assert [s.version for s in again.stations] == [s.version for s in first.stations]
    for before, after in zip(first.steps, again.steps, strict=True):
        assert (after.model_changes, after.config_changes) == (before.model_changes, before.config_changes)
        assert not after.fresh and after.compared_at == before.compared_at  # never claims a new compare
        assert "not re-read since" in step_freshness(after)
    doc = again.as_json()
    assert doc["environments"][1]["freshness"]["state"] == "unchanged"
    assert doc["steps"][0]["fresh"] is False and doc["steps"][0]["not_reread"]
    control.clear_requests()
    full = read_overview(ctx, full=True)
    assert downloads(control) == 3 and all(s.fresh == "read" for s in full.stations)
    assert all(step.fresh for step in full.steps)


def test_a_change_behind_the_back_with_the_same_label_is_found_by_a_full_read_only(ctx, control, tmp_path):
    dev, qa = ctx.profiles.get("dev"), ctx.profiles.get("qa")
    assert promote(ctx, dev, qa, PromoteOptions()).status == "succeeded"
    control.clear_requests()
    after_write = read_overview(ctx)
    # the promoter verified what it wrote: qa is known from that run, not downloaded again
    assert downloads(control, "shop-qa") == 0 and after_write.stations[1].fresh == "written"
    assert after_write.steps[0].equal and after_write.stations[1].drifted is False
    # behind the promoter's back, through the server's API: qa's configuration changed, its label
    # kept; an upload saves the label it replaces, so the list is the same once that label is listed
    with ctx.client(qa) as client:
        label = client.list_versions().current
        client.download_config(tmp_path / "qa.zip")
        client.upload_config(tmp_path / "qa.zip")  # the same configuration: lists its label
        client.reload_cache()
        seen = read_overview(ctx)  # the list changed: qa is read again
        assert seen.stations[1].fresh == "read" and seen.steps[0].equal
        before = client.list_versions()
        client.upload_config(_changed_display_name(tmp_path / "qa.zip", tmp_path / "changed.zip"))
        client.reload_cache()
        assert client.list_versions() == before and before.current == label
    control.clear_requests()
    cheap = read_overview(ctx)
    assert downloads(control) == 0
    step = cheap.steps[0]
    assert cheap.stations[1].fresh == "unchanged" and not step.fresh  # equal, as far as was checked...
    assert f"qa not re-read since {clock(seen.stations[1].known.at)}" in step_freshness(step)
    full = read_overview(ctx, full=True)
    assert downloads(control, "shop-qa") == 1
    assert full.stations[1].drifted is True and not full.steps[0].equal and full.steps[0].fresh
    assert step_freshness(full.steps[0]).startswith("compared at ")
    # what the full read learned is kept: the next cheap read says the same, and not re-read
    control.clear_requests()
    later = read_overview(ctx)
    assert downloads(control) == 0 and later.stations[1].drifted is True and not later.steps[0].equal


def test_a_changed_label_or_model_is_read_again_with_the_steps_that_involve_it(ctx, control):
    read_overview(ctx)
    with ctx.client(ctx.profiles.get("prod")) as client:
        sync(client)  # a snapshot: a new version in the list
    control.clear_requests()
    again = read_overview(ctx)
    assert downloads(control) == 1 and downloads(control, "shop-prod") == 1
    assert [s.fresh for s in again.stations] == ["unchanged", "unchanged", "read"]
    dev_qa, qa_prod = again.steps
    assert not dev_qa.fresh and [n for n, _ in qa_prod.not_reread] == ["qa"]


def test_a_wrong_cache_is_rebuilt_never_trusted(ctx, control):
    read_overview(ctx)
    folder = ctx.home.root / "cache" / "overview"
    records = sorted(p for p in folder.glob("*.json") if not p.name.startswith("pair-"))
    assert len(records) == 3
    records[0].write_text("{not json")
    data = json.loads(records[1].read_text())
    data["sha256"] = "0" * 64  # a record that no longer matches its zip
    records[1].write_text(json.dumps(data))
    for pair in folder.glob("pair-*.json"):
        pair.write_text(json.dumps({"format": 1, "key": 7}))
    zipped = records[2].with_suffix(".zip")
    zipped.write_bytes(zipped.read_bytes()[:100])  # the kept zip cut short
    control.clear_requests()
    again = read_overview(ctx)
    assert all(s.reachable for s in again.stations) and all(step.known for step in again.steps)
    assert downloads(control) == 3  # the bad JSON, the wrong digest and the cut zip: each read again
    assert all(s.fresh == "read" for s in again.stations)
    control.clear_requests()
    assert all(s.fresh == "unchanged" for s in read_overview(ctx).stations) and downloads(control) == 0


def _changed_display_name(source, dest):
    with zipfile.ZipFile(source) as archive:
        names = archive.namelist()
        docs = [archive.read(n) for n in names]
    text = docs[0].decode()
    start = text.index("<DisplayName>") + len("<DisplayName>")
    docs[0] = (text[:start] + "Changed behind the back" + text[text.index("</DisplayName>") :]).encode()
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, doc in zip(names, docs, strict=True):
            archive.writestr(name, doc)
    return dest


def test_the_window_says_how_fresh_each_part_is_and_f5_compares_again(qtbot, window, control):
    from PySide6.QtWidgets import QLabel

    tab = window.overview_tab

    def texts():
        return " ".join(label.text() for label in tab.area.widget().findChildren(QLabel))

    window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(
        lambda: tab.overview is not None and not window.jobs.is_busy("overview:all"), timeout=60000
    )
    control.clear_requests()
    tab.overview = None
    tab.refresh()  # as after a write elsewhere: only what changed is read
    qtbot.waitUntil(lambda: tab.overview is not None, timeout=60000)
    assert downloads(control) == 0
    assert "Unchanged by label and model since" in texts() and "not re-read since" in texts()
    assert "not re-read (Compare again: F5)" in tab.status.text()
    tab.overview = None
    window.refresh_action.trigger()  # F5
    qtbot.waitUntil(lambda: tab.overview is not None, timeout=60000)
    assert downloads(control) == 3 and "not re-read" not in texts() and "Read at " in texts()
    assert tab.refresh_button.text() == "Compare again"
    control.clear_requests()
    tab.overview = None
    tab.refresh_button.click()
    qtbot.waitUntil(lambda: tab.overview is not None, timeout=60000)
    assert downloads(control) == 3


@pytest.mark.skipif(
    not HAVE_SECRET_SERVICE,
    reason="the CLI keeps secrets only in a real keyring; run under tests/tools/with-keyring.sh (make test does)",
)
def test_the_command_reads_what_changed_full_reads_all_and_a_damaged_cache_is_no_traceback(ctx, control):
    home = ctx.home.root
    first = run(home, "overview", "--json")
    assert first.returncode == 0, first.stderr
    assert [s["freshness"]["state"] for s in json.loads(first.stdout)["environments"]] == ["read"] * 3
    control.clear_requests()
    cheap = run(home, "overview")
    assert cheap.returncode == 0, cheap.stderr
    assert downloads(control) == 0
    assert "unchanged by label and model since" in cheap.stdout and "not re-read since" in cheap.stdout
    for path in (home / "cache" / "overview").iterdir():
        path.write_bytes(b"\x00garbage")
    control.clear_requests()
    damaged = run(home, "overview", "--json")
    assert damaged.returncode == 0 and "Traceback" not in damaged.stderr
    assert downloads(control) == 3
    control.clear_requests()
    full = run(home, "overview", "--full", "--json")
    assert full.returncode == 0, full.stderr
    doc = json.loads(full.stdout)
    assert downloads(control) == 3 and doc["full"] is True
    assert all(step["fresh"] and step["freshness"].startswith("compared at ") for step in doc["steps"])
