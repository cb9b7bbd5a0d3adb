"""The source's export asked for first (app/engine/headstart.py): before the target's lock, in a new
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
from app.engine.plan import PromoteOptions
from app.engine.promote import plan_promotion, promote
from app.errors import SafetyRefusal
from app.paths import Home
from tests.conftest import HAVE_SECRET_SERVICE
from tests.helpers import REPO


def _downloads_left(ctx) -> list[str]:
    alive = [
        t.name for t in threading.enumerate() if t.name == "download source configuration" and t.is_alive()
    ]
    return alive + [p.name for p in ctx.home.tmp_dir.iterdir()]


def test_the_source_export_is_asked_for_before_the_target_is_locked(ctx, control):
    control.fault(path="/1/app/download", app="shop-dev", delay=0.2)  # fires once: shows it was asked
    with TargetLock(ctx.profiles.get("qa")), pytest.raises(SafetyRefusal, match="Another operation"):
        promote(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions())
    armed = requests.get(f"{control.url}/_sandbox/faults", timeout=10).json()
    assert armed == []  # the source's export was asked for (the fault fired) before the lock said no
    assert _downloads_left(ctx) == []  # and the refused promotion stopped it and removed its file


def test_a_promotion_takes_the_head_start_s_file_into_the_archive(ctx, control):
    result = promote(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions())
    assert result.status == "succeeded", result.message
    export = ctx.archive.get(result.export_id)
    assert export.kind == "export" and ctx.archive.path_of(export).is_file()
    assert _downloads_left(ctx) == []


def test_a_cancel_while_the_export_is_built_stops_it_and_writes_nothing(ctx, control):
    control.fault(path="/1/app/download", app="shop-dev", delay=1.0)
    cancel = CancelToken()

    def listen(event) -> None:
        if event.kind == "step" and event.step == "Download source configuration":
            cancel.cancel()

    result = promote(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions(), listen, cancel)
    assert result.status == "failed" and "Nothing was written" in result.message, result.message
    assert result.written == []
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
        "from app.engine import headstart\n"
        "seen = {}\n"
        "started = headstart.HeadStart.__init__\n"
        "def spy(self, *a, **k):\n"
        "    seen['engine'] = 'app.engine.promote' in sys.modules\n"
        "    started(self, *a, **k)\n"
        "headstart.HeadStart.__init__ = spy\n"
        "from app.cli.main import main\n"
        "code = main(sys.argv[1:])\n"
        "print('ENGINE-LOADED-FIRST' if seen.get('engine') else 'HEAD-START-FIRST' if seen else 'NO-HEAD-START')\n"
        "sys.exit(code)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PROMOTER_HOME"}
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
    old = time.time() - 3600
    for folder in (left, mine):
        os.utime(folder, (old, old))
    assert (
        promote(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions()).status == "succeeded"
    )
    assert not left.exists() and recent.exists() and mine.exists()
