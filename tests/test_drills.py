"""Restore drills (a backup loaded into a sandbox's scratch app and read back), restorability in the
Overview, drift checks by the scheduled job."""

from __future__ import annotations

import json
import socket
import sqlite3
import zipfile
from pathlib import Path

import pytest

from app.engine.reads.backup_all import back_up_all
from app.engine.reads.drill import drill_all
from app.fsutil import sha256_file
from app.profile import Profile
from tests.test_cli import run


def _tamper(ctx, entry_id: int, edit) -> None:
    """Rewrite an archived zip's app document with *edit*, and its recorded sha256 and size with it
    (tampering that the checksum cannot catch: the index vouches for the new bytes)."""
    entry = ctx.archive.get(entry_id)
    path = ctx.archive.path_of(entry)
    with zipfile.ZipFile(path) as src:
        names = src.namelist()[:2]
        parts = {n: src.read(n) for n in names}
    parts[names[0]] = edit(parts[names[0]].decode()).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name in names:
            out.writestr(name, parts[name])
    db = sqlite3.connect(ctx.archive.root / "index.sqlite")
    db.execute(
        "UPDATE entries SET sha256=?, size=? WHERE path=?",
        (sha256_file(path), path.stat().st_size, entry.path),
    )
    db.commit()
    db.close()


def _qa(ctx) -> Profile:
    return ctx.profiles.get("qa")


def test_a_drill_passes_on_a_good_backup_and_writes_nothing_to_the_environment(ctx, control):
    qa = _qa(ctx)
    [backed] = back_up_all(ctx, [qa])
    assert backed.ok, backed.message
    control.clear_requests()
    [report] = drill_all(ctx, [qa])
    assert report.status == "passed", report.message
    assert report.backup_id == backed.backup_id and report.differences == []
    assert "restores: model and configuration round-trip" in report.message
    drill = ctx.archive.last_drills([backed.backup_id])[backed.backup_id]
    assert drill.ok and drill.run_id == report.run_id
    run_ = ctx.history.get(report.run_id)
    assert run_ is not None and run_.kind == "drill" and run_.status == "succeeded"
    assert control.requests(app="shop-qa") == [], "a drill talks to its own sandbox only"


def test_a_drill_names_what_was_changed_in_a_backup_whose_checksum_was_rewritten_with_it(ctx):
    qa = _qa(ctx)
    [backed] = back_up_all(ctx, [qa])
    assert backed.backup_id is not None
    _tamper(ctx, backed.backup_id, lambda doc: doc.replace("taxRate = 0.19", "taxRate = 0.99"))
    assert ctx.archive.verify([backed.backup_id])[0].ok, "the checksum cannot see it"
    [report] = drill_all(ctx, [qa])
    assert report.status == "failed"
    assert any("changed since archived: ~ action" in d for d in report.differences), report.differences
    assert "does not restore as archived" in report.message and "~ action" in report.message
    drill = ctx.archive.last_drills([backed.backup_id])[backed.backup_id]
    assert not drill.ok and drill.differences == report.differences


def test_a_drill_on_a_backup_that_fails_its_check_says_so(ctx):
    qa = _qa(ctx)
    [backed] = back_up_all(ctx, [qa])
    assert backed.backup_id is not None
    path = ctx.archive.path_of(ctx.archive.get(backed.backup_id))
    path.write_bytes(path.read_bytes()[:-40] + b"\0" * 40)  # damaged; the index not touched
    [report] = drill_all(ctx, [qa])
    assert report.status == "failed"
    assert f"backup #{backed.backup_id}" in report.message and "sha256" in report.message
    assert not ctx.archive.last_drills()[backed.backup_id].ok


def test_a_sandbox_that_cannot_start_is_each_environments_report_and_loses_nothing(ctx):
    profiles = ctx.profiles.load()
    reports = back_up_all(ctx, profiles)
    entries = len(ctx.archive.entries())
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        drills = drill_all(ctx, profiles, port=taken.getsockname()[1])
    assert [d.profile for d in drills] == [p.name for p in profiles]
    for drilled in drills:
        assert drilled.status == "error" and "sandbox could not start" in drilled.message, drilled.message
        assert "backups are unchanged" in drilled.message
    assert len(ctx.archive.entries()) == entries
    assert ctx.archive.last_drills() == {}, "a drill that did not run proves nothing about a backup"
    assert all(r.ok for r in reports)


