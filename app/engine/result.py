"""What a write operation ends as: a status, a message for people, and the records behind it."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Protocol

from app import logs
from app.engine.gates import Refusal
from app.engine.verdict import Verdict
from app.errors import PromoterError
from app.kinds import ErrorKind
from app.profile import Profile


class Planned(Protocol):
    """A typed plan (``plan.Plan`` of a promotion, ``writeplan.WritePlan`` of any other write), as a
    result carries it: the front ends narrow it with ``isinstance``."""

    def verdict(self) -> Verdict: ...


class Status(enum.StrEnum):
    SUCCEEDED = "succeeded"
    DRY_RUN = "dry_run"  # a plan: nothing was written
    REFUSED = "refused"  # a gate said no: nothing was written
    FAILED = "failed"  # nothing was written
    ROLLED_BACK = "rolled_back"  # something was written, then undone and the undo verified
    ROLLBACK_FAILED = "rollback_failed"  # the target may be inconsistent: restore by hand
    UNKNOWN = "unknown"  # a write timed out and never settled: its outcome is not known


BAD_STATE = (Status.ROLLBACK_FAILED, Status.UNKNOWN)


@dataclass
class Result:
    kind: str  # a WriteKind (app/kinds.py)
    status: Status
    target: str
    message: str = ""
    run_id: int = 0
    source: str | None = None
    steps: list[dict[str, Any]] = field(default_factory=list)
    plan: dict[str, Any] = field(default_factory=dict)
    backup_id: int | None = None
    export_id: int | None = None
    refusals: list[Refusal] = field(default_factory=list)
    error_kind: ErrorKind = ErrorKind.NONE
    written: list[str] = field(default_factory=list)
    undone: list[str] = field(default_factory=list)
    # the plan itself, typed, for the front ends (``plan`` above is its record, as JSON)
    planned: Planned | None = field(default=None, repr=False, compare=False)
    settled: list[str] = field(default_factory=list)  # writes whose answer was lost, found landed

    @property
    def ok(self) -> bool:
        return self.status in (Status.SUCCEEDED, Status.DRY_RUN)

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "status": self.status.value,
            "source": self.source,
            "target": self.target,
            "message": self.message,
            "run_id": self.run_id,
            "steps": self.steps,
            "backup_id": self.backup_id,
            "export_id": self.export_id,
            "model_changes": self.plan.get("model_diff", []),
            "config_changes": self.plan.get("config_diff", []),
            "refusals": [r.message for r in self.refusals],
            "gates": [r.as_json() for r in self.refusals],
            "written": self.written,
            "undone": self.undone,
            "settled": self.settled,
            "plan": self.plan,
        }


def describe(exc: BaseException) -> str:
    """A sentence for any exception, ours or not (never empty, never a secret)."""
    if isinstance(exc, PromoterError):
        return logs.redact(exc.message)
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted (Ctrl+C)."
    text = logs.redact(str(exc)) or "no details"
    return f"unexpected {type(exc).__name__}: {text}."


def recovery_command(target: Profile, backup_id: int) -> str:
    """The command that puts a target back as its backup holds it (what a failed run prints): the
    target is half-written, so it has drifted from the promoter's last write; --yes says so."""
    confirm = f" --confirm {target.name}" if target.protected else ""
    return f"promoter restore {target.name} {backup_id} --allow-data-loss --yes{confirm}"


def error_kind(exc: BaseException) -> ErrorKind:
    """How a failure is classed (for exit codes and the window): a refused credential, a request
    that cannot be honoured as asked (an exclusion that leaves a dependent change behind, a missing
    archive file), or a cancel the user asked for."""
    from app.backand.errors import AuthError
    from app.errors import Cancelled, UsageError

    if isinstance(exc, AuthError):
        return ErrorKind.AUTH
    if isinstance(exc, Cancelled):
        return ErrorKind.CANCELLED
    return ErrorKind.USAGE if isinstance(exc, UsageError) else ErrorKind.NONE
