"""Each home's schedule, read back from the system.

This machine (and most CI machines) has no systemd user instance, so these tests run the crontab
path: a fake ``crontab`` on PATH (a small Python script that stores the table it is given in a file
and prints it for ``crontab -l``) and a ``systemctl`` that fails as it does without a user bus. The
promoter's commands run for real, as subprocesses, and read the table back through ``crontab -l``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.engine.history import History
from app.paths import Home
from app.profile import Profile
from app.profiles import ProfileStore
from tests.helpers import REPO, cli_env

FAKE_CRONTAB = """#!{python}
import os, sys
store = {store!r}
if sys.argv[1:] == ["-l"]:
    if os.environ.get("FAKE_CRONTAB_SLOW"):  # a slow crontab: reads take a while
        import time
        time.sleep(float(os.environ["FAKE_CRONTAB_SLOW"]))
    if not os.path.exists(store):
        sys.stderr.write("no crontab for tester\\n")
        sys.exit(1)
    sys.stdout.write(open(store).read())
elif sys.argv[1:] == ["-"]:
    text = sys.stdin.read()
    open(store, "w").write(text)
else:
    sys.stderr.write("fake crontab: unexpected arguments %r\\n" % sys.argv[1:])
    sys.exit(2)
"""

NO_USER_BUS = """#!{python}
import sys
sys.stderr.write("Failed to connect to bus: No medium found\\n")
sys.exit(1)
"""


class System:
    """A PATH holding only a fake ``crontab`` (optional) and a ``systemctl`` without a user bus."""

    def __init__(self, root: Path, *, crontab: bool = True) -> None:
        self.bin = root / "bin"
        self.bin.mkdir(parents=True)
        self.table = root / "crontab.txt"
        self.config = root / "config"
        scripts = {"systemctl": NO_USER_BUS}
        if crontab:
            scripts["crontab"] = FAKE_CRONTAB
        for name, text in scripts.items():
            path = self.bin / name
            path.write_text(text.format(python=sys.executable, store=str(self.table)))
            path.chmod(0o755)

    @property
    def env(self) -> dict[str, str]:
        return {**cli_env(), "PATH": str(self.bin), "XDG_CONFIG_HOME": str(self.config)}

    def lines(self) -> list[str]:
        return self.table.read_text().splitlines() if self.table.exists() else []

    def run(self, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app", "--home", str(home), *args],
            capture_output=True,
            text=True,
            env=self.env,
            cwd=REPO,
            timeout=120,
            check=False,
        )

    def status(self, home: Path) -> dict[str, object]:
        done = self.run(home, "schedule", "status", "--json")
        assert done.returncode == 0, done.stderr
        return dict(json.loads(done.stdout))


@pytest.fixture
def system(tmp_path: Path) -> System:
    return System(tmp_path / "system")


def test_homes_installing_at_once_keep_every_line(tmp_path, system):
    """Fake, slow crontab: three homes install at the same moment; each reads, changes and writes
    the one table, so without one edit at a time all but the last line written would be lost."""
    homes = [tmp_path / f"home-{n}" for n in range(3)]
    env = {**system.env, "FAKE_CRONTAB_SLOW": "0.4"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "app", "--home", str(home), "schedule", "install", "--every", "daily"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=REPO,
        )
        for home in homes
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err + out
    assert len(system.lines()) == 3, system.lines()
    for home in homes:
        assert system.status(home)["installed"]


def test_the_job_runs_this_promoter_whatever_folder_it_starts_in(tmp_path, system):
    """cron and systemd start the job in the user's home folder: a folder there named ``app`` must
    not run instead of the promoter (``python -m`` looked in the working folder first)."""
    import shlex

    home = tmp_path / "home"
    done = system.run(home, "schedule", "install", "--every", "daily", "--at", "02:30")
    assert done.returncode == 0, done.stderr + done.stdout
    (line,) = system.lines()
    words = shlex.split(line.split(" # ")[0])[5:]  # the job's command, after cron's five time fields
    decoy = tmp_path / "user-home"
    (decoy / "app").mkdir(parents=True)
    (decoy / "app" / "__init__.py").write_text("")
    (decoy / "app" / "__main__.py").write_text("print('decoy ran')")
    ran = subprocess.run(
        [*words[: words.index("--home")], "--version"], capture_output=True, text=True, cwd=decoy, timeout=60
    )
    assert ran.returncode == 0 and "decoy" not in ran.stdout and "promoter" in ran.stdout.lower(), ran
    assert system.status(home)["problems"] == []
    system.table.write_text(line.replace(" -P -m app ", " -m app ") + "\n")  # as older versions wrote it
    problems = system.status(home)["problems"]
    assert any("without -P" in p and "install the schedule again" in p for p in problems), problems


def test_two_homes_keep_their_own_schedules(tmp_path, system):
    """Fake crontab: home B's install adds its own line; home A's remove takes only A's."""
    home_a, home_b = tmp_path / "home-a", tmp_path / "home-b"
    done = system.run(home_a, "schedule", "install", "--every", "daily", "--at", "02:30")
    assert done.returncode == 0, done.stderr + done.stdout
    done = system.run(home_b, "schedule", "install", "--every", "6h", "--at", "01:15")
    assert done.returncode == 0, done.stderr + done.stdout
    assert len(system.lines()) == 2, system.lines()
    a, b = system.status(home_a), system.status(home_b)
    assert a["installed"] and a["when"] == "daily 02:30" and a["runs_home"] == str(home_a)
    assert b["installed"] and b["when"] == "every 6 h from 01:15" and b["runs_home"] == str(home_b)
    assert a["unit"] != b["unit"]
    assert any(str(home_b) in other for other in a["others"])  # seen, named, left alone

    again = system.run(home_a, "schedule", "install", "--every", "weekly", "--at", "04:00")
    assert "Replacing this home's schedule (daily 02:30)" in again.stdout
    assert len(system.lines()) == 2 and system.status(home_a)["when"] == "weekly Mon 04:00"

    removed = system.run(home_a, "schedule", "remove")
    assert removed.returncode == 0 and "Removed this home's line" in removed.stdout
    assert not system.status(home_a)["installed"]
    b = system.status(home_b)
    assert b["installed"] and b["when"] == "every 6 h from 01:15"
    assert len(system.lines()) == 1 and str(home_b) in system.lines()[0]


