"""Backups on a schedule: a systemd user timer on Linux (``Persistent=true``, so a missed run happens
at the next login), else a crontab line; a LaunchAgent on macOS, a Task Scheduler command on Windows.
The job runs ``promoter --home HOME backup …`` with this installation's own executable.

Each home has its own schedule: the unit is named for the home (a short hash of its path) and the
crontab line carries a marker comment with the same hash, so installing or removing in one home
never touches another's. :func:`status` reads the state back from the system (the unit files and
``systemctl --user``, or ``crontab -l``), never from a remembered string, and says what was edited
by hand. Where nothing can run a schedule (no ``systemctl --user``, no ``crontab``), it says so and
gives the line to add.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from app.errors import PromoterError, UsageError
from app.fsutil import atomic_write_bytes
from app.paths import Home
from app.plural import ago
from app.userlocks import held

UNIT = "backand-promoter-backup"  # the prefix of each home's unit; an older version's one shared unit
HOURS = (1, 2, 3, 4, 6, 8, 12)  # "every N hours": the divisors of a day, so each day runs alike
EVERY_HELP = "daily, weekly or Nh (N: " + ", ".join(map(str, HOURS)) + ")"
DEFAULT_ADD = ("daily", "03:00")


@dataclass(frozen=True)
class Schedule:
    every: str  # daily, weekly, Nh
    at: str  # HH:MM (for Nh: the first run of the day)
    profiles: tuple[str, ...]  # empty: --all
    drill: str | None = None  # daily, weekly: the job also restore-drills each environment this often

    def __post_init__(self) -> None:
        if self.drill not in (None, "daily", "weekly"):
            raise UsageError(f"--drill {self.drill!r}: use daily or weekly.")
        if self.every not in ("daily", "weekly") and self.every_hours is None:
            raise UsageError(f"--every {self.every!r}: use {EVERY_HELP}.")
        match = re.fullmatch(r"([01][0-9]|2[0-3]):([0-5][0-9])", self.at)
        if not match:
            raise UsageError(f"--at {self.at!r}: use HH:MM (24-hour clock).")
        hours = self.every_hours
        if hours is not None:  # every N hours from the first run of the day: 07:45 every 6 h is 01:45
            object.__setattr__(self, "at", f"{int(match.group(1)) % hours:02d}:{match.group(2)}")

    @property
    def every_hours(self) -> int | None:
        match = re.fullmatch(r"([0-9]{1,2})h", self.every)
        return int(match.group(1)) if match and int(match.group(1)) in HOURS else None

    @property
    def hour(self) -> str:
        return self.at.split(":")[0]

    @property
    def minute(self) -> str:
        return self.at.split(":")[1]

    def describe(self) -> str:
        return describe(self.every, self.at) + (f", drills {self.drill}" if self.drill else "")


def describe(every: str, at: str) -> str:
    """"daily 02:30", "weekly Mon 02:30", "every 6 h from 02:30" (never systemd's or cron's syntax)."""
    if every == "daily":
        return f"daily {at}"
    if every == "weekly":
        return f"weekly Mon {at}"
    return f"every {every[:-1]} h from {at}"


def home_id(home: Home) -> str:
    """A short, stable name for this home (its schedule's unit and crontab marker carry it)."""
    return hashlib.sha256(os.path.realpath(home.root).encode("utf-8", "surrogateescape")).hexdigest()[:10]


def unit_name(home: Home) -> str:
    return f"{UNIT}-{home_id(home)}"


def marker(home: Home, schedule: Schedule) -> str:
    return f"# {UNIT} home={home_id(home)} every={schedule.every} at={schedule.at}"


def check_path(home: Home) -> None:
    """Refuse a home (or executable) path that would break out of a unit file or a crontab line."""
    for what, text in (("home folder", str(home.root)), ("program", sys.executable)):
        bad = sorted({repr(c) for c in text if ord(c) < 0x20 or c == "\x7f"})
        if bad:
            raise UsageError(
                f"The {what} path {text!r} contains a control character ({', '.join(bad)}); a "
                "schedule cannot run it safely. Use a home whose path has no line breaks or tabs."
            )


def command(home: Home, schedule: Schedule) -> list[str]:
    """The job's command line: this executable, this home, the chosen environments."""
    check_path(home)
    frozen = getattr(sys, "frozen", False)
    base = [sys.executable] if frozen else [sys.executable, "-m", "app"]
    targets = list(schedule.profiles) or ["--all"]
    for name in targets:
        if not re.fullmatch(r"[A-Za-z0-9._-]{1,40}|--all", name):
            raise UsageError(f"Environment name {name!r}: use letters, digits, '.', '_' or '-'.")
    drill = ["--drill", schedule.drill] if schedule.drill else []  # backup, drift check, then drills
    return [*base, "--home", str(home.root), "backup", *targets, "--scheduled", *drill]


def unit_dir() -> Path:
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "systemd" / "user"


def systemd_quote(arg: str) -> str:
    """One ExecStart word: double-quoted, with systemd's specifiers (%), variables ($) and C-style
    escapes (\\) kept literal."""
    for char, escaped in (("\\", "\\\\"), ('"', '\\"'), ("%", "%%"), ("$", "$$")):
        arg = arg.replace(char, escaped)
    return f'"{arg}"'


def on_calendar(schedule: Schedule) -> str:
    hours = schedule.every_hours
    if hours is not None:
        return f"*-*-* {schedule.hour}/{hours}:{schedule.minute}:00"
    day = "Mon " if schedule.every == "weekly" else ""
    return f"{day}*-*-* {schedule.hour}:{schedule.minute}:00"


def unit_texts(home: Home, schedule: Schedule) -> tuple[str, str]:
    line = " ".join(systemd_quote(arg) for arg in command(home, schedule))
    name = unit_name(home)
    service = (
        "[Unit]\nDescription=Backand Promoter: back up environments into the archive\n\n"
        f"[Service]\nType=oneshot\nExecStart={line}\n"
    )
    timer = (
        f"{marker(home, schedule)}\n"
        "[Unit]\nDescription=Backand Promoter: scheduled backups\n\n"
        f"[Timer]\nOnCalendar={on_calendar(schedule)}\nPersistent=true\nUnit={name}.service\n\n"
        "[Install]\nWantedBy=timers.target\n"
    )
    return service, timer


def cron_when(schedule: Schedule) -> str:
    hours = schedule.every_hours
    minute, hour = int(schedule.minute), int(schedule.hour)
    if hours is not None:
        return f"{minute} {hour}-23/{hours} * * *"
    return f"{minute} {hour} * * {'1' if schedule.every == 'weekly' else '*'}"


def cron_line(home: Home, schedule: Schedule) -> str:
    job = shlex.join(command(home, schedule)).replace("%", chr(92) + "%")  # cron: % is a newline
    return f"{cron_when(schedule)} {job} {marker(home, schedule)}"


# -- reading back ------------------------------------------------------------------------------


@dataclass
class LastRun:
    started_at: float
    ok: bool
    summary: str  # "qa, prod succeeded" / "prod: could not reach …"

    def ago(self, now: float | None = None) -> str:
        return ago((now or time.time()) - self.started_at)


@dataclass
class State:
    """This home's schedule as the system holds it."""

    home: str
    unit: str
    mechanism: str  # systemd, cron, none (nothing here can run a schedule), launchd, schtasks
    installed: bool = False  # something on the system runs this home's backups
    every: str | None = None  # as read back (None when the time is not one the promoter writes)
    at: str | None = None
    when: str | None = None  # in words: "daily 02:30"
    raw: str | None = None  # the OnCalendar value or the crontab line, as read
    where: str | None = None  # the timer file, or "crontab -l"
    runs_home: str | None = None  # the --home the installed job runs
    profiles: list[str] = field(default_factory=list)  # empty: all
    drill: str | None = None  # the job also drills: daily, weekly
    next_run: str | None = None  # where the system says it
    problems: list[str] = field(default_factory=list)  # hand edits, missing parts
    others: list[str] = field(default_factory=list)  # other homes' schedules seen (left alone)
    line_to_add: str | None = None  # where nothing can install it
    last_run: LastRun | None = None

    def as_json(self) -> dict[str, Any]:
        doc = asdict(self)
        if self.last_run is not None:
            doc["last_run"] = {
                "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.last_run.started_at)),
                "ok": self.last_run.ok,
                "summary": self.last_run.summary,
            }
        return doc

    def label(self, now: float | None = None) -> str:
        """The status bar's words: "backups: daily 02:30 · last 5 h ago ✓"."""
        if not self.installed:
            return "backups: not scheduled"
        if self.last_run is not None and not self.last_run.ok:
            return f"backups: last run failed ({self.when})"
        last = f" · last {self.last_run.ago(now)} ✓" if self.last_run else " · not run yet"
        edited = " (edited by hand)" if self.problems else ""
        return f"backups: {self.when}{edited}{last}"

    def lines(self) -> list[str]:
        """What ``schedule status`` prints."""
        said = [f"home: {self.home}", f"schedule: {self.unit} ({self.mechanism})"]
        if self.installed:
            said.append(f"runs: {self.when}")
            said.append(f"read from {self.where}: {self.raw}")
            said.append(f"environments: {', '.join(self.profiles) or 'all'}")
            said.append(f"restore drills: {self.drill or 'none (schedule install --drill weekly)'}")
            said.append(f"next run: {self.next_run or 'not reported by ' + self.mechanism}")
        elif self.line_to_add:
            said.append("not scheduled: nothing here can run a schedule (no systemctl --user, no crontab);")
            said.append(f"add this line to what runs your jobs: {self.line_to_add}")
        else:
            said.append("not scheduled (promoter schedule install --every daily --at 02:30)")
        said += [f"problem: {p}" for p in self.problems]
        said += [f"left alone: {o}" for o in self.others]
        if self.last_run is not None:
            mark = "✓" if self.last_run.ok else "✗ failed"
            stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.last_run.started_at))
            said.append(f"last run: {stamp} ({self.last_run.ago()}) {mark}: {self.last_run.summary}")
        else:
            said.append("last run: none in this home's history")
        return said


