"""Exit statuses of the ``promoter`` command line, and the mapping from errors to them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.backand import errors as backand_errors
from app.errors import Cancelled, PromoterError, SafetyRefusal, UsageError

if TYPE_CHECKING:
    from app.engine.result import Result

OK = 0
FAILED = 1
USAGE = 2
REFUSED = 3
AUTH = 4
INCONSISTENT = 5
INTERRUPTED = 130  # Ctrl+C outside a write (a write turns it into a cancel and a result)


def for_result(result: Result) -> int:
    """The exit status for an engine result (the engine knows no exit codes)."""
    from app.engine.result import Status

    if result.status is Status.FAILED:
        return {"auth": AUTH, "usage": USAGE}.get(result.error_kind, FAILED)
    return {
        Status.SUCCEEDED: OK,
        Status.DRY_RUN: OK,
        Status.REFUSED: REFUSED,
        Status.ROLLED_BACK: FAILED,
        Status.ROLLBACK_FAILED: INCONSISTENT,
        Status.UNKNOWN: INCONSISTENT,
    }[result.status]


def for_error(error: BaseException) -> int:
    """The exit status for *error* (failures that were not refused or misused are 1)."""
    from app.secrets import SecretStoreError

    if isinstance(error, SafetyRefusal):
        return REFUSED
    if isinstance(error, UsageError | SecretStoreError | backand_errors.ProtocolError):
        return USAGE  # a ProtocolError: the URL does not answer like Backand (a proxy page, a redirect away)
    if isinstance(error, backand_errors.AuthError):
        return AUTH
    if isinstance(error, Cancelled | PromoterError):
        return FAILED
    return FAILED