def test_a_line_break_in_the_home_path_is_refused(tmp_path, system):
    """Fake crontab: a home whose path holds a newline gets no unit and no crontab line."""
    home = tmp_path / "evil\nExecStartPre=/bin/sh -c 'touch pwned'"
    done = system.run(home, "schedule", "install", "--every", "daily")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "control character" in done.stderr and "'\\n'" in done.stderr
    assert "Traceback" not in done.stderr
    assert system.lines() == [] and not (system.config / "systemd").exists()
    from app import schedule

    with pytest.raises(Exception, match="control character"):
        schedule.unit_texts(Home(home), schedule.Schedule("daily", "02:30", ()))
    with pytest.raises(Exception, match="control character"):
        schedule.cron_line(Home(home), schedule.Schedule("daily", "02:30", ()))


def test_status_reads_hand_edits_back(tmp_path, system):
    """Fake crontab: the line is edited by hand (another time, another home, removed) and status
    says what the table holds, not what was installed."""
    home = tmp_path / "home"
    unknown = system.run(home, "schedule", "install", "qa", "--every", "daily")
    assert unknown.returncode == 2 and "no profile named 'qa'" in unknown.stderr and system.lines() == []
    store = ProfileStore(Home(home).ensure().profiles_file)
    store.upsert(Profile(name="qa", base_url="http://127.0.0.1:9", app="shop-qa", auth="keys"))
    assert system.run(home, "schedule", "install", "qa", "--every", "daily", "--at", "02:30").returncode == 0
    state = system.status(home)
    assert state["mechanism"] == "cron" and state["where"] == "crontab -l"
    assert state["profiles"] == ["qa"] and state["problems"] == [] and state["next_run"] is None

    line = system.lines()[0]
    system.table.write_text(line.replace("30 2 * * *", "0 4 * * *", 1) + "\n")
    state = system.status(home)
    assert state["installed"] and state["when"] == "daily 04:00"
    assert state["problems"] == ["edited by hand: runs daily 04:00, installed as daily 02:30"]
    text = system.run(home, "schedule", "status").stdout
    assert "runs: daily 04:00" in text and "problem: edited by hand" in text

    system.table.write_text(line.replace("30 2 * * *", "*/5 * * * *", 1) + "\n")
    state = system.status(home)
    assert state["installed"] and "not a time the promoter writes" in state["problems"][0]

    elsewhere = tmp_path / "elsewhere"
    system.table.write_text(line.replace(str(home), str(elsewhere)) + "\n")
    state = system.status(home)
    assert not state["installed"]
    assert state["problems"] == [f"points at another home: it backs up {elsewhere}, not this home"]

    system.table.write_text("# nothing of ours\n")
    state = system.status(home)
    assert not state["installed"] and state["problems"] == []
    assert "not scheduled" in system.run(home, "schedule", "status").stdout