def parse_calendar(text: str) -> tuple[str, str] | None:
    """(every, at) for an OnCalendar value the promoter writes; None for any other."""
    text = text.strip()
    match = re.fullmatch(r"(Mon )?\*-\*-\* ([0-9]{2}):([0-9]{2}):00", text)
    if match:
        return ("weekly" if match.group(1) else "daily"), f"{match.group(2)}:{match.group(3)}"
    match = re.fullmatch(r"\*-\*-\* ([0-9]{2})/([0-9]{1,2}):([0-9]{2}):00", text)
    if match and int(match.group(2)) in HOURS:
        return f"{int(match.group(2))}h", f"{match.group(1)}:{match.group(3)}"
    return None


def parse_cron(fields: list[str]) -> tuple[str, str] | None:
    """(every, at) for crontab time fields the promoter writes; None for any other."""
    if len(fields) != 5 or not fields[0].isdigit() or fields[2:4] != ["*", "*"]:
        return None
    minute, hour, dow = int(fields[0]), fields[1], fields[4]
    if minute > 59:
        return None
    if hour.isdigit() and int(hour) < 24 and dow in ("*", "1"):
        return ("weekly" if dow == "1" else "daily"), f"{int(hour):02d}:{minute:02d}"
    match = re.fullmatch(r"([0-9]{1,2})-23/([0-9]{1,2})|\*/([0-9]{1,2})", hour)
    if match and dow == "*":
        start, step = int(match.group(1) or 0), int(match.group(2) or match.group(3))
        if step in HOURS and start < step:
            return f"{step}h", f"{start:02d}:{minute:02d}"
    return None


