"""Backups on a schedule: a systemd user timer on Linux (``Persistent=true``, so a missed run happens
at the next login), else a crontab line; a LaunchAgent on macOS, a Task Scheduler command on Windows.
The job runs ``promoter --home HOME backup …`` with this installation's own executable.

Each home has its own schedule: the unit is named for the home (a short hash of its path) and the
crontab line carries a marker comment with the same hash, so installing or removing in one home
never touches another's. :func:`status` reads the state back from the system (the unit files and
``systemctl --user``, or ``crontab -l``), never from a remembered string, and says what was edited
by hand. Where nothing can run a schedule (no ``systemctl --user``, no ``crontab``), it says so and
gives the line to add.

The parts: ``spec.py`` (what a schedule is, and the texts that install it), ``system.py`` (asking
``systemctl --user`` and ``crontab``), ``state.py`` (reading it back), ``install.py`` (installing and
removing it).
"""

from app.schedule.install import install, remove
from app.schedule.spec import (
    DEFAULT_ADD,
    EVERY_HELP,
    HOURS,
    UNIT,
    Schedule,
    cron_line,
    cron_when,
    describe,
    on_calendar,
    plist,
    schtasks,
    unit_name,
    unit_texts,
)
from app.schedule.state import LastRun, State, last_run, parse_calendar, parse_cron, read, status
from app.schedule.system import mechanism, unit_dir

__all__ = [
    "DEFAULT_ADD",
    "EVERY_HELP",
    "HOURS",
    "UNIT",
    "LastRun",
    "Schedule",
    "State",
    "cron_line",
    "cron_when",
    "describe",
    "install",
    "last_run",
    "mechanism",
    "on_calendar",
    "parse_calendar",
    "parse_cron",
    "plist",
    "read",
    "remove",
    "schtasks",
    "status",
    "unit_dir",
    "unit_name",
    "unit_texts",
]