def test_status_shows_the_last_backup_run_from_history(tmp_path, system):
    """Fake crontab; the last run is read from this home's history (backup runs)."""
    home = Home(tmp_path / "home").ensure()
    store = ProfileStore(home.profiles_file)
    for name in ("qa", "prod"):
        store.upsert(Profile(name=name, base_url="http://127.0.0.1:9", app=f"shop-{name}", auth="keys"))
    history = History(home.history_db)
    for name, status in (("qa", "succeeded"), ("prod", "failed")):
        run_id = history.start("backup", None, name)
        history.finish(run_id, status, f"{name}: {'could not reach' if status == 'failed' else 'ok'}", {}, [], {})
    history.close()
    assert system.run(home.root, "schedule", "install", "--every", "daily", "--at", "02:30").returncode == 0
    state = system.status(home.root)
    last = state["last_run"]
    assert isinstance(last, dict) and last["ok"] is False and "prod: could not reach" in last["summary"]
    assert "✗ failed" in system.run(home.root, "schedule", "status").stdout


def test_a_cancelled_run_is_no_failed_run_in_the_status(tmp_path):
    """A backup or drill the user (or a shutdown) cancelled: the schedule's last run is the one
    before it, not "✗ failed" with a notification of a failed scheduled backup."""
    from app.schedule import last_run

    home = Home(tmp_path / "home").ensure()
    history = History(home.history_db)
    try:
        for kind, status in (("backup", "succeeded"), ("drill", "succeeded"), ("backup", "cancelled"), ("drill", "cancelled")):
            run_id = history.start(kind, None, "qa")
            history.finish(run_id, status, f"qa: {kind} {status}", {}, [], {})
        last = last_run(history, ["qa"])
    finally:
        history.close()
    assert last is not None and last.ok and last.summary == "qa backed up, 1 drilled", last


def test_nothing_to_run_a_schedule_is_said_with_the_line_to_add(tmp_path):
    """No crontab and no systemd user instance: install says so and exits 1; status shows the line
    to add; unit files left by an older install are reported as run by nothing (issue 21)."""
    system = System(tmp_path / "system", crontab=False)
    home = tmp_path / "home"
    done = system.run(home, "schedule", "install", "--every", "daily", "--at", "02:30")
    assert done.returncode == 1, done.stderr
    assert "Nothing here can run a schedule" in done.stdout and str(home) in done.stdout.splitlines()[-1]
    assert not (system.config / "systemd").exists()
    state = system.status(home)
    assert not state["installed"] and state["mechanism"] == "none"
    assert "--home" in str(state["line_to_add"]) and str(home) in str(state["line_to_add"])

    from app import schedule

    os.environ["XDG_CONFIG_HOME"] = str(system.config)
    try:
        service, timer = schedule.unit_texts(Home(home), schedule.Schedule("daily", "02:30", ()))
        folder = schedule.unit_dir()
    finally:
        del os.environ["XDG_CONFIG_HOME"]
    folder.mkdir(parents=True)
    name = schedule.unit_name(Home(home))
    (folder / f"{name}.timer").write_text(timer)
    state = system.status(home)
    assert not state["installed"]
    assert any("service unit" in p and "missing" in p for p in state["problems"])
    (folder / f"{name}.service").write_text(service)
    state = system.status(home)
    assert not state["installed"]
    assert any("nothing runs them" in p for p in state["problems"]), state["problems"]


def test_last_run_words():
    from app.schedule import LastRun, State

    now = time.time()
    state = State(home="/h", unit="u", mechanism="cron", installed=True, when="daily 02:30")
    assert state.label(now) == "backups: daily 02:30 · not run yet"
    state.last_run = LastRun(now - 5 * 3600, True, "qa backed up")
    assert state.label(now) == "backups: daily 02:30 · last 5 h ago ✓"
    state.last_run = LastRun(now - 60, False, "qa: could not reach")
    assert state.label(now) == "backups: last run failed (daily 02:30)"
    state.installed = False
    assert state.label(now) == "backups: not scheduled"