def _job_home(argv: list[str]) -> tuple[str | None, list[str]]:
    """The --home a job's command line runs, and its environments (empty: all)."""
    home = argv[argv.index("--home") + 1] if "--home" in argv[:-1] else None
    rest = argv[argv.index("backup") + 1 :] if "backup" in argv else []
    values = {i + 1 for i, a in enumerate(rest) if a == "--drill"}  # an option's value, not a name
    return home, [a for i, a in enumerate(rest) if not a.startswith("-") and i not in values]


def _job_drill(argv: list[str]) -> str | None:
    """How often the job drills (``--drill weekly``), or None."""
    return argv[argv.index("--drill") + 1] if "--drill" in argv[:-1] else None


def _same_home(path: str | None, home: Home) -> bool:
    return path is not None and os.path.realpath(path) == os.path.realpath(home.root)


def _compare(state: State, home: Home, installed_as: dict[str, str]) -> None:
    """Add to *state*'s problems whatever differs from what the promoter installed."""
    if state.every is None:
        state.when = "a custom time"  # its syntax is in problems and the tooltip, not the status bar
        state.problems.append(f"edited by hand: runs at {state.raw!r}, not a time the promoter writes")
    elif installed_as and (installed_as.get("every"), installed_as.get("at")) != (state.every, state.at):
        was = describe(installed_as.get("every", "?"), installed_as.get("at", "?"))
        state.problems.append(f"edited by hand: runs {state.when}, installed as {was}")
    if state.runs_home is not None and not _same_home(state.runs_home, home):
        state.installed = False
        state.problems.append(f"points at another home: it backs up {state.runs_home}, not this home")


