"""The fault matrix: every step of a promotion × every fault the sandbox injects, run through the
real command line against a real sandbox; plus kill -9 during a download and during an upload.

``python -m tests.faults.matrix [--write docs/reliability.md]`` (``make faults``) prints one line
per row and ``N passed, N failed``; ``tests/test_faults.py`` runs the same rows under pytest.
"""

from __future__ import annotations

import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from app.backand import BackandClient, PasswordLogin
from app.configdoc.dataset import read_config_zip
from app.configdoc.diff import fingerprint
from app.engine import connect
from app.engine.lock import TargetLock
from app.paths import Home
from app.profile import Profile
from app.profiles import ProfileStore
from app.sandbox import seed
from app.sandbox.server import SandboxServer
from app.secrets import SecretStore
from app.settings import Settings, save
from tests.helpers import cli_env, wait_until

REPO = Path(__file__).resolve().parents[2]
READ_TIMEOUT = 1.5

STEPS: dict[str, dict[str, Any]] = {
    "validate": {"path": "/1/model/validate", "method": "POST", "app": "shop-qa"},
    "model apply": {"path": "/1/model", "method": "POST", "app": "shop-qa"},
    "download": {"path": "/1/app/download", "method": "GET", "app": "shop-dev"},
    "upload": {"path": "/1/app/upload", "method": "POST", "app": "shop-qa"},
    "reload": {"path": "/1/app/reload", "method": "GET", "app": "shop-qa"},
    "verify": {"path": "/1/app/download", "method": "GET", "app": "shop-qa", "skip": 1},
}
FAULTS: dict[str, dict[str, Any]] = {
    "HTTP 500": {"status": 500},
    "HTTP 417": {"status": 417, "body": "Invalid schema: (1) injected by the fault matrix"},
    "HTTP 413": {"status": 413, "body": "The request is too large (injected)"},
    "401 expired mid-run": {"expire_tokens": True},
    "204 not ready": {"status": 204},
    "dropped mid-body": {"drop_after": 64},
    "read timeout": {"delay": READ_TIMEOUT * 2},
    "slow server": {"delay": 0.4},
}


@dataclass
class Row:
    step: str
    fault: str
    exit_code: int
    status: str
    message: str
    target: str  # "as before", "equal to source", or what is wrong
    ok: bool
    problems: list[str]

    def line(self) -> str:
        verdict = "PASS" if self.ok else "FAIL"
        return f"{verdict} {self.step:<12} {self.fault:<20} exit {self.exit_code} {self.status:<12} {self.target}"


