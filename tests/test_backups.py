"""Backups that run themselves: back up every environment, a schedule, retention, bundles."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace

import pytest

from app.archive import Archive, Entry
from app.archive.bundle import export_bundle, import_bundle
from app.archive.retention import Retention, doomed
from app.engine.reads.backup_all import back_up_all
from app.profile import Profile
from tests.conftest import HAVE_SECRET_SERVICE
from tests.test_cli import run


def test_back_up_all_reports_each_environment_and_adds_nothing_twice(ctx, secret_store):
    gone = ctx.profiles.upsert(
        Profile(name="gone", base_url="http://127.0.0.1:9", app="shop-qa", auth="keys")
    )
    secret_store.set(gone, "master:user")
    profiles = ctx.profiles.load()
    first = {r.profile: r for r in back_up_all(ctx, profiles)}
    assert first["gone"].status == "failed" and "could not reach" in first["gone"].message
    for name in ("dev", "qa", "prod"):
        assert first[name].ok and first[name].added, first[name].message
    with ctx.client(ctx.profiles.get("qa")) as client:
        listed = set(client.list_versions().newest_first)
    qa = ctx.profiles.get("qa")
    assert listed <= ctx.archive.versions_archived_for(qa.base_url, qa.app)
    entries = len(ctx.archive.entries())
    second = {r.profile: r for r in back_up_all(ctx, profiles)}
    assert all(second[n].ok and second[n].added == [] for n in ("dev", "qa", "prod"))
    assert len(ctx.archive.entries()) == entries, "the same bytes are not archived twice"
    runs = [r for r in ctx.history.runs() if r.kind == "backup"]
    assert {r.status for r in runs} == {"succeeded", "failed"}


def _entry(i: int, kind: str, age_days: float, profile: str = "qa", **kw: object) -> Entry:
    base = Entry(
        id=i,
        profile=profile,
        base_url="http://x",
        app=f"shop-{profile}",
        kind=kind,
        version=None,
        created_at=NOW - age_days * 86400,
        sha256=f"{i:064x}",
        size=1,
        path=f"{i}.zip",
        model=None,
        note="",
        pinned=False,
        promotion_id=None,
        verified="ok",
    )
    return replace(base, **kw)  # type: ignore[arg-type]


NOW = 1_800_000_000.0


def test_retention_keeps_newest_recent_pinned_undoable_and_each_newest_backup():
    entries = [
        _entry(1, "backup", 100),  # an older backup, past both rules
        _entry(2, "backup", 90),  # qa's newest backup: kept whatever its age
        _entry(3, "export", 80),
        _entry(4, "export", 70, pinned=True),
        _entry(5, "export", 60),  # referenced by a run that can still be undone
        _entry(6, "export", 50),
        _entry(7, "export", 5),  # within the last 30 days
        _entry(8, "export", 40),  # second newest export, older than 30 days
        _entry(9, "version", 45, profile="dev"),  # the newest of its profile and kind
        _entry(10, "plan", 200, profile="dev"),  # a plan read: its own rule, not keep or days
    ]
    gone = doomed(entries, Retention(keep=1, days=30), referenced={5}, now=NOW)
    assert [e.id for e in gone] == [10, 1, 3, 6, 8]  # oldest first


def test_plan_reads_are_pruned_on_their_own_rule_and_never_count_as_backups():
    entries = [
        _entry(1, "plan", 1),  # younger than plan_days: kept, even with keep=0 and days=0
        _entry(2, "plan", 10),  # older: goes, though keep=5 and days=30 would keep any other kind
        _entry(3, "plan", 20, pinned=True),
        _entry(4, "plan", 30),  # referenced by a run (a refused promotion's read kept for undo)
        _entry(5, "backup", 40),
    ]
    assert [e.id for e in doomed(entries, Retention(keep=5, days=30, plan_days=7), {4}, NOW)] == [2]
    assert [e.id for e in doomed(entries, Retention(keep=0, days=0, plan_days=7), {4}, NOW)] == [2]
    assert [e.id for e in doomed(entries, Retention(keep=0, plan_days=0), set(), NOW)] == [4, 2, 1]
    newest_backup_kept = doomed([_entry(1, "backup", 50), _entry(2, "plan", 1)], Retention(0), set(), NOW)
    assert [e.id for e in newest_backup_kept] == [2]


def test_retention_keep_zero_still_keeps_the_newest_backup():
    entries = [_entry(1, "backup", 10), _entry(2, "backup", 9), _entry(3, "plan", 1)]
    assert [e.id for e in doomed(entries, Retention(keep=0), set(), NOW)] == [1, 3]


def test_a_bundle_carries_the_archive_and_checks_itself(ctx, tmp_path):
    back_up_all(ctx, ctx.profiles.load())
    entries = ctx.archive.entries()
    bundle = tmp_path / "usb" / "bundle"
    files = export_bundle(ctx.archive, bundle, entries, [p.as_json() for p in ctx.profiles.load()]).files
    assert len(files) == len(entries)
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert all("secret" not in json.dumps(p).lower() for p in manifest["profiles"])
    if shutil.which("sha256sum"):
        check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=bundle, capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
    other = Archive(tmp_path / "other-archive")
    report = import_bundle(other, bundle)
    assert len(report.added) == len(entries) and not report.already and not report.refused
    assert {e.sha256 for e in other.entries()} == {e.sha256 for e in entries}
    assert import_bundle(other, bundle).added == [], "a second import adds nothing"
    # a flipped byte: that entry is refused, naming its file; the others still come in
    damaged = tmp_path / "damaged"
    shutil.copytree(bundle, damaged)
    victim = damaged / files[-1]
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    empty = Archive(tmp_path / "empty-archive")
    report = import_bundle(empty, damaged)
    assert len(report.refused) == 1 and files[-1] in report.refused[0], report.refused
    assert len(empty.entries()) == len(entries) - 1
    other.close()
    empty.close()


@pytest.mark.skipif(not HAVE_SECRET_SERVICE, reason="the CLI keeps secrets only in a real keyring")
def test_backup_from_the_command_line(tmp_path, sandbox):
    from app.sandbox import seed

    keys = {r["app"]: f"{r['master_token']}:{r['user_token']}" for r in seed.credentials(sandbox.store)}
    for name, app, url in (("qa", "shop-qa", sandbox.url), ("gone", "shop-dev", "http://127.0.0.1:9")):
        assert (
            run(tmp_path, "profile", "add", name, "--url", url, "--app", app, "--auth", "keys").returncode
            == 0
        )
        assert run(tmp_path, "secret", "set", name, stdin=keys.get(app, "m:u") + "\n").returncode == 0
    done = run(tmp_path, "backup", "--all", "--json")
    assert done.returncode == 1, done.stderr
    doc = {e["profile"]: e for e in json.loads(done.stdout)["environments"]}
    assert doc["qa"]["status"] == "succeeded" and doc["qa"]["added"]
    assert doc["gone"]["status"] == "failed"
    only_qa = run(tmp_path, "backup", "qa")
    assert only_qa.returncode == 0 and "nothing new" in only_qa.stdout
    dry = run(tmp_path, "archive", "prune", "--keep", "0", "--days", "0", "--dry-run")
    assert dry.returncode == 0 and dry.stdout.startswith("Would remove")
    listed = json.loads(run(tmp_path, "archive", "list", "--json").stdout)
    assert listed, "a dry run deletes nothing"
    from app.profiles import ProfileStore
    from app.secrets import SecretStore

    for profile in ProfileStore(tmp_path / "profiles.json").load():
        SecretStore().delete(profile)


def test_a_locked_keyring_is_a_skipped_backup_in_history(ctx):
    from app.secrets import SecretStore
    from tests.test_secrets import _Locked

    real = ctx.secrets
    ctx.secrets = SecretStore(_Locked())  # a keyring that answers "locked", as at a scheduled run
    try:
        reports = back_up_all(ctx, [ctx.profiles.get("qa")])
    finally:
        ctx.secrets = real
    assert reports[0].status == "skipped" and "keyring locked" in reports[0].message
    run = ctx.history.runs()[0]
    assert run.kind == "backup" and run.status == "skipped" and "keyring locked" in run.message


def test_a_backup_equal_to_a_plan_read_is_its_own_entry_and_survives_prune(ctx):
    """plan dev qa; backup qa: the backup's bytes equal the plan's read of qa, yet it is an entry of
    its own (kind backup, with the model), and a prune that takes everything else leaves it."""
    from app.engine.ops.promote import plan_promotion

    qa = ctx.profiles.get("qa")
    assert plan_promotion(ctx, ctx.profiles.get("dev"), qa).ok
    read = next(e for e in ctx.archive.entries("qa") if e.kind == "plan")
    report = back_up_all(ctx, [qa])[0]
    assert report.ok, report.message
    backups = [ctx.archive.get(e.id) for e in ctx.archive.entries("qa", "backup")]
    assert len(backups) == 1 and backups[0].id in report.added and backups[0].model
    assert backups[0].sha256 == read.sha256, "the same bytes as the plan's read (one file for both)"
    ctx.archive.prune(0, days=0)
    left = ctx.archive.entries("qa", "backup")
    assert [e.id for e in left] == [backups[0].id] and ctx.archive.path_of(left[0]).is_file()
    again = back_up_all(ctx, [qa])[0]  # (the versions the prune took are archived again)
    assert again.ok and len(ctx.archive.entries("qa", "backup")) == 1, "unchanged: no second backup"


def test_a_cancelled_backup_stops_at_once_and_is_no_failure(ctx, control):
    """A cancel (the CLI's Ctrl+C or SIGTERM, the window's quit) while the server builds the export:
    the backup ends at once as cancelled (it waited for every backup to finish, or a SIGTERM killed
    it and history said it died), the others are not started, and restorability is not red."""
    import threading
    import time

    from app.engine.events import CancelToken
    from app.engine.reads.restorability import restorability
    from tests.helpers import wait_until

    qa = ctx.profiles.get("qa")
    assert back_up_all(ctx, [qa])[0].ok  # a backup that stands
    control.clear_requests()
    control.fault(path="/1/app/download", method="GET", app="shop-qa", delay=30)
    token, reports = CancelToken(), []
    worker = threading.Thread(
        target=lambda: reports.extend(back_up_all(ctx, [qa, ctx.profiles.get("dev")], at_once=1, cancel=token))
    )
    worker.start()
    assert wait_until(lambda: control.requests(path="/1/app/download", app="shop-qa"))
    started = time.monotonic()
    token.cancel()
    worker.join(20)
    assert not worker.is_alive() and time.monotonic() - started < 10
    by = {r.profile: r for r in reports}
    assert by["qa"].status == "cancelled" and "nothing was added" in by["qa"].message, by["qa"]
    assert by["dev"].status == "cancelled" and "before it began" in by["dev"].message
    assert next(r.status for r in ctx.history.runs() if r.kind == "backup") == "cancelled"
    assert restorability(ctx, qa).state != "red", restorability(ctx, qa)


@pytest.mark.skipif(not HAVE_SECRET_SERVICE, reason="the CLI keeps secrets only in a real keyring")
@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT"])
def test_a_signal_during_backup_cancels_it_and_says_so(tmp_path, sandbox, control, sig):
    """SIGTERM (a shutdown during the scheduled job) killed `backup` silently and history then said
    the process died (restorability red); Ctrl+C waited for every backup to end. Now both cancel."""
    import signal
    import sys

    from app.sandbox import seed
    from tests.helpers import REPO, cli_env, wait_until

    keys = {r["app"]: f"{r['master_token']}:{r['user_token']}" for r in seed.credentials(sandbox.store)}
    for name, app in (("qa", "shop-qa"), ("dev", "shop-dev")):
        assert run(tmp_path, "profile", "add", name, "--url", sandbox.url, "--app", app, "--auth", "keys").returncode == 0
        assert run(tmp_path, "secret", "set", name, stdin=keys[app] + "\n").returncode == 0
    try:
        control.clear_requests()
        control.fault(path="/1/app/download", method="GET", delay=30)
        proc = subprocess.Popen(
            [sys.executable, "-m", "app", "--home", str(tmp_path), "backup", "--all", "--jobs", "1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=cli_env(),
            cwd=REPO,
        )
        assert wait_until(lambda: control.requests(path="/1/app/download"))
        proc.send_signal(getattr(signal, sig))
        out, err = proc.communicate(timeout=20)
        assert proc.returncode == 130, (proc.returncode, out, err)
        assert f"{sig}: cancelling" in err and "Traceback" not in err
        assert "cancelled" in out and "before it began" in out, out
        history = json.loads(run(tmp_path, "history", "--json").stdout)
        backups = [h for h in history if h["kind"] == "backup"]
        assert backups and all(h["status"] == "cancelled" for h in backups), backups
        later = run(tmp_path, "history")
        assert "died" not in later.stderr + later.stdout
    finally:
        control.clear_faults()
        from app.profiles import ProfileStore
        from app.secrets import SecretStore

        for profile in ProfileStore(tmp_path / "profiles.json").load():
            SecretStore().delete(profile)


def test_a_url_written_another_way_keeps_its_archive(ctx):
    """The same server typed with a trailing slash and another case: its backups, versions and
    drills were not found (restorability said "never backed up", the drill had no backup, and the
    next backup archived every version again)."""
    from app.engine.reads.restorability import restorability

    qa = ctx.profiles.get("qa")
    [first] = back_up_all(ctx, [qa])
    assert first.ok and first.versions, first.message
    respelled = replace(qa, base_url=qa.base_url.replace("http://", "HTTP://") + "/")
    [again] = back_up_all(ctx, [respelled])
    assert again.ok and again.added == [] and again.versions == [], again.message
    assert again.backup_id == first.backup_id
    assert restorability(ctx, respelled).backup_id == first.backup_id


def test_two_loopback_listeners_keep_their_own_versions(ctx):
    """[::1] and 127.0.0.1 on one port are two servers to the archive (the target lock takes them as
    one, to be careful): one's archived version never stands for the other's."""
    qa = ctx.profiles.get("qa")
    assert back_up_all(ctx, [qa])[0].versions
    port = qa.base_url.rsplit(":", 1)[1]
    assert ctx.archive.versions_archived_for(qa.base_url, qa.app)
    assert ctx.archive.versions_archived_for(f"http://[::1]:{port}", qa.app) == set()
    assert ctx.archive.newest_backup(f"http://[::1]:{port}/", qa.app) is None
    assert ctx.archive.newest_backup(f"HTTP://127.0.0.1:{port}/", qa.app) is not None