def _marker_fields(text: str) -> dict[str, str]:
    return dict(re.findall(r"\b(home|every|at)=(\S+)", text))


def _systemd_state(home: Home, state: State, reachable: bool) -> None:
    folder, name = unit_dir(), unit_name(home)
    timer, service = folder / f"{name}.timer", folder / f"{name}.service"
    if not timer.exists():
        if service.exists():
            state.problems.append(f"{service} is there without its timer: nothing starts it")
        return
    text = timer.read_text(errors="replace")
    state.where = str(timer)
    calendar = re.search(r"^OnCalendar=(.*)$", text, re.MULTILINE)
    state.raw = calendar.group(1).strip() if calendar else "(no OnCalendar=)"
    parsed = parse_calendar(state.raw) if calendar else None
    state.every, state.at = parsed if parsed else (None, None)
    state.when = describe(*parsed) if parsed else None
    state.installed = True
    first = text.splitlines()[0] if text else ""
    if service.exists():  # what the job runs, read before it is compared with this home
        words = _exec_words(service)
        state.runs_home, state.profiles = _job_home(words)
        state.drill = _job_drill(words)
    _compare(state, home, _marker_fields(first) if first.startswith(f"# {UNIT}") else {})
    if not service.exists():
        state.installed = False
        state.problems.append(f"the service unit {service.name} is missing: the timer starts nothing")
    if not reachable:
        state.installed = False
        state.problems.append(
            "the unit files are there but systemctl --user is not available: nothing runs them"
        )
        return
    shown = _systemctl_out("show", f"{name}.timer", "-p", "UnitFileState,ActiveState,NextElapseUSecRealtime")
    props = dict(line.split("=", 1) for line in (shown or "").splitlines() if "=" in line)
    if props.get("ActiveState") != "active":
        state.installed = False
        state.problems.append(f"{name}.timer is not active ({props.get('ActiveState', 'unknown')})")
    state.next_run = props.get("NextElapseUSecRealtime") or None


def _cron_state(home: Home, state: State, table: str) -> None:
    mine = f"home={home_id(home)}"
    for line in table.splitlines():
        if f"# {UNIT} " not in line or line.lstrip().startswith("#"):
            continue
        if mine not in line:
            try:
                job = line.split(f"# {UNIT}")[0].replace("\\%", "%")
                other, _ = _job_home(shlex.split(job, comments=True)[5:])
            except ValueError:
                other = None
            state.others.append(f"a crontab line backs up another home: {other or line}")
            continue
        if state.raw is not None:
            state.problems.append(f"this home has more than one crontab line: {line}")
            continue
        state.raw, state.where, state.installed = line, "crontab -l", True
        try:
            words = shlex.split(line.replace("\\%", "%"), comments=True)
        except ValueError:
            words = line.split()
        parsed = parse_cron(words[:5])
        state.every, state.at = parsed if parsed else (None, None)
        state.when = describe(*parsed) if parsed else None
        state.runs_home, state.profiles = _job_home(words[5:])
        state.drill = _job_drill(words[5:])
        _compare(state, home, _marker_fields(line.split(f"# {UNIT}", 1)[1]))


def _legacy_home() -> str | None:
    """The home that an older version's one shared unit backs up ("" when unknown; None: no unit)."""
    service = unit_dir() / f"{UNIT}.service"
    if not (unit_dir() / f"{UNIT}.timer").exists() or not service.exists():
        return None
    runs, _ = _job_home(_exec_words(service))
    return runs or ""


def _exec_words(service: Path) -> list[str]:
    """The words of a service unit's ``ExecStart=``, systemd's ``%%`` and ``$$`` read back as the
    ``%`` and ``$`` of the path they were written for ([] when there is none to read)."""
    line = re.search(r"^ExecStart=(.*)$", service.read_text(errors="replace"), re.MULTILINE)
    try:
        argv = shlex.split(line.group(1)) if line else []
    except ValueError:
        argv = []
    return [a.replace("%%", "%").replace("$$", "$") for a in argv]


def _legacy(home: Home, state: State) -> None:
    """An older version's one shared unit: say which home it backs up."""
    runs = _legacy_home()
    if runs is not None:
        whose = "this home" if _same_home(runs, home) else (runs or "an unknown home")
        state.others.append(f"an older version's shared timer {UNIT}.timer backs up {whose}")


