"""Every closed set of the promoter, one enum each, in one place (as qutebrowser's ``usertypes``).

Each is a ``StrEnum``: a member is its word, so what is stored (history, the archive's index, JSON)
and what the server sends stay the same text, and a comparison with the word still holds. The gates
(``engine/gates.py`` ``Gate``), a result's status (``engine/result.py`` ``Status``) and a verdict's
tone (``engine/verdict.py`` ``Tone``) live beside the code that decides them; exit codes are the
command line's (``cli/exitcodes.py`` ``Exit``).
"""

from __future__ import annotations

import enum


class Valid(enum.StrEnum):
    """The server's verdict on a model (``POST /1/model/validate``)."""

    ALWAYS = "always"  # applies without losing anything
    DATA = "data"  # applies, losing data (a dropped table or column, a type change over rows)
    NEVER = "never"  # refused as invalid


class EventKind(enum.StrEnum):
    """What a running operation reports (``engine/events.py``)."""

    STEP = "step"
    LOG = "log"
    PROGRESS = "progress"


class StepStatus(enum.StrEnum):
    """Where one step of an operation stands."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    SKIPPED = "skipped"
    FAILED = "failed"
    ROLLED_BACK = "rolled_back"  # its write was undone by the automatic rollback


class ErrorKind(enum.StrEnum):
    """How a failure is classed (``engine/result.py`` ``error_kind``), for exit codes and the window."""

    NONE = ""
    AUTH = "auth"  # a refused credential
    USAGE = "usage"  # what was asked cannot be done as asked
    CANCELLED = "cancelled"  # the user (or the window as it quits) cancelled


class ArchiveKind(enum.StrEnum):
    """What an archive entry is (``archive/store.py``)."""

    EXPORT = "export"
    BACKUP = "backup"  # model and configuration of a target before a write
    VERSION = "version"  # a server version, read into the archive
    IMPORT = "import"
    PLAN = "plan"  # a plan's reads: pruned on their own rule
    SENT = "sent"  # the export as rules and exclusions shaped it
    RELEASE = "release"  # an environment's model and configuration taken under a name


class WriteKind(enum.StrEnum):
    """The writes, as history records their runs (every one goes through the runner)."""

    PROMOTE = "promote"
    SET = "rollback"  # a Set: a saved version made current (recorded as "rollback", the command's name)
    RESTORE = "restore"
    MODEL = "model"  # a model apply
    UNDO = "undo"


class ReadKind(enum.StrEnum):
    """History's runs that never write into their target."""

    BACKUP = "backup"
    PROFILE = "profile"  # a profile change: not a write to a server, never undone
    DRILL = "drill"
    DRIFT_CHECK = "drift-check"