def test_a_full_disk_for_the_sandbox_is_reported(ctx, monkeypatch):
    qa = _qa(ctx)
    back_up_all(ctx, [qa])
    import app.engine.reads.drill as drill_module

    def full(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(drill_module.tempfile, "TemporaryDirectory", full)
    [report] = drill_all(ctx, [qa])
    assert report.status == "error" and "No space left on device" in report.message


def test_one_environment_of_three_failing_does_not_stop_the_others(tmp_path, ctx, secret_store):
    gone = ctx.profiles.upsert(
        Profile(name="gone", base_url="http://127.0.0.1:9", app="shop-qa", auth="keys")
    )
    secret_store.set(gone, "master:user")
    home = ctx.home.root
    done = run(home, "backup", "dev", "gone", "qa", "--scheduled", "--drill", "weekly", "--json")
    assert done.returncode == 1, done.stderr
    doc = json.loads(done.stdout)
    backups = {e["profile"]: e for e in doc["environments"]}
    assert backups["gone"]["status"] == "failed" and backups["dev"]["status"] == "succeeded"
    drills = {d["profile"]: d for d in doc["drills"]}
    assert drills["dev"]["status"] == "passed" and drills["qa"]["status"] == "passed"
    assert drills["gone"]["status"] == "error" and "no backup to drill" in drills["gone"]["message"]
    checks = {c["profile"]: c for c in doc["drift_checks"]}
    assert "its backup failed" in checks["gone"]["message"]
    again = run(home, "backup", "dev", "qa", "--scheduled", "--drill", "weekly", "--json")
    assert again.returncode == 0, again.stdout + again.stderr
    assert json.loads(again.stdout)["drills"] == [], "drilled less than a week ago: not due"


def test_backup_drill_on_the_command_line(tmp_path, ctx):
    home = ctx.home.root
    assert run(home, "backup", "qa").returncode == 0
    done = run(home, "backup", "drill", "qa")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("passed  qa: backup #")
    none = run(home, "backup", "drill", "prod", "--json")
    assert none.returncode == 1
    [report] = json.loads(none.stdout)["drills"]
    assert report["status"] == "error" and "no backup to drill" in report["message"]
    bad = run(home, "backup", "drill", "nosuch")
    assert bad.returncode == 2 and "nosuch" in bad.stderr and "Traceback" not in bad.stderr


def test_archive_index_from_before_drills_is_migrated(tmp_path):
    root = tmp_path / "archive"
    root.mkdir()
    db = sqlite3.connect(root / "index.sqlite")
    db.executescript(
        "CREATE TABLE entries (id INTEGER PRIMARY KEY AUTOINCREMENT, profile TEXT, base_url TEXT, "
        "app TEXT, kind TEXT, version TEXT, created_at REAL, sha256 TEXT, size INTEGER, path TEXT, "
        "model TEXT, note TEXT DEFAULT '', pinned INTEGER DEFAULT 0, promotion_id INTEGER, "
        "verified TEXT DEFAULT '');"
    )
    db.close()
    from app.archive import Archive

    archive = Archive(Path(root))
    try:
        assert archive.last_drills() == {} and archive.contents(1) is None
    finally:
        archive.close()


@pytest.fixture
def drifted_qa(ctx, tmp_path):
    """qa promoted into by the promoter (a baseline), then changed in its console."""
    from app.engine.ops.promote import PromoteOptions, promote
    from tests.helpers import edit_config, set_view_cell

    result = promote(ctx, ctx.profiles.get("dev"), _qa(ctx), PromoteOptions())
    assert result.status == "succeeded", result.message
    edit_config(
        _qa(ctx).base_url,
        "shop-qa",
        lambda d: set_view_cell(d, "orders", "AllowSelectRoles", "Admin"),
        tmp_path,
    )
    return ctx


def _station(doc, name):
    return next(e for e in doc["environments"] if e["name"] == name)


def test_overview_json_says_restorability_and_what_the_scheduled_drift_check_saw(drifted_qa):
    ctx = drifted_qa
    home = ctx.home.root
    before = json.loads(run(home, "overview", "--json").stdout)
    for name in ("dev", "qa", "prod"):
        r = _station(before, name)["restorability"]
        assert r["state"] == "amber" and "never proven restorable: no passing restore drill" in r["problems"]
    done = run(home, "backup", "dev", "qa", "--scheduled", "--drill", "weekly", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    checks = {c["profile"]: c for c in json.loads(done.stdout)["drift_checks"]}
    assert checks["qa"]["drifted"] is True and "~ object orders" in checks["qa"]["message"], checks["qa"]
    assert checks["dev"]["drifted"] is None  # never written by the promoter: no baseline
    doc = json.loads(run(home, "overview", "--json").stdout)
    qa = _station(doc, "qa")
    assert qa["restorability"]["state"] == "green", qa["restorability"]
    assert qa["restorability"]["text"] == "last proven restorable just now"
    assert qa["drift_check"]["drifted"] is True
    assert qa["drift_check"]["text"].startswith("changed outside the promoter, seen by the ")
    assert qa["drift_check"]["text"].endswith(" check")
    assert _station(doc, "prod")["restorability"]["state"] == "amber"  # not backed up, not drilled
    text = run(home, "overview").stdout
    assert "restorable: ok, last proven restorable just now" in text
    assert "DRIFT: changed outside the promoter, seen by the" in text


def test_restorability_is_red_when_the_last_drill_failed_and_amber_when_the_target_is_missed(ctx):
    from app.engine.reads.restorability import restorability

    qa = _qa(ctx)
    [backed] = back_up_all(ctx, [qa])
    assert backed.backup_id is not None
    drill_all(ctx, [qa])
    assert restorability(ctx, qa).state == "green"
    later = restorability(ctx, qa, now=ctx.archive.get(backed.backup_id).created_at + 27 * 3600)
    assert later.state == "amber" and any("no verified backup within 26 h" in p for p in later.problems)
    week = restorability(ctx, qa, now=ctx.archive.get(backed.backup_id).created_at + 9 * 86400)
    assert any("no passing restore drill within 8 days" in p for p in week.problems)
    _tamper(ctx, backed.backup_id, lambda doc: doc.replace("taxRate = 0.19", "taxRate = 0.5"))
    drill_all(ctx, [qa])
    failed = restorability(ctx, qa)
    assert failed.state == "red" and failed.problems[0].startswith("last drill failed: qa: backup #")
    assert failed.text == "last proven restorable just now"  # the earlier passing drill


def test_the_overview_shows_the_restorability_badge(qtbot, window):
    from PySide6.QtWidgets import QLabel

    ctx = window.ctx
    qa = ctx.profiles.get("qa")
    back_up_all(ctx, [qa])
    drill_all(ctx, [qa])
    overview = window.overview_tab
    overview.refresh()
    qtbot.waitUntil(
        lambda: overview.overview is not None and not window.jobs.is_busy("overview:all"), timeout=60000
    )
    badge = overview.findChild(QLabel, "restorability-qa")
    assert badge is not None and badge.property("state") == "green"
    assert "Restorable" in badge.text() and "last proven restorable just now" in badge.text()
    prod = overview.findChild(QLabel, "restorability-prod")
    assert prod is not None and prod.property("state") == "amber"
    assert "Never backed up" in prod.toolTip()


def test_the_archive_tab_shows_each_backups_last_drill(qtbot, window):
    from PySide6.QtCore import Qt

    from app.gui.archive.model import VERIFIED

    ctx = window.ctx
    qa = ctx.profiles.get("qa")
    [backed] = back_up_all(ctx, [qa])
    assert backed.backup_id is not None
    _tamper(ctx, backed.backup_id, lambda doc: doc.replace("taxRate = 0.19", "taxRate = 0.5"))
    drill_all(ctx, [qa])
    tab = window.archive_tab
    tab.refresh()
    row = next(r for r in range(tab.model.rowCount()) if tab.model.entry(r).id == backed.backup_id)
    index = tab.model.index(row, VERIFIED)
    assert " · drill ✗ " in tab.model.data(index)
    assert "changed since archived: ~ action" in tab.model.data(index, Qt.ItemDataRole.ToolTipRole)


def test_the_window_notifies_a_failed_scheduled_drill_once(qtbot, window, monkeypatch):
    """The desktop notification itself is the one part replaced (offscreen there is no tray)."""
    from app.gui.runtime import notify

    told: list[str] = []
    monkeypatch.setattr(notify, "scheduled_run_failed", lambda widget, summary: told.append(summary))
    history = window.ctx.history
    for kind, status, message in (
        ("backup", "succeeded", "qa: nothing new."),
        ("drill", "failed", "qa: backup #4 does not restore as archived: changed since archived: ~ action x"),
    ):
        run_id = history.start(kind, None, "qa")
        history.finish(run_id, status, message, {}, [], {})
    label = window.schedule_label
    label.refresh()
    qtbot.waitUntil(lambda: bool(told), timeout=30000)
    assert "does not restore as archived" in told[0]
    label.refresh()
    qtbot.waitUntil(lambda: not window.jobs.is_busy("check:schedule-bar"), timeout=30000)
    qtbot.wait(50)
    assert len(told) == 1, "told once per failed run"


def test_a_profile_named_drill_is_backed_up_with_profile_and_the_word_stays_the_drill(ctx, secret_store):
    """`backup drill` is the restore drill whatever the profiles are named; it says how to back up a
    profile named drill (`--profile drill`), which backs up that profile alone."""
    from dataclasses import replace

    qa = _qa(ctx)
    named = ctx.profiles.upsert(replace(qa, name="drill", id=""))
    secret_store.set(named, secret_store.get(qa))
    home = ctx.home.root
    drilled = run(home, "backup", "drill", "--json")
    assert "promoter backup --profile drill" in drilled.stderr
    assert {d["profile"] for d in json.loads(drilled.stdout)["drills"]} == {"dev", "qa", "prod", "drill"}
    backed = run(home, "backup", "--profile", "drill", "--json")
    assert backed.returncode == 0, backed.stdout + backed.stderr
    assert [e["profile"] for e in json.loads(backed.stdout)["environments"]] == ["drill"]
    mixed = run(home, "backup", "drill", "--profile", "qa")
    assert mixed.returncode == 2 and "Run them apart" in mixed.stderr


def test_a_damaged_model_in_the_archive_index_is_named_not_a_traceback(ctx):
    """The index row's model column no longer JSON (a disk error, a hand edit): the entry still
    lists; showing it says the model is damaged; restoring or drilling it refuses with that."""
    home = ctx.home.root
    assert run(home, "backup", "qa").returncode == 0
    [entry] = [e for e in ctx.archive.entries() if e.kind == "backup"]
    db = sqlite3.connect(ctx.archive.root / "index.sqlite")
    db.execute("UPDATE entries SET model='[{\"name\": \"orders\", ' WHERE id=?", (entry.id,))
    db.commit()
    db.close()
    listed = run(home, "archive", "list")
    assert listed.returncode == 0 and f"{entry.id}" in listed.stdout
    shown = run(home, "archive", "show", str(entry.id))
    assert shown.returncode == 0 and "model: (damaged" in shown.stdout, shown.stdout + shown.stderr
    restored = run(home, "restore", "qa", str(entry.id), "--dry-run")
    assert restored.returncode == 2 and "is not a model" in restored.stderr, restored.stdout + restored.stderr
    drilled = run(home, "backup", "drill", "qa", "--json")
    [report] = json.loads(drilled.stdout)["drills"]
    assert report["status"] == "failed" and "not a model" in report["message"]
    for out in (listed, shown, restored, drilled):
        assert "Traceback" not in out.stderr


def test_a_cancelled_drill_is_neither_passed_nor_failed(ctx):
    """Ctrl+C or SIGTERM during `backup drill` (or the scheduled job's drills): the drill under way
    ends as cancelled at its next step, the others do not start, and restorability does not say
    "could not run" (a KeyboardInterrupt left the run to be marked as a process that died)."""
    from app.engine.events import CancelToken, Reporter
    from app.engine.reads.drill import drill, scratch_sandbox
    from app.engine.reads.restorability import restorability

    qa = _qa(ctx)
    assert back_up_all(ctx, [qa])[0].ok
    token = CancelToken()
    token.cancel()
    with scratch_sandbox(ctx, 0) as (sandbox, folder):
        report = drill(ctx, qa, sandbox, folder, Reporter(None, token))
    assert report.status == "cancelled" and "the backup is unchanged" in report.message
    assert ctx.history.get(report.run_id).status == "cancelled"
    later = drill_all(ctx, [qa, ctx.profiles.get("dev")], cancel=token)
    assert [r.status for r in later] == ["cancelled", "cancelled"]
    assert all("before it began" in r.message for r in later)
    said = restorability(ctx, qa)
    assert not any("could not run" in p or "failed" in p for p in said.problems), said


def test_a_drill_cancelled_while_it_uploads_stops_there(ctx, monkeypatch):
    """The drill under way stops where the cancel comes (it ran to its end as one step)."""
    from app.backand.client import BackandClient
    from app.engine.events import CancelToken

    qa = _qa(ctx)
    assert back_up_all(ctx, [qa])[0].ok
    token = CancelToken()
    real = BackandClient.upload_config

    def upload_then_cancel(self, *args, **kwargs):
        token.cancel()  # as a Ctrl+C in the middle of the upload
        return real(self, *args, **kwargs)

    monkeypatch.setattr(BackandClient, "upload_config", upload_then_cancel)
    [report] = drill_all(ctx, [qa], cancel=token)
    assert report.status == "cancelled" and "the backup is unchanged" in report.message, report
    assert not ctx.archive.drills_of(qa.base_url, qa.app), "a cancelled drill gives the backup no verdict"