def mechanism() -> str:
    if sys.platform == "darwin":
        return "launchd"
    if sys.platform.startswith("win"):
        return "schtasks"
    if _systemctl("show-environment"):
        return "systemd"
    return "cron" if shutil.which("crontab") else "none"


def status(home: Home, history: Any | None = None, profiles: list[str] | None = None) -> State:
    """This home's schedule read back from the system, and its last backup run from *history*."""
    kind = mechanism()
    state = State(home=str(home.root), unit=unit_name(home), mechanism=kind)
    if kind in ("systemd", "cron", "none"):
        _systemd_state(home, state, kind == "systemd")
        if not state.installed and shutil.which("crontab"):
            cron = State(home=state.home, unit=state.unit, mechanism="cron")
            _cron_state(home, cron, read_crontab())
            if cron.raw is not None or kind == "cron":
                cron.problems = state.problems + cron.problems
                state = cron
            else:
                state.others += cron.others
        _legacy(home, state)
        if kind == "none" and not state.installed:
            try:
                state.line_to_add = cron_line(home, Schedule(*DEFAULT_ADD, ()))
            except UsageError as exc:
                state.problems.append(exc.message)
    if history is not None:
        state.last_run = last_run(history, state.profiles or profiles or [])
    return state


def read(home: Home) -> State:
    """:func:`status` with this home's environments and its history's last backup run."""
    from app.engine.history import History
    from app.profiles import ProfileStore

    names = [p.name for p in ProfileStore(home.profiles_file).load()] if home.profiles_file.exists() else []
    if not home.history_db.exists():
        return status(home, None, names)
    history = History(home.history_db)
    try:
        return status(home, history, names)
    finally:
        history.close()


def last_run(history: Any, profiles: list[str]) -> LastRun | None:
    """The newest backup of each environment: when the last one started, and whether all succeeded;
    a restore drill or drift check that failed since that backup fails the run too."""
    runs = [r for r in (history.last_of("backup", p) for p in profiles) if r is not None]
    if not runs:
        return None
    started = max(r.started_at for r in runs)
    after = [
        r
        for kind in ("drill", "drift-check")
        for r in (history.last_of(kind, p) for p in profiles)
        if r is not None and r.started_at >= started - 3600  # the same job (or one since)
    ]
    failed = [r for r in [*runs, *after] if r.status != "succeeded"]
    names = ", ".join(r.target for r in runs)
    drilled = sum(r.kind == "drill" for r in after)
    summary = (
        "; ".join(r.message for r in failed)
        if failed
        else f"{names} backed up" + (f", {drilled} drilled" if drilled else "")
    )
    return LastRun(started, not failed, summary)


# -- installing and removing ----------------------------------------------------------------------


def install(home: Home, schedule: Schedule) -> tuple[bool, list[str]]:
    """Install this home's schedule (replacing only this home's); return whether something now runs
    it, and what to tell the user, line by line."""
    check_path(home)
    name = unit_name(home)
    if sys.platform == "darwin":
        return False, [
            f"Save this as ~/Library/LaunchAgents/{name}.plist and `launchctl load` it:",
            plist(home, schedule),
        ]
    if sys.platform.startswith("win"):
        return False, ["Run this once in a command prompt:", schtasks(home, schedule)]
    before = status(home)
    said = [f"Replacing this home's schedule ({before.when or before.raw})."] if before.raw else []
    if mechanism() == "systemd":
        folder = unit_dir()
        folder.mkdir(parents=True, exist_ok=True)
        service, timer = unit_texts(home, schedule)
        atomic_write_bytes(folder / f"{name}.service", service.encode(), 0o644)
        atomic_write_bytes(folder / f"{name}.timer", timer.encode(), 0o644)
        steps = (("daemon-reload",), ("enable", f"{name}.timer"), ("restart", f"{name}.timer"))
        started = all(_systemctl(*step) for step in steps)  # restarted: a changed time applies at once
        if started:
            if shutil.which("crontab"):
                _remove_cron_line(home)
            said += _remove_units(home, legacy_only=True)
            said.append(f"Enabled {name}.timer (systemctl --user): {schedule.describe()}.")
            return True, said
        _remove_units(home)
        said.append("systemctl --user could not enable the timer; trying crontab.")
    if shutil.which("crontab"):
        _remove_units(home)
        with held("crontab"):
            write_crontab([*_without_mine(read_crontab(), home), cron_line(home, schedule)])
        after = status(home)
        if after.installed and after.every == schedule.every and after.at == schedule.at:
            said.append(f"Added this home's line to the crontab: {schedule.describe()}.")
            return True, said
        raise PromoterError("The crontab did not keep the line just written (read back: "
                            f"{after.raw or 'no line for this home'}).")
    said += [
        "Nothing here can run a schedule (no systemctl --user, no crontab); add this line to "
        "whatever runs your jobs:",
        cron_line(home, schedule),
    ]
    return False, said


