"""This home's schedule read back from the system (never from a remembered string), with what
was edited by hand and the last backup run from history."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from app.errors import UsageError
from app.paths import Home
from app.plural import ago
from app.schedule import system
from app.schedule.spec import DEFAULT_ADD, HOURS, UNIT, Schedule, cron_line, describe, home_id, unit_name
from app.schedule.system import mechanism, read_crontab, unit_dir


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
        if any(p.startswith("edited by hand") for p in self.problems):
            edited = " (edited by hand)"
        else:
            edited = " (see its problem)" if self.problems else ""
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


def job_home(argv: list[str]) -> tuple[str | None, list[str]]:
    """The --home a job's command line runs, and its environments (empty: all)."""
    home = argv[argv.index("--home") + 1] if "--home" in argv[:-1] else None
    rest = argv[argv.index("backup") + 1 :] if "backup" in argv else []
    values = {i + 1 for i, a in enumerate(rest) if a == "--drill"}  # an option's value, not a name
    return home, [a for i, a in enumerate(rest) if not a.startswith("-") and i not in values]


def _job_problems(argv: list[str]) -> list[str]:
    """What is unsafe in a job's command line: ``python -m app`` without ``-P``, as older versions
    wrote it, runs a folder named ``app`` in the folder the job starts in (the home folder)."""
    flags = ""  # python's one-letter options up to -m (-u -P, -uPm, -IPmapp …)
    for word in argv[1 : argv.index("--home") if "--home" in argv else len(argv)]:
        if not word.startswith("-") or word.startswith("--"):
            continue
        letters = word[1:]
        cut = next((i for i, c in enumerate(letters) if c in "mcWX"), len(letters))  # the rest is a value
        flags += letters[: cut + 1]
        if "m" in letters[: cut + 1]:
            break
    if "m" in flags and not set(flags) & {"P", "I"}:
        return [
            "its job runs `python -m app` without -P, which a folder named app in your home folder "
            "would replace: install the schedule again"
        ]
    return []


def _job_drill(argv: list[str]) -> str | None:
    """How often the job drills (``--drill weekly``), or None."""
    return argv[argv.index("--drill") + 1] if "--drill" in argv[:-1] else None


def same_home(path: str | None, home: Home) -> bool:
    return path is not None and os.path.realpath(path) == os.path.realpath(home.root)


def _compare(state: State, home: Home, installed_as: dict[str, str]) -> None:
    """Add to *state*'s problems whatever differs from what the promoter installed."""
    if state.every is None:
        state.when = "a custom time"  # its syntax is in problems and the tooltip, not the status bar
        state.problems.append(f"edited by hand: runs at {state.raw!r}, not a time the promoter writes")
    elif installed_as and (installed_as.get("every"), installed_as.get("at")) != (state.every, state.at):
        was = describe(installed_as.get("every", "?"), installed_as.get("at", "?"))
        state.problems.append(f"edited by hand: runs {state.when}, installed as {was}")
    if state.runs_home is not None and not same_home(state.runs_home, home):
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
        words = exec_words(service)
        state.runs_home, state.profiles = job_home(words)
        state.drill = _job_drill(words)
        state.problems += _job_problems(words)
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
    asked = ("show", f"{name}.timer", "-p", "UnitFileState,ActiveState,NextElapseUSecRealtime")
    shown = system.systemctl_out(*asked)
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
                other, _ = job_home(shlex.split(job, comments=True)[5:])
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
        state.runs_home, state.profiles = job_home(words[5:])
        state.drill = _job_drill(words[5:])
        state.problems += _job_problems(words[5:])
        _compare(state, home, _marker_fields(line.split(f"# {UNIT}", 1)[1]))


def legacy_home() -> str | None:
    """The home that an older version's one shared unit backs up ("" when unknown; None: no unit)."""
    service = unit_dir() / f"{UNIT}.service"
    if not (unit_dir() / f"{UNIT}.timer").exists() or not service.exists():
        return None
    runs, _ = job_home(exec_words(service))
    return runs or ""


def exec_words(service: Path) -> list[str]:
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
    runs = legacy_home()
    if runs is not None:
        whose = "this home" if same_home(runs, home) else (runs or "an unknown home")
        state.others.append(f"an older version's shared timer {UNIT}.timer backs up {whose}")


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
    skip = ("cancelled",)  # a run the user (or a shutdown) cancelled is no failure: the one before counts
    runs = [r for r in (history.last_of("backup", p, besides=skip) for p in profiles) if r is not None]
    if not runs:
        return None
    started = max(r.started_at for r in runs)
    after = [
        r
        for kind in ("drill", "drift-check")
        for r in (history.last_of(kind, p, besides=skip) for p in profiles)
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
