"""Backups on a schedule: a systemd user timer on Linux (``Persistent=true``, so a missed run happens
at the next login), a LaunchAgent on macOS, a Task Scheduler command on Windows. The job runs
``promoter --home HOME backup …`` with this installation's own executable (source or frozen).
Where the service manager cannot be driven (no ``systemctl --user``), the equivalent crontab line is
printed for the user to add.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from app.errors import UsageError
from app.fsutil import atomic_write_bytes
from app.paths import Home

UNIT = "backand-promoter-backup"
EVERY = {"6h": "*-*-* 00/6:{m}:00", "daily": "*-*-* {h}:{m}:00", "weekly": "Mon *-*-* {h}:{m}:00"}
CRON = {"6h": "{m} */6 * * *", "daily": "{m} {h} * * *", "weekly": "{m} {h} * * 1"}


@dataclass(frozen=True)
class Schedule:
    every: str  # 6h, daily, weekly
    at: str  # HH:MM
    profiles: tuple[str, ...]  # empty: --all

    def __post_init__(self) -> None:
        if self.every not in EVERY:
            raise UsageError(f"--every must be one of {', '.join(EVERY)}.")
        match = re.fullmatch(r"([01][0-9]|2[0-3]):([0-5][0-9])", self.at)
        if not match:
            raise UsageError(f"--at {self.at!r}: use HH:MM (24-hour clock).")

    @property
    def hour(self) -> str:
        return self.at.split(":")[0]

    @property
    def minute(self) -> str:
        return self.at.split(":")[1]


def command(home: Home, schedule: Schedule) -> list[str]:
    """The job's command line: this executable, this home, the chosen environments."""
    frozen = getattr(sys, "frozen", False)
    base = [sys.executable] if frozen else [sys.executable, "-m", "app"]
    targets = list(schedule.profiles) or ["--all"]
    return [*base, "--home", str(home.root), "backup", *targets, "--scheduled"]


def unit_dir() -> Path:
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "systemd" / "user"


def systemd_quote(arg: str) -> str:
    """One ExecStart word: double-quoted, with systemd's specifiers (%), variables ($) and C-style
    escapes (\\) kept literal."""
    for char, escaped in (("\\", "\\\\"), ('"', '\\"'), ("%", "%%"), ("$", "$$")):
        arg = arg.replace(char, escaped)
    return f'"{arg}"'


def unit_texts(home: Home, schedule: Schedule) -> tuple[str, str]:
    line = " ".join(systemd_quote(arg) for arg in command(home, schedule))
    service = (
        "[Unit]\nDescription=Backand Promoter: back up environments into the archive\n\n"
        f"[Service]\nType=oneshot\nExecStart={line}\n"
    )
    when = EVERY[schedule.every].format(h=schedule.hour, m=schedule.minute)
    timer = (
        "[Unit]\nDescription=Backand Promoter: scheduled backups\n\n"
        f"[Timer]\nOnCalendar={when}\nPersistent=true\nUnit={UNIT}.service\n\n"
        "[Install]\nWantedBy=timers.target\n"
    )
    return service, timer


def cron_line(home: Home, schedule: Schedule) -> str:
    when = CRON[schedule.every].format(h=int(schedule.hour), m=int(schedule.minute))
    return f"{when} {shlex.join(command(home, schedule)).replace('%', chr(92) + '%')}"  # cron: % is a newline


def install(home: Home, schedule: Schedule) -> list[str]:
    """Install the schedule for this platform; return what to tell the user, line by line."""
    if sys.platform == "darwin":
        return [
            f"Save this as ~/Library/LaunchAgents/{UNIT}.plist and `launchctl load` it:",
            plist(home, schedule),
        ]
    if sys.platform.startswith("win"):
        return ["Run this once in a command prompt:", schtasks(home, schedule)]
    folder = unit_dir()
    folder.mkdir(parents=True, exist_ok=True)
    service, timer = unit_texts(home, schedule)
    atomic_write_bytes(folder / f"{UNIT}.service", service.encode(), 0o644)
    atomic_write_bytes(folder / f"{UNIT}.timer", timer.encode(), 0o644)
    said = [f"Wrote {folder / (UNIT + '.service')} and {UNIT}.timer."]
    if _systemctl("daemon-reload") and _systemctl("enable", "--now", f"{UNIT}.timer"):
        said.append(f"Enabled {UNIT}.timer (systemctl --user): {schedule.every} at {schedule.at}.")
    else:
        said += [
            "systemctl --user is not available here; add this line with `crontab -e` instead:",
            cron_line(home, schedule),
        ]
    return said


def remove() -> list[str]:
    folder = unit_dir()
    said = []
    if _systemctl("disable", "--now", f"{UNIT}.timer"):
        said.append(f"Disabled {UNIT}.timer.")
    for suffix in (".service", ".timer"):
        path = folder / (UNIT + suffix)
        if path.exists():
            path.unlink()
            said.append(f"Removed {path}.")
    _systemctl("daemon-reload")
    return said or ["No schedule was installed."]


def status() -> dict[str, str | None]:
    timer = unit_dir() / f"{UNIT}.timer"
    service = unit_dir() / f"{UNIT}.service"
    if not timer.exists():
        return {"installed": None, "when": None, "command": None}
    when = re.search(r"^OnCalendar=(.*)$", timer.read_text(), re.MULTILINE)
    line = re.search(r"^ExecStart=(.*)$", service.read_text(), re.MULTILINE) if service.exists() else None
    return {
        "installed": str(timer),
        "when": when.group(1) if when else None,
        "command": line.group(1) if line else None,
    }


def plist(home: Home, schedule: Schedule) -> str:
    args = "".join(f"<string>{escape(a)}</string>" for a in command(home, schedule))
    hour = "" if schedule.every == "6h" else f"<key>Hour</key><integer>{int(schedule.hour)}</integer>"
    weekday = "<key>Weekday</key><integer>1</integer>" if schedule.every == "weekly" else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict>'
        f"<key>Label</key><string>{UNIT}</string><key>ProgramArguments</key><array>{args}</array>"
        f"<key>StartCalendarInterval</key><dict>{hour}{weekday}"
        f"<key>Minute</key><integer>{int(schedule.minute)}</integer></dict></dict></plist>"
    )


def schtasks(home: Home, schedule: Schedule) -> str:
    kind = {"6h": "/SC HOURLY /MO 6", "daily": "/SC DAILY", "weekly": "/SC WEEKLY /D MON"}[schedule.every]
    line = " ".join('\\"' + a.replace('"', "") + '\\"' for a in command(home, schedule))
    return f'schtasks /Create /TN {UNIT} {kind} /ST {schedule.at} /TR "{line}"'


def _systemctl(*args: str) -> bool:
    if shutil.which("systemctl") is None:
        return False
    try:
        done = subprocess.run(
            ["systemctl", "--user", *args], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0
