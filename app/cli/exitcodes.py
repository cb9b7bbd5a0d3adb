"""Exit statuses of the ``promoter`` command line, and the mapping from errors to them.

Importing this module loads nothing else (the program's first lines use it before anything is
imported); the mappings import the errors they class when they are called."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.engine.result import Result


class Exit(enum.IntEnum):
    OK = 0
    FAILED = 1
    USAGE = 2
    REFUSED = 3  # a gate refused: nothing was written
    AUTH = 4
    INCONSISTENT = 5  # the target may be inconsistent, or a write's outcome is unknown
    INTERRUPTED = 130  # Ctrl+C outside a write (a write turns it into a cancel and a result)


def for_result(result: Result) -> Exit:
    """The exit status for an engine result (the engine knows no exit codes)."""
    from app.engine.result import Status
    from app.kinds import ErrorKind

    if result.status is Status.FAILED:
        return {ErrorKind.AUTH: Exit.AUTH, ErrorKind.USAGE: Exit.USAGE}.get(result.error_kind, Exit.FAILED)
    return {
        Status.SUCCEEDED: Exit.OK,
        Status.DRY_RUN: Exit.OK,
        Status.REFUSED: Exit.REFUSED,
        Status.ROLLED_BACK: Exit.FAILED,
        Status.ROLLBACK_FAILED: Exit.INCONSISTENT,
        Status.UNKNOWN: Exit.INCONSISTENT,
    }[result.status]


def for_error(error: BaseException) -> Exit:
    """The exit status for *error* (failures that were not refused or misused are 1)."""
    from app.backand import errors as backand_errors
    from app.errors import SafetyRefusal, UsageError
    from app.secrets import SecretStoreError

    if isinstance(error, SafetyRefusal):
        return Exit.REFUSED
    if isinstance(error, UsageError | SecretStoreError | backand_errors.ProtocolError):
        return Exit.USAGE  # a ProtocolError: the URL does not answer like Backand (a proxy page…)
    if isinstance(error, backand_errors.AuthError):
        return Exit.AUTH
    return Exit.FAILED