class FakeUserManager:
    """``systemctl --user`` for the in-process tests below: this machine has no user instance, so the
    service manager is the one part faked (the unit files are real, checked by systemd-analyze)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, ...]] = []
        self.enabled: set[str] = set()

    def __call__(self, *args: str) -> str | None:
        self.calls.append(args)
        if args[0] in ("enable", "restart"):
            self.enabled.add(args[-1])
        elif args[0] == "disable":
            self.enabled.discard(args[-1])
        elif args[0] == "show":
            active = "active" if args[1] in self.enabled else "inactive"
            return f"ActiveState={active}\nNextElapseUSecRealtime=Mon 2026-12-07 02:30:00 UTC\n"
        return ""


@pytest.fixture
def user_manager(tmp_path, monkeypatch) -> FakeUserManager:
    from app import schedule

    fake = FakeUserManager()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))  # no crontab, whatever this machine has
    monkeypatch.setattr(schedule.system, "systemctl_out", fake)
    return fake


def _verify(path: Path) -> None:
    """systemd-analyze, where this machine has it, finds nothing wrong with the unit."""
    tool = shutil.which("systemd-analyze", path="/usr/bin:/bin")
    if tool:
        env = {**os.environ, "SYSTEMD_LOG_LEVEL": "err", "PATH": "/usr/bin:/bin"}
        shown = subprocess.run([tool, "verify", str(path)], capture_output=True, text=True, check=False, env=env)
        assert "Failed to" not in shown.stderr and "Invalid" not in shown.stderr, shown.stderr


def test_systemd_timers_are_named_for_their_home(tmp_path, user_manager):
    """A faked user manager (see FakeUserManager): two homes, two timers; removing one keeps the other."""
    from app import schedule

    home_a, home_b = Home(tmp_path / "a"), Home(tmp_path / "b")
    running, said = schedule.install(home_a, schedule.Schedule("daily", "02:30", ("qa", "prod")))
    assert running and "Enabled" in said[-1] and "daily 02:30" in said[-1]
    assert schedule.install(home_b, schedule.Schedule("12h", "01:00", ()))[0]
    folder = tmp_path / "config" / "systemd" / "user"
    a_name, b_name = schedule.unit_name(home_a), schedule.unit_name(home_b)
    service = (folder / f"{a_name}.service").read_text()
    timer = (folder / f"{a_name}.timer").read_text()
    assert f'"--home" "{home_a.root}"' in service and sys.executable in service
    assert '"backup" "qa" "prod" "--scheduled"' in service
    assert "OnCalendar=*-*-* 02:30:00" in timer and "Persistent=true" in timer
    assert f"Unit={a_name}.service" in timer
    assert "OnCalendar=*-*-* 01/12:00:00" in (folder / f"{b_name}.timer").read_text()
    _verify(folder / f"{a_name}.timer")

    state = schedule.status(home_a)
    assert state.installed and state.when == "daily 02:30" and state.profiles == ["qa", "prod"]
    assert state.next_run == "Mon 2026-12-07 02:30:00 UTC" and state.problems == []
    assert state.label().startswith("backups: daily 02:30")

    (folder / f"{a_name}.timer").write_text(timer.replace("02:30:00", "04:00:00"))
    state = schedule.status(home_a)
    assert state.when == "daily 04:00" and state.problems == [
        "edited by hand: runs daily 04:00, installed as daily 02:30"
    ]
    (folder / f"{a_name}.service").write_text(service.replace(str(home_a.root), str(home_b.root)))
    state = schedule.status(home_a)
    assert not state.installed and "points at another home" in state.problems[-1]
    (folder / f"{a_name}.service").unlink()
    state = schedule.status(home_a)
    assert not state.installed and "is missing" in state.problems[-1]

    schedule.remove(home_a)
    assert not (folder / f"{a_name}.timer").exists() and f"{a_name}.timer" not in user_manager.enabled
    assert schedule.status(home_b).installed and f"{b_name}.timer" in user_manager.enabled
    assert not schedule.status(home_a).installed


def test_the_schedule_quotes_a_hostile_home_path(tmp_path, user_manager):
    """%, $, a backslash, quotes and spaces in the home path reach the job unchanged."""
    from app import schedule

    home = Home(tmp_path / 'R&D 100%done $HOME \\x "q" <it>')
    plan = schedule.Schedule("weekly", "04:05", ())
    assert schedule.install(home, plan)[0]
    service = tmp_path / "config" / "systemd" / "user" / f"{schedule.unit_name(home)}.service"
    _verify(service)
    import xml.dom.minidom

    xml.dom.minidom.parseString(schedule.plist(home, plan))  # well-formed XML
    assert "\\%done" in schedule.cron_line(home, plan)  # cron reads a bare % as a newline
    assert "%%done" in service.read_text() and "$$HOME" in service.read_text()
    state = schedule.status(home)
    assert state.installed and state.runs_home == str(home.root) and state.when == "weekly Mon 04:05"
    schedule.remove(home)
    assert not service.exists()


def test_schedule_words_are_checked():
    from app import schedule
    from app.errors import UsageError

    with pytest.raises(UsageError, match="HH:MM"):
        schedule.Schedule("daily", "25:00", ())
    with pytest.raises(UsageError, match="Nh"):
        schedule.Schedule("5h", "02:00", ())
    assert schedule.Schedule("6h", "07:45", ()).describe() == "every 6 h from 01:45"
    for every in ("daily", "weekly", "1h", "6h", "8h"):
        plan = schedule.Schedule(every, "07:45", ())
        assert schedule.parse_calendar(schedule.on_calendar(plan)) == (every, plan.at)
        assert schedule.parse_cron(schedule.cron_when(plan).split()) == schedule.parse_calendar(
            schedule.on_calendar(plan)
        )


def test_the_demo_says_what_it_removes_or_where_it_keeps_its_home(tmp_path):
    """`promoter demo --no-gui` as a subprocess: the temporary home goes (and it says so with what it
    held), or stays with --keep-home (and it says where)."""
    env = {**cli_env(), "TMPDIR": str(tmp_path)}

    def demo(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "app", "demo", "--no-gui", *args],
            capture_output=True, text=True, env=env, cwd=REPO, timeout=120, check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    said = demo()
    assert "removed on quitting; keep it with --keep-home" in said.splitlines()[0]
    assert "Removed the demo's temporary home" in said and "archive (0 entries) and history (0 runs)" in said
    assert list(tmp_path.glob("promoter-demo-*")) == []

    said = demo("--keep-home")
    [kept] = tmp_path.glob("promoter-demo-*")
    assert f"The demo's home is kept at {kept / 'home'}" in said
    assert (kept / "home" / "profiles.json").exists() and (kept / "home" / "archive").is_dir()


def test_an_older_versions_shared_timer_is_replaced_only_for_its_own_home(tmp_path, user_manager):
    """A faked user manager: the one shared unit of an older version is removed by the home it backs
    up (install or remove there) and left alone, but named, by any other home."""
    from app import schedule

    home_a, home_b = Home(tmp_path / "a"), Home(tmp_path / "b")
    folder = tmp_path / "config" / "systemd" / "user"
    folder.mkdir(parents=True)
    service, timer = schedule.unit_texts(home_a, schedule.Schedule("daily", "02:30", ()))
    (folder / "backand-promoter-backup.service").write_text(service)
    (folder / "backand-promoter-backup.timer").write_text(timer)
    user_manager.enabled.add("backand-promoter-backup.timer")
    assert any(str(home_a.root) in other for other in schedule.status(home_b).others)
    schedule.install(home_b, schedule.Schedule("daily", "03:00", ()))
    assert (folder / "backand-promoter-backup.timer").exists()
    assert "an older version's shared timer backand-promoter-backup.timer backs up this home" in (
        schedule.status(home_a).others
    )
    running, said = schedule.install(home_a, schedule.Schedule("daily", "04:00", ()))
    assert running and "Disabled backand-promoter-backup.timer." in said
    assert not (folder / "backand-promoter-backup.timer").exists()
    assert user_manager.enabled == {f"{schedule.unit_name(h)}.timer" for h in (home_a, home_b)}


def test_a_schedule_with_drills_runs_them_and_status_says_a_failed_drill(tmp_path, system):
    """Fake crontab: `--drill weekly` is in the job's line and read back; a drill that failed after
    the backups makes the last run a failed one, named."""
    home = Home(tmp_path / "home").ensure()
    store = ProfileStore(home.profiles_file)
    store.upsert(Profile(name="qa", base_url="http://127.0.0.1:9", app="shop-qa", auth="keys"))
    done = system.run(
        home.root, "schedule", "install", "qa", "--every", "daily", "--at", "02:30", "--drill", "weekly"
    )
    assert done.returncode == 0, done.stderr + done.stdout
    [line] = system.lines()
    assert " backup qa --scheduled --drill weekly " in line
    state = system.status(home.root)
    assert state["drill"] == "weekly" and state["profiles"] == ["qa"], state
    history = History(home.history_db)
    run_id = history.start("backup", None, "qa")
    history.finish(run_id, "succeeded", "qa: nothing new.", {}, [], {})
    run_id = history.start("drill", None, "qa")
    history.finish(run_id, "failed", "qa: backup #3 does not restore as archived: ~ action x", {}, [], {})
    history.close()
    last = system.status(home.root)["last_run"]
    assert isinstance(last, dict) and last["ok"] is False and "does not restore as archived" in last["summary"]
    text = system.run(home.root, "schedule", "status").stdout
    assert "restore drills: weekly" in text and "✗ failed" in text
