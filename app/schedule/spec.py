"""What a schedule is, and the texts that install it: a systemd unit pair, a crontab line, a
LaunchAgent, a Task Scheduler command, each running ``promoter --home HOME backup …``."""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import sys
from dataclasses import dataclass
from xml.sax.saxutils import escape

from app.errors import UsageError
from app.paths import Home

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
    # -P: cron and systemd start the job in the user's home folder, and ``python -m`` would look
    # there first: a folder ~/app (or ~/app.py) would run instead of the promoter
    base = [sys.executable] if frozen else [sys.executable, "-P", "-m", "app"]
    targets = list(schedule.profiles) or ["--all"]
    for name in targets:
        if not re.fullmatch(r"[A-Za-z0-9._-]{1,40}|--all", name):
            raise UsageError(f"Environment name {name!r}: use letters, digits, '.', '_' or '-'.")
    drill = ["--drill", schedule.drill] if schedule.drill else []  # backup, drift check, then drills
    return [*base, "--home", str(home.root), "backup", *targets, "--scheduled", *drill]


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
