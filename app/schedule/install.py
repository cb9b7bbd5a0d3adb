"""Installing and removing this home's schedule (its unit, its crontab line), nobody else's."""

from __future__ import annotations

import shutil
import sys

from app.errors import PromoterError
from app.fsutil import atomic_write_bytes
from app.paths import Home
from app.schedule import system
from app.schedule.spec import (
    UNIT,
    Schedule,
    check_path,
    cron_line,
    home_id,
    plist,
    schtasks,
    unit_name,
    unit_texts,
)
from app.schedule.state import legacy_home, same_home, status
from app.schedule.system import mechanism, read_crontab, unit_dir, write_crontab
from app.userlocks import held


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
        started = all(system.systemctl(*step) for step in steps)  # restarted: a changed time applies at once
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
    if same_home(legacy_home(), home):
        names.append(UNIT)
    for name in names:
        timer = unit_dir() / f"{name}.timer"
        if timer.exists() and system.systemctl("disable", "--now", timer.name):
            said.append(f"Disabled {timer.name}.")
        for suffix in (".service", ".timer"):
            path = unit_dir() / (name + suffix)
            if path.exists():
                path.unlink()
                said.append(f"Removed {path}.")
    if said:
        system.systemctl("daemon-reload")
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