def remove(home: Home) -> list[str]:
    """Remove this home's schedule (its unit, its crontab line), nobody else's."""
    said = _remove_units(home)
    if shutil.which("crontab"):
        said += _remove_cron_line(home)
    return said or ["This home had no schedule."]


def _remove_units(home: Home, *, legacy_only: bool = False) -> list[str]:
    """Disable and delete this home's units (and an older version's shared unit that backs up this
    home); an older version's unit for another home is left alone."""
    said = []
    names = [] if legacy_only else [unit_name(home)]
    if _same_home(_legacy_home(), home):
        names.append(UNIT)
    for name in names:
        timer = unit_dir() / f"{name}.timer"
        if timer.exists() and _systemctl("disable", "--now", timer.name):
            said.append(f"Disabled {timer.name}.")
        for suffix in (".service", ".timer"):
            path = unit_dir() / (name + suffix)
            if path.exists():
                path.unlink()
                said.append(f"Removed {path}.")
    if said:
        _systemctl("daemon-reload")
    return said


def _without_mine(table: str, home: Home) -> list[str]:
    mine = f"# {UNIT} home={home_id(home)} "
    return [line for line in table.splitlines() if mine not in line]


def _remove_cron_line(home: Home) -> list[str]:
    with held("crontab"):  # every home edits this one table: one read-change-write at a time
        table = read_crontab()
        kept = _without_mine(table, home)
        if len(kept) == len(table.splitlines()):
            return []
        write_crontab(kept)
    return ["Removed this home's line from the crontab."]


def read_crontab() -> str:
    try:
        done = subprocess.run(["crontab", "-l"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        raise PromoterError(f"crontab -l failed: {exc}") from None
    if done.returncode != 0:
        if "no crontab" in done.stderr.lower():
            return ""
        raise PromoterError(f"crontab -l failed: {done.stderr.strip() or done.returncode}")
    return done.stdout


def write_crontab(lines: list[str]) -> None:
    text = "".join(line + "\n" for line in lines)
    try:
        done = subprocess.run(
            ["crontab", "-"], input=text, capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise PromoterError(f"crontab failed: {exc}") from None
    if done.returncode != 0:
        raise PromoterError(f"crontab refused the new table: {done.stderr.strip() or done.returncode}")


def plist(home: Home, schedule: Schedule) -> str:
    args = "".join(f"<string>{escape(a)}</string>" for a in command(home, schedule))
    hour = "" if schedule.every_hours else f"<key>Hour</key><integer>{int(schedule.hour)}</integer>"
    weekday = "<key>Weekday</key><integer>1</integer>" if schedule.every == "weekly" else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict>'
        f"<key>Label</key><string>{unit_name(home)}</string><key>ProgramArguments</key><array>{args}</array>"
        f"<key>StartCalendarInterval</key><dict>{hour}{weekday}"
        f"<key>Minute</key><integer>{int(schedule.minute)}</integer></dict></dict></plist>"
    )


def schtasks(home: Home, schedule: Schedule) -> str:
    hours = schedule.every_hours
    kind = f"/SC HOURLY /MO {hours}" if hours else {"daily": "/SC DAILY", "weekly": "/SC WEEKLY /D MON"}[
        schedule.every
    ]
    line = " ".join('\\"' + a.replace('"', "") + '\\"' for a in command(home, schedule))
    return f'schtasks /Create /TN {unit_name(home)} {kind} /ST {schedule.at} /TR "{line}"'


def _systemctl(*args: str) -> bool:
    return _systemctl_out(*args) is not None


def _systemctl_out(*args: str) -> str | None:
    """``systemctl --user ARGS``'s output, or None when it failed (or there is no user instance: a
    running user manager always has its socket in $XDG_RUNTIME_DIR/systemd; asking without one makes
    a session bus try to start systemd, which logs an error)."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if shutil.which("systemctl") is None or not runtime or not (Path(runtime) / "systemd").is_dir():
        return None
    try:
        done = subprocess.run(
            ["systemctl", "--user", *args], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None
