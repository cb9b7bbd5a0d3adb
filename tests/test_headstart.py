"""The source's export asked for first (app/engine/reads/headstart.py): before the target's lock, in a new
process before the engine is imported; whatever becomes of the promotion, nothing is left running
or behind, and a failure or a cancel is reported at the plan's own step."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from app import settings
from app.engine.context import Context
from app.engine.events import CancelToken
from app.engine.lock import TargetLock
from app.engine.ops.promote import plan_promotion, promote
from app.engine.reads.plan import PromoteOptions
from app.errors import SafetyRefusal
from app.paths import Home
from tests.conftest import HAVE_SECRET_SERVICE
from tests.helpers import REPO, cli_env


def _downloads_left(ctx) -> list[str]:
    alive = [
        t.name for t in threading.enumerate() if t.name == "download source configuration" and t.is_alive()
    ]
    return alive + [p.name for p in ctx.home.tmp_dir.iterdir()]


def _armed(control) -> list[dict]:
    return list(requests.get(f"{control.url}/_sandbox/faults", timeout=10).json())


def test_the_source_export_is_asked_for_before_the_target_is_locked(ctx, control):
    """…and a refusal does not wait for it: the download is cut short, not awaited (the server
    takes 10 s to answer here)."""
    control.fault(path="/1/app/download", app="shop-dev", delay=10.0)  # fires once: shows it was asked
    began = time.monotonic()
    with TargetLock(ctx.profiles.get("qa")), pytest.raises(SafetyRefusal, match="Another operation"):
        promote(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions())
    assert time.monotonic() - began < 5  # generous; it was the whole 10 s before close() cut it
    armed = _armed(control)
    assert armed == []  # the source's export was asked for (the fault fired) before the lock said no
    assert _downloads_left(ctx) == []  # and the refused promotion stopped it and removed its file


def test_a_promotion_takes_the_head_start_s_file_into_the_archive(ctx, control):
    """The export the head start downloaded is the one archived: the source is asked once."""
    control.fault(path="/1/app/download", app="shop-dev", times=10)  # changes nothing; counts calls
    result = promote(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions())
    assert result.status == "succeeded", result.message
    export = ctx.archive.get(result.export_id)
    assert export.kind == "export" and ctx.archive.path_of(export).is_file()
    assert [f["times"] for f in _armed(control)] == [9]  # one download of dev's export, not two
    assert _downloads_left(ctx) == []


def test_a_cancel_while_the_export_is_built_stops_it_and_writes_nothing(ctx, control):
    """Cancelled while the server still builds the export (no byte sent yet): it stops then."""
    control.fault(path="/1/app/download", app="shop-dev", delay=10.0)
    cancel = CancelToken()
    began = time.monotonic()

    def listen(event) -> None:
        if event.kind == "step" and event.step == "Download source configuration":
            cancel.cancel()

    result = promote(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions(), listen, cancel)
    assert time.monotonic() - began < 5  # generous: not the server's 10 s
    assert result.status == "failed" and "Nothing was written" in result.message, result.message
    assert "cancelled" in result.message.lower() and result.written == []
    assert _downloads_left(ctx) == []


def test_a_source_without_a_secret_fails_where_it_always_did(ctx, secret_store):
    """No head start then: the plan's Connect step says what is missing, as before."""
    secret_store.delete(ctx.profiles.get("dev"))
    result = plan_promotion(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"))
    assert result.status == "failed" and "No secret stored for profile dev" in result.message
    assert [s["name"] for s in result.steps] == ["Connect"]


def test_an_archive_on_another_file_system_gets_the_file_copied(tmp_path, sandbox, secret_store):
    """The scratch folder is in the home; the archive may be kept elsewhere (settings)."""
    elsewhere = Path("/dev/shm")
    if not elsewhere.is_dir() or os.stat(elsewhere).st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("no second file system (/dev/shm) on this machine")
    from tests.engine_helpers import wire

    archive = elsewhere / f"promoter-test-{os.getpid()}-{tmp_path.name}"
    home = Home(tmp_path / "home")
    home.ensure()
    settings.save(home.settings_file, settings.Settings(archive_dir=str(archive)))
    try:
        ctx = wire(home.root, sandbox, secret_store)
        result = promote(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions())
        assert result.status == "succeeded", result.message
        export = ctx.archive.get(result.export_id)
        assert ctx.archive.path_of(export).is_relative_to(archive)
        assert list(home.tmp_dir.iterdir()) == []
        ctx.close()
    finally:
        import shutil

        shutil.rmtree(archive, ignore_errors=True)


@pytest.mark.skipif(
    not HAVE_SECRET_SERVICE, reason="a second process reads the secrets: needs a Secret Service"
)
def test_the_command_line_starts_the_download_before_it_imports_the_engine(tmp_path, sandbox, secret_store):
    """``promoter promote --yes`` asks for the source's export before importing the engine: the
    download is under way while the engine's modules load."""
    from tests.engine_helpers import wire

    ctx: Context = wire(tmp_path / "home", sandbox, secret_store)
    probe = (
        "import sys, threading\n"
        "from app.cli import cmd_promote\n"
        "from app.engine.reads import headstart\n"
        "seen = {}\n"
        "started = headstart.HeadStart.__init__\n"
        "def spy(self, *a, **k):\n"
        "    seen['engine'] = 'app.engine.ops.promote' in sys.modules\n"
        "    started(self, *a, **k)\n"
        "headstart.HeadStart.__init__ = spy\n"
        "from app.cli.main import main\n"
        "code = main(sys.argv[1:])\n"
        "print('ENGINE-LOADED-FIRST' if seen.get('engine') else 'HEAD-START-FIRST' if seen else 'NO-HEAD-START')\n"
        "sys.exit(code)\n"
    )
    env = cli_env()
    try:
        done = subprocess.run(
            [sys.executable, "-c", probe, "--home", str(ctx.home.root), "promote", "dev", "qa", "--yes"],
            capture_output=True,
            text=True,
            env=env,
            cwd=REPO,
            timeout=120,
            check=False,
        )
    finally:
        for profile in ctx.profiles.load():
            secret_store.delete(profile)
        ctx.close()
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("HEAD-START-FIRST"), done.stdout


def test_a_head_start_left_by_a_killed_promoter_is_removed_by_the_next(ctx, control):
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid = int(gone.stdout)
    tmp = ctx.home.tmp_dir
    left = tmp / f"headstart-{dead_pid}-abc"
    left.mkdir(parents=True)
    (left / ".export.zip.x.part").write_bytes(b"half a zip")
    recent = tmp / f"headstart-{dead_pid}-def"  # too recent to judge (a shared disk's other machine)
    recent.mkdir()
    mine = tmp / f"headstart-{os.getpid()}-ghi"  # a live process's
    mine.mkdir()
    busy = tmp / f"headstart-{dead_pid}-jkl"  # a download under way (another machine's): its file moves
    busy.mkdir()
    (busy / ".export.zip.y.part").write_bytes(b"arriving")
    old = time.time() - 3600
    for folder in (left, mine, busy, left / ".export.zip.x.part"):
        os.utime(folder, (old, old))
    assert (
        promote(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions()).status == "succeeded"
    )
    assert not left.exists() and recent.exists() and mine.exists() and busy.exists()


def test_a_head_start_that_cannot_keep_its_file_is_replaced_by_a_download(ctx, control, monkeypatch):
    """A full or read-only scratch folder (the archive may be on another disk) is no reason to fail:
    the plan downloads as it would have without a head start. (The write's failure is injected: a
    full disk cannot be made on demand here.)"""
    import errno

    from app.engine.reads import headstart

    def full(self, stopped):
        raise OSError(errno.ENOSPC, "No space left on device", str(self._path))

    monkeypatch.setattr(headstart.HeadStart, "_download", full)
    result = promote(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions())
    assert result.status == "succeeded", result.message
    assert ctx.archive.path_of(ctx.archive.get(result.export_id)).is_file()
    assert _downloads_left(ctx) == []


def test_a_head_start_for_another_profile_is_not_used(ctx, control):
    """The CLI begins one from the profiles file before the engine reads it again: if the file
    changed in between, what was begun is dropped, not archived under the wrong profile."""
    from app.engine.reads.headstart import HeadStart

    qa = ctx.profiles.get("qa")
    head = HeadStart.begin(qa, ctx.secrets, ctx.settings, ctx.home.tmp_dir)
    assert head is not None
    result = promote(ctx, ctx.profiles.get("dev"), qa, PromoteOptions(), head=head, begin_head=False)
    assert result.status == "succeeded", result.message
    export = ctx.archive.get(result.export_id)
    assert export.app == "shop-dev" and export.profile == "dev"
    assert _downloads_left(ctx) == []


@pytest.mark.skipif(
    not HAVE_SECRET_SERVICE, reason="a second process reads the secrets: needs a Secret Service"
)
@pytest.mark.parametrize("command", ["promote", "plan"])
def test_ctrl_c_while_the_head_start_waits_for_the_server_ends_at_once(
    tmp_path, sandbox, control, secret_store, command
):
    """SIGINT is a cancel from before the download begins: the command ends promptly (not when the
    server answers), writes nothing, and leaves no file."""
    import signal

    from tests.engine_helpers import wire
    from tests.helpers import wait_until

    ctx: Context = wire(tmp_path / "home", sandbox, secret_store)
    qa_before = control.state("shop-qa")
    control.fault(path="/1/app/download", app="shop-dev", delay=15.0)
    extra = ["--yes"] if command == "promote" else []
    env = cli_env()
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "--home", str(ctx.home.root), command, "dev", "qa", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )
    try:
        assert wait_until(lambda: _armed(control) == [], 30), "the export was never asked for"
        began = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        assert time.monotonic() - began < 8, "it waited for the server"  # generous: the server takes 15 s
    finally:
        if proc.poll() is None:
            proc.kill()
        for profile in ctx.profiles.load():
            secret_store.delete(profile)
        ctx.close()
    assert proc.returncode != 0 and "cancel" in (out + err).lower(), out + err
    assert "Traceback" not in err
    assert list(ctx.home.tmp_dir.iterdir()) == []
    qa_after = control.state("shop-qa")
    assert (qa_after["stored_version"], qa_after["model"]) == (
        qa_before["stored_version"],
        qa_before["model"],
    )