class Rig:
    """A sandbox, a home with password profiles dev and qa, and a way to run the CLI against them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.server = SandboxServer(root / "sandbox").start()
        self.home = Home(root / "home").ensure()
        self.secrets = SecretStore()
        save(self.home.settings_file, Settings(read_timeout=READ_TIMEOUT, retries=1))
        store = ProfileStore(self.home.profiles_file)
        for name, app, stage in (("dev", "shop-dev", 1), ("qa", "shop-qa", 2)):
            store.upsert(
                Profile(name=name, base_url=self.server.url, app=app, username=seed.ADMIN[0], stage=stage)
            )

    def close(self) -> None:
        self.server.stop()
        for profile in ProfileStore(self.home.profiles_file).load():
            self.secrets.delete(profile)

    def reset(self) -> None:
        requests.post(f"{self.server.url}/_sandbox/reset", timeout=30).raise_for_status()
        for name in ("dev", "qa"):
            connect.login(ProfileStore(self.home.profiles_file).get(name), self.secrets, seed.ADMIN[1])

    def fault(self, spec: dict[str, Any]) -> None:
        requests.post(f"{self.server.url}/_sandbox/faults", json=spec, timeout=10).raise_for_status()

    def clear(self) -> None:
        requests.delete(f"{self.server.url}/_sandbox/faults", timeout=10).raise_for_status()

    def snapshot(self, app: str) -> tuple[Any, str, bool]:
        """The app's model, configuration fingerprint and whether its cache is fresh."""
        client = BackandClient(self.server.url, app, PasswordLogin(seed.ADMIN[0]), retries=2)
        client.sign_in(seed.ADMIN[1])
        with tempfile.TemporaryDirectory() as scratch:
            path = client.download_config(Path(scratch) / "c.zip").path
            print_ = fingerprint(read_config_zip(path))
        state = requests.get(f"{self.server.url}/_sandbox/apps/{app}", timeout=10).json()
        model = client.get_model()
        client.close()
        return model, print_, not state["cache_stale"]

    def cli(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        env = cli_env()
        return subprocess.run(
            [sys.executable, "-m", "app", "--home", str(self.home.root), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=REPO,
            env=env,
            check=False,
        )

    def popen(self, *args: str) -> subprocess.Popen[str]:
        env = cli_env()
        return subprocess.Popen(
            [sys.executable, "-m", "app", "--home", str(self.home.root), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env=env,
        )


def run_row(rig: Rig, step: str, fault: str) -> Row:
    rig.reset()
    before = rig.snapshot("shop-qa")
    source = rig.snapshot("shop-dev")
    rig.fault({**STEPS[step], **FAULTS[fault], "times": 1})
    result = rig.cli("promote", "dev", "qa", "--yes", "--json")
    rig.clear()
    problems: list[str] = []
    try:
        doc = json.loads(result.stdout)
    except ValueError:
        doc = {"status": "?", "message": result.stderr.strip()[-200:]}
        problems.append("no JSON document on stdout")
    if "Traceback" in result.stderr:
        problems.append("a traceback was printed")
    if not doc.get("message"):
        problems.append("no message")
    after = rig.snapshot("shop-qa")
    if result.returncode == 0:
        target = "equal to source" if after[:2] == source[:2] else "NOT equal to source"
        if doc.get("status") != "succeeded" or target != "equal to source":
            problems.append(f"exit 0 but {target}")
    elif result.returncode == 1:
        target = "as before" if after[:2] == before[:2] else "NOT as before"
        if doc.get("status") not in ("failed", "rolled_back") or target != "as before":
            problems.append(f"exit 1 with status {doc.get('status')} and target {target}")
    else:
        target = "?"
        problems.append(f"unexpected exit {result.returncode}")
    if not after[2]:
        problems.append("the target's cache is stale")
    history = json.loads(rig.cli("history", "--json", "--limit", "1").stdout)
    if not history or history[0]["status"] != doc.get("status"):
        problems.append("history does not record the outcome")
    verify = rig.cli("archive", "verify")
    if verify.returncode != 0:
        problems.append("archive verify found a problem")
    message = str(doc.get("message", ""))
    return Row(
        step, fault, result.returncode, str(doc.get("status")), message, target, not problems, problems
    )


def _big_source(rig: Rig) -> None:
    """A 12 MiB configuration in dev, so that its upload to qa lasts long enough to interrupt."""
    from tests.helpers import big_config_zip

    dev = BackandClient(rig.server.url, "shop-dev", PasswordLogin(seed.ADMIN[0]))
    dev.sign_in(seed.ADMIN[1])
    with tempfile.TemporaryDirectory() as scratch:
        dev.upload_config(big_config_zip(Path(scratch) / "big.zip", 12))
    dev.reload_cache()
    dev.close()


def run_kill(rig: Rig, during: str) -> Row:
    """kill -9 the CLI during a transfer; then: no half-written entry listed, the lock released, the
    interrupted run reported, and the next promotion works."""
    rig.reset()
    _big_source(rig)
    entries_before = json.loads(rig.cli("archive", "list", "--all", "--json").stdout)
    if during == "download":
        rig.fault({**STEPS["download"], "slow_body": 0.05})
    else:
        rig.fault({**STEPS["upload"], "slow_body": 0.05})
    proc = rig.popen("promote", "dev", "qa", "--yes")
    problems: list[str] = []
    if during == "download":
        # the source's export is asked for first, into the home's scratch folder (engine/headstart.py);
        # the kill comes once the run has begun and reports the download's progress, mid-file
        started = wait_until(lambda: _stderr_has(proc, "Download source configuration:"), 60) and any(
            rig.home.root.rglob(".*.part")
        )
    else:
        started = wait_until(lambda: _stderr_has(proc, "Upload configuration:"), 120)
    if not started:
        problems.append(f"the {during} never started")
    _kill_9(proc)
    rig.clear()
    listed = json.loads(rig.cli("archive", "list", "--all", "--json").stdout)
    new = [e for e in listed if e["id"] not in {x["id"] for x in entries_before}]
    bad = [e for e in new if not Path(e["path"]).exists()]
    if bad:
        problems.append(f"entries listed without a complete file: {bad}")
    if during == "download" and [e for e in new if e["app"] == "shop-dev"]:
        problems.append("the interrupted download was listed")
    try:
        with TargetLock(ProfileStore(rig.home.profiles_file).get("qa")):
            pass
    except Exception as exc:
        problems.append(f"the lock was not released: {exc}")
    again = rig.cli("promote", "dev", "qa", "--yes", "--json")
    if "Interrupted" not in again.stderr:
        problems.append("the interrupted run was not reported")
    status = json.loads(again.stdout).get("status") if again.stdout.strip().startswith("{") else "?"
    if again.returncode != 0 or status != "succeeded":
        problems.append(f"the next promotion did not work: exit {again.returncode} {again.stderr[-300:]}")
    source, after = rig.snapshot("shop-dev"), rig.snapshot("shop-qa")
    if after[:2] != source[:2]:
        problems.append("after the next promotion the target is not equal to the source")
    history = json.loads(rig.cli("history", "--json").stdout)
    if not any(h["status"] == "interrupted" for h in history):
        problems.append("history does not show the interrupted run")
    return Row(
        f"kill -9 during {during}",
        "SIGKILL",
        -9,
        "interrupted",
        "then the next promotion",
        "equal to source after the next run",
        not problems,
        problems,
    )


def _outcome(rig: Rig, proc: subprocess.Popen[str]) -> tuple[int, dict[str, Any], str]:
    out, err = proc.communicate(timeout=300)
    try:
        doc = json.loads(out)
    except ValueError:
        doc = {"status": "?", "message": err.strip()[-300:]}
    return proc.returncode, doc, err


def run_signal(rig: Rig, sig: signal.Signals) -> Row:
    """SIGINT / SIGTERM while the configuration is being uploaded: a cancel, then the rollback."""
    rig.reset()
    _big_source(rig)
    before = rig.snapshot("shop-qa")
    rig.fault({**STEPS["upload"], "slow_body": 0.05})
    proc = rig.popen("promote", "dev", "qa", "--yes")  # steps are printed to stderr without --json
    problems: list[str] = []
    if not wait_until(lambda: _stderr_has(proc, "Upload configuration:"), 120):
        problems.append("the upload never started")
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=300)
    code = proc.returncode
    rig.clear()
    after = rig.snapshot("shop-qa")
    runs = json.loads(rig.cli("history", "--json", "--limit", "1").stdout)
    doc = runs[0] if runs else {}
    target = "as before" if after[:2] == before[:2] else "NOT as before"
    if code != 1 or doc.get("status") != "rolled_back":
        problems.append(f"exit {code} with status {doc.get('status')}")
    if target != "as before" or not after[2]:
        problems.append(f"target {target}, cache fresh: {after[2]}")
    if "Traceback" in err or "rolled_back" not in out:
        problems.append("a traceback was printed, or no result line")
    if not doc.get("plan", {}).get("undone"):
        problems.append("history does not record what was written and undone")
    return Row(
        "upload",
        sig.name,
        code,
        str(doc.get("status")),
        str(doc.get("message", "")),
        target,
        not problems,
        problems,
    )


def run_unsettled(rig: Rig) -> Row:
    """A model apply that outlasts the read timeout *and* the settle time: exit 5, nothing claimed;
    once it has landed, the printed recovery command puts the whole target back."""
    rig.reset()
    before = rig.snapshot("shop-qa")
    save(rig.home.settings_file, Settings(read_timeout=READ_TIMEOUT, retries=1, settle_seconds=2))
    rig.fault({**STEPS["model apply"], "delay": 8.0})
    try:
        result = rig.cli("promote", "dev", "qa", "--yes", "--json")
    finally:
        save(rig.home.settings_file, Settings(read_timeout=READ_TIMEOUT, retries=1))
        rig.clear()
    problems: list[str] = []
    doc = json.loads(result.stdout) if result.stdout.strip().startswith("{") else {}
    message = str(doc.get("message", ""))
    if result.returncode != 5 or doc.get("status") != "unknown":
        problems.append(f"exit {result.returncode} with status {doc.get('status')}")
    if "as it was before" in message:
        problems.append("claimed the target is as before")
    command = message.rpartition("with: ")[2].split()
    if command[:4] != ["promoter", "restore", "qa", str(doc.get("backup_id"))]:
        problems.append("no recovery command")
        command = ["promoter", "restore", "qa", str(doc.get("backup_id"))]
    if not wait_until(lambda: rig.snapshot("shop-qa")[0] != before[0], 30):
        problems.append("the late write never landed")
    recovery = rig.cli(*command[1:], "--yes")  # exactly what was printed
    after = rig.snapshot("shop-qa")
    target = "as before after the recovery" if after[:2] == before[:2] else "NOT as before"
    if recovery.returncode != 0 or "NOT" in target:
        problems.append(f"recovery: exit {recovery.returncode}, target {target}")
    return Row(
        "model apply",
        "never settles",
        result.returncode,
        str(doc.get("status")),
        message,
        target,
        not problems,
        problems,
    )


def run_kill_then_recover(rig: Rig, phase: str) -> Row:
    """kill -9 while a write is under way; then the recovery command that history prints."""
    rig.reset()
    if phase == "upload":
        _big_source(rig)
    before = rig.snapshot("shop-qa")
    fault = {"model apply": {"delay": 2.0}, "upload": {"slow_body": 0.05}}[phase]
    rig.fault({**STEPS[phase], **fault})
    proc = rig.popen("promote", "dev", "qa", "--yes")
    problems: list[str] = []
    if not wait_until(
        lambda: _stderr_has(proc, "Apply model" if phase == "model apply" else "Upload configuration"), 120
    ):
        problems.append(f"the {phase} never started")
    _kill_9(proc)
    rig.clear()
    if phase == "model apply":  # the server still carries out the request it received
        wait_until(lambda: rig.snapshot("shop-qa")[0] != before[0], 30)
    listing = rig.cli("history", "--limit", "1")
    history = json.loads(rig.cli("history", "--json", "--limit", "1").stdout)
    message = history[0]["message"] if history else ""
    command = message.rpartition("with: ")[2].split()
    if history[0]["status"] != "interrupted" or command[:2] != ["promoter", "restore"]:
        problems.append(f"no recovery command in history: {message!r} {listing.stderr[-200:]}")
        command = ["promoter", "restore", "qa", "0"]
    recovery = rig.cli(*command[1:], "--yes")
    after = rig.snapshot("shop-qa")
    target = "as before after the recovery" if after[:2] == before[:2] else "NOT as before"
    if recovery.returncode != 0 or "NOT" in target or not after[2]:
        problems.append(f"recovery {' '.join(command)}: exit {recovery.returncode}, target {target}")
    return Row(
        f"kill -9 during {phase}",
        "SIGKILL + recovery",
        -9,
        "interrupted",
        " ".join(command),
        target,
        not problems,
        problems,
    )


def run_disk_full(rig: Rig) -> Row:
    """A full disk while the verify download is archived (in-process: the archive's write raises
    ENOSPC, since a full disk cannot be made on demand here), then the automatic rollback."""
    import errno

    from app.cli import exitcodes
    from app.engine.context import Context
    from app.engine.ops.promote import promote
    from app.engine.reads.plan import PromoteOptions

    rig.reset()
    before = rig.snapshot("shop-qa")
    ctx = Context(rig.home, rig.secrets)
    real_add = ctx.archive.add_file

    def add_file(write: Any, **kwargs: Any) -> Any:
        if str(kwargs.get("note", "")).startswith("after promotion"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_add(write, **kwargs)

    ctx.archive.add_file = add_file  # type: ignore[method-assign]
    try:
        profiles = ProfileStore(rig.home.profiles_file)
        result = promote(ctx, profiles.get("dev"), profiles.get("qa"), PromoteOptions(yes=True))
    finally:
        ctx.close()
    after = rig.snapshot("shop-qa")
    target = "as before" if after[:2] == before[:2] else "NOT as before"
    problems = []
    if result.status != "rolled_back" or "No space left" not in result.message or "NOT" in target:
        problems.append(f"{result.status}: {result.message}; target {target}")
    return Row(
        "verify",
        "ENOSPC (in-process)",
        exitcodes.for_result(result),
        result.status.value,
        result.message,
        target,
        not problems,
        problems,
    )


def _row(step: str, fault: str, code: int, doc: dict[str, Any], target: str, problems: list[str]) -> Row:
    return Row(
        step, fault, code, str(doc.get("status")), str(doc.get("message", "")), target, not problems, problems
    )


def _json(text: str) -> dict[str, Any]:
    try:
        doc = json.loads(text)
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}


def run_regex_sigint(rig: Rig) -> Row:
    """Issue 25 #6: a backtracking replace rule already in qa's profile (a hand edit): the promotion
    runs it bounded, and SIGINT while it runs ends the command within seconds, nothing written."""
    from tests.test_cli_rules import _regex_children

    rig.reset()
    before = rig.snapshot("shop-qa")
    path = rig.home.profiles_file
    saved = path.read_text()
    doc = json.loads(saved)
    qa = next(p for p in doc["profiles"] if p["name"] == "qa")
    qa["rules"] = [
        {
            "id": 1,
            "kind": "replace",
            "selector": "Rule[Validate price].Code",
            "find": "(?:[^@]+)+@",
            "with": "x",
            "regex": True,
        }
    ]
    path.write_text(json.dumps(doc))
    problems: list[str] = []
    try:
        proc = rig.popen("promote", "dev", "qa", "--yes", "--json")
        if not wait_until(lambda: bool(_regex_children(proc.pid)) or proc.poll() is not None, 60):
            problems.append("the expression never ran")
        proc.send_signal(signal.SIGINT)
        stopped = time.monotonic()
        out, err = proc.communicate(timeout=120)
        took = time.monotonic() - stopped
    finally:
        path.write_text(saved)
    result = _json(out)
    after = rig.snapshot("shop-qa")
    target = "as before" if after[:2] == before[:2] else "NOT as before"
    if took > 10:
        problems.append(f"SIGINT took {took:.0f} s")
    if proc.returncode != 1 or result.get("status") != "failed" or result.get("written"):
        problems.append(
            f"exit {proc.returncode}, status {result.get('status')}, written {result.get('written')}"
        )
    if "Traceback" in err or target != "as before":
        problems.append(f"traceback or target {target}")
    return _row("plan (rules)", "regex rule + SIGINT", proc.returncode, result, target, problems)


def run_trickling_small_call(rig: Rig) -> Row:
    """A server trickling a small JSON answer a byte at a time (`promoter check`): the call ends at
    the small-call deadline (here 3 s), not the 900 s a configuration transfer may take."""
    from tests.hostile_server import hostile

    save(rig.home.settings_file, Settings(read_timeout=READ_TIMEOUT, retries=1, small_call_deadline=3))
    store = ProfileStore(rig.home.profiles_file)
    problems: list[str] = []
    with hostile("trickle-body") as url:
        profile = store.upsert(Profile(name="slow", base_url=url, app="shop-qa", auth="token", stage=9))
        rig.secrets.set(profile, "t0ken-for-the-matrix")
        began = time.monotonic()
        try:
            result = rig.cli("check", "slow", timeout=120)
        finally:
            took = time.monotonic() - began
            rig.secrets.delete(profile)
            store.remove("slow")
            save(rig.home.settings_file, Settings(read_timeout=READ_TIMEOUT, retries=1))
    said = (result.stdout + result.stderr).strip()
    if result.returncode != 1 or "within 3 s" not in said or "Traceback" in said:
        problems.append(f"exit {result.returncode}: {said[-200:]}")
    if took > 30:
        problems.append(f"took {took:.0f} s")
    doc = {"status": "failed", "message": said.splitlines()[-1] if said else ""}
    return _row("check", "trickling small answer", result.returncode, doc, "nothing written", problems)


def run_lost_answer_settled(rig: Rig) -> Row:
    """The upload's answer is lost but the upload lands: the run succeeds and its message, --json
    and history say "the answer was lost; the target held what was sent (settled after N s)"."""
    rig.reset()
    rig.fault({**STEPS["upload"], "delay": READ_TIMEOUT * 2})
    try:
        result = rig.cli("promote", "dev", "qa", "--yes", "--json")
    finally:
        rig.clear()
    doc = _json(result.stdout)
    said = "the answer was lost; the target held what was sent (settled after"
    runs = _json('{"runs": ' + (rig.cli("history", "--json", "--limit", "1").stdout or "[]") + "}")
    recorded = (runs.get("runs") or [{}])[0]
    after = rig.snapshot("shop-qa")
    target = "equal to source" if after[1] == rig.snapshot("shop-dev")[1] else "NOT equal to source"
    problems: list[str] = []
    if result.returncode != 0 or doc.get("status") != "succeeded" or target != "equal to source":
        problems.append(f"exit {result.returncode}, status {doc.get('status')}, target {target}")
    if said not in str(doc.get("message")) or said not in json.dumps(doc.get("steps")):
        problems.append("the message or the step does not say the answer was lost")
    if said not in json.dumps(recorded):
        problems.append("history does not say the answer was lost")
    return _row("upload", "answer lost, settled", result.returncode, doc, target, problems)


def run_ctrl_c_at_start(rig: Rig) -> Row:
    """Ctrl+C while the command line is still importing: one line, exit 130, no traceback."""
    from tests.test_robust_cli import INTERRUPT_AT_IMPORT

    result = subprocess.run(
        [sys.executable, "-c", INTERRUPT_AT_IMPORT, "app.cli.main", "--home", str(rig.home.root), "history"],
        capture_output=True,
        text=True,
        env=cli_env(),
        cwd=REPO,
        timeout=60,
        check=False,
    )
    message = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else ""
    problems: list[str] = []
    if result.returncode != 130 or "Traceback" in result.stderr or message != "promoter: interrupted":
        problems.append(f"exit {result.returncode}: {result.stderr.strip()[-200:]}")
    doc = {"status": "interrupted", "message": message}
    return _row("start-up", "Ctrl+C while importing", result.returncode, doc, "untouched", problems)


def run_swapped_backup(rig: Rig) -> Row:
    """Issue 25 #7: a backup whose file was replaced by another valid zip is named, never uploaded:
    the undo writes nothing and does not say "verified"."""
    import shutil

    from app.archive import Archive

    rig.reset()
    done = _json(rig.cli("promote", "dev", "qa", "--yes", "--json").stdout)
    before = rig.snapshot("shop-qa")
    archive = Archive(rig.home.archive_dir)
    try:
        backup, other = archive.get(int(done["backup_id"])), archive.get(int(done["export_id"]))
        swapped = archive.path_of(backup)
        swapped.unlink()
        shutil.copyfile(archive.path_of(other), swapped)
    finally:
        archive.close()
    result = rig.cli("undo", str(done["run_id"]), "--yes", "--allow-data-loss", "--json")
    doc = _json(result.stdout) or {"status": "?", "message": result.stderr.strip()[-300:]}
    after = rig.snapshot("shop-qa")
    target = "as before" if after[:2] == before[:2] else "NOT as before"
    message = str(doc.get("message", ""))
    problems: list[str] = []
    if result.returncode == 0 or doc.get("written") or target != "as before":
        problems.append(f"exit {result.returncode}, written {doc.get('written')}, target {target}")
    if f"#{backup.id}" not in message or "verified" in message.replace("archive verify", ""):
        problems.append("the swapped backup is not named, or the undo claims verified")
    return _row("undo", "swapped backup file", result.returncode, doc, target, problems)


ISSUE_25 = {
    "regex rule + SIGINT": run_regex_sigint,
    "trickling small call": run_trickling_small_call,
    "lost answer settled": run_lost_answer_settled,
    "Ctrl+C at start-up": run_ctrl_c_at_start,
    "swapped backup": run_swapped_backup,
}
SPECIALS = [
    "SIGINT",
    "SIGTERM",
    "never settles",
    "kill model apply",
    "kill upload",
    "disk full",
    *ISSUE_25,
]


def run_special(rig: Rig, name: str) -> Row:
    if name in ISSUE_25:
        return ISSUE_25[name](rig)
    if name in ("SIGINT", "SIGTERM"):
        return run_signal(rig, signal.Signals[name])
    if name == "never settles":
        return run_unsettled(rig)
    if name.startswith("kill "):
        return run_kill_then_recover(rig, name.removeprefix("kill "))
    return run_disk_full(rig)


def _kill_9(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    for stream in (proc.stdout, proc.stderr):
        if stream:
            stream.close()


def _stderr_has(proc: subprocess.Popen[str], text: str) -> bool:
    import select

    assert proc.stderr is not None
    while select.select([proc.stderr], [], [], 0)[0]:
        line = proc.stderr.readline()
        if not line:
            return False
        if text in line:
            return True
    return False


def all_rows() -> list[tuple[str, str]]:
    return [(step, fault) for step in STEPS for fault in FAULTS]


HOSTILE = """## Hostile input

Each case has a test in `make test` (the file in brackets); in each, nothing is written to a server,
the archive or the home beyond what the row says.

| case | what the user sees | exit |
|---|---|---|
| a server echoing the keys, a bearer or basic credential in its errors | the text with `***` in its place, on stderr, in `--json`, in history and logs (`test_corpus.py`, `test_safe_writes_attacks.py`) | as the failure |
| `http://host\\@127.0.0.1`, userinfo, `2130706433`, `0177.0.0.1`, `0x7f.0.0.1`, `127.1`, `[fe80::1%25eth0]`, `127.0.0.1.`, unicode dots | "Base URL … has a backslash …" / "… user name or password …" / "… four decimal numbers …" / "… not a plain host[:port]" (`test_url_policy.py`) | 2 |
| a server trickling its headers or its body one byte at a time | "no complete answer within N s (the overall deadline)" (`test_hostile_server.py`) | 1 |
| an endless JSON answer / an endless error body | "the answer is larger than 8 MiB; refused" / the first 8 MiB of the error's text; memory bounded (`test_hostile_server.py`) | 1 |
| a download announcing gigabytes, or trickling | "… not a configuration zip" / "… slower than 16 KiB/s; gave up"; no file left (`test_hostile_server.py`) | 1 |
| a JSON answer or a model file nested 100,000 deep | "nested too deeply" (`test_bad_input.py`) | 1 / 2 |
| a relation given as a list, a type given as a list | "'object' must be a name, not a list" as an invalid model (`test_bad_input.py`) | 3 |
| corrupt deflate data, UTF-16 or Latin-1 documents in a zip | "… is truncated or unreadable" / "… is UTF-16 …" / "… declares the encoding ISO-8859-1 …"; nothing archived (`test_bad_input.py`) | 2 |
| a damaged `history.sqlite` or `archive/index.sqlite` | "… is damaged (…). Move it aside (mv …) …"; other commands still work (`test_bad_input.py`) | 2 |
| `PYTHON_KEYRING_BACKEND=nonsense` | "The keyring backend 'nonsense…' cannot be loaded …" (`test_bad_input.py`) | 2 |
| profile names with control characters or a trailing newline; `"allow_insecure_http": "false"` | "use letters, digits …" / "profile 'qa' has allow_insecure_http = 'false', which is not true or false" (`test_bad_input.py`) | 2 |
| a second home's profile of the same name; a profile pointed at another URL | no secret: "No secret stored for profile qa …" (`test_secrets.py`, `test_cli.py`) | 4 |
"""


def write_report(path: Path, rows: list[Row], seconds: float) -> None:
    passed = sum(r.ok for r in rows)
    lines = [
        "# Reliability: the fault matrix",
        "",
        "Every step of a promotion × every fault the sandbox injects, run through the real `promoter`",
        "command line against a real sandbox (`make faults`). For each row: the exit status, the result,",
        "the message, and the target's model and configuration compared with before (or with the source",
        "when the promotion still succeeded); the archive is verified and the history checked each time.",
        f"Client settings: read timeout {READ_TIMEOUT} s, one retry of idempotent reads.",
        "",
        f"Run on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {platform.node()} "
        f"({os.cpu_count()} cores, Python {platform.python_version()}), {seconds:.0f} s: "
        f"**{passed} passed, {len(rows) - passed} failed**.",
        "",
        "| step | fault | exit | result | target after | check | message |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        message = r.message.replace("|", "\\|").replace("\n", " ")
        if len(message) > 160:
            message = message[:157] + "..."
        check = "pass" if r.ok else "FAIL: " + "; ".join(r.problems)
        lines.append(
            f"| {r.step} | {r.fault} | {r.exit_code} | {r.status} | {r.target} | {check} | {message} |"
        )
    lines += [
        "",
        "Notes: a `401 expired mid-run` expires every token just before the call; the client refreshes once",
        "and replays, so the promotion succeeds. A `204` on the cache reload is a success by the contract",
        "(the call returns no data). Read timeouts and dropped bodies on idempotent reads are retried once.",
        "A write whose answer never comes is not retried and not raced: the target is read until it",
        "settles. A write that landed late (the `read timeout` rows on model apply and upload: the server",
        "carries the request out after the client gave up) is found and the promotion goes on; one that",
        "never settles within the settle time ends with exit 5 and the recovery command (`never settles`).",
        "SIGINT and SIGTERM cancel and roll back; after a kill -9 the command printed in history puts the",
        "whole target back (model and configuration).",
        "The last rows are faults found by attack (issue 25): a backtracking regular expression in a rule",
        "already saved (bounded; SIGINT stops it within seconds), a small JSON answer trickled a byte at a",
        "time (the small-call deadline), an upload whose answer is lost but which landed (said in the step,",
        "`--json` and history), Ctrl+C while the command line is still importing, and a backup whose file",
        "was swapped for another valid zip (named, never uploaded).",
        "",
        HOSTILE,
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))


def main(argv: list[str]) -> int:
    started = time.monotonic()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="promoter-faults-") as scratch:
        rig = Rig(Path(scratch))
        try:
            for step, fault in all_rows():
                row = run_row(rig, step, fault)
                rows.append(row)
                print(row.line() + ("" if row.ok else f"  <- {'; '.join(row.problems)}"), flush=True)
            for during in ("download", "upload"):
                row = run_kill(rig, during)
                rows.append(row)
                print(row.line() + ("" if row.ok else f"  <- {'; '.join(row.problems)}"), flush=True)
            for name in SPECIALS:
                row = run_special(rig, name)
                rows.append(row)
                print(row.line() + ("" if row.ok else f"  <- {'; '.join(row.problems)}"), flush=True)
        finally:
            rig.close()
    passed = sum(r.ok for r in rows)
    if "--write" in argv:
        write_report(Path(argv[argv.index("--write") + 1]), rows, time.monotonic() - started)
    print(f"{passed} passed, {len(rows) - passed} failed")
    return 0 if passed == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
