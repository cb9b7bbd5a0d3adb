"""The one runner every write goes through: lock, history, backup, steps, verify, undo.

An operation (promote, Set, restore, model apply, undo) supplies its pieces; the runner owns the
skeleton once:

1. the target lock (per target, across homes), a history run;
2. ``prepare``: the operation's reads and its gates (a refusal ends the run, nothing written);
3. a backup of the *whole* target (model and configuration, one archive entry) unless ``prepare``
   adopted one; server versions that the writes would push off the server are archived first;
4. ``apply`` (every write goes through :meth:`Session.write`, which records it before sending and
   settles a write whose answer never came), then ``verify``;
5. on *any* exception or cancel after the first write (``KeyboardInterrupt``, ``OSError`` included),
   the backup is restored and the restore verified; history records what was written and undone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from app import logs
from app.archive import Entry
from app.backand import BackandClient
from app.backand.errors import NetworkError, ServerError, TimeoutError_
from app.engine import backup as backups
from app.engine.context import Context
from app.engine.events import CancelToken, Listener, Reporter
from app.engine.gates import Refused
from app.engine.lock import TargetLock
from app.engine.result import Result, Status, describe, error_kind, recovery_command
from app.engine.settle import OutcomeUnknown, settle
from app.profiles import Profile
from app.words import sentence

T = TypeVar("T")
GATEWAY = (502, 503, 504)  # a proxy answered: the server behind it may still carry the write out


@dataclass
class Session:
    """What the steps of one write share: the target's client, the reporter, the backup."""

    ctx: Context
    target: Profile
    reporter: Reporter
    result: Result
    client: BackandClient | None = None
    backup: Entry | None = None
    ids: dict[str, Any] = field(default_factory=dict)
    baseline: str | None = None  # the fingerprint the target holds after a verified write

    @property
    def dst(self) -> BackandClient:
        assert self.client is not None
        return self.client

    @property
    def run_id(self) -> int:
        return self.result.run_id

    def record(self, **ids: Any) -> None:
        """Archive ids for the history run, written at once (a run that dies keeps its backup id)."""
        self.ids.update(ids)
        self.ctx.history.set_archive_ids(self.run_id, self.ids)

    def write(
        self,
        name: str,
        action: Callable[[], T],
        *,
        probe: Callable[[], str] | None = None,
        sent: str = "",
    ) -> T | None:
        """One write. Recorded before it is sent (it may land even if no answer comes back); when
        the answer never comes, the target is settled with *probe* against *sent*."""
        self.result.written.append(name)
        try:
            return action()
        except (TimeoutError_, NetworkError, ServerError) as exc:
            unknown = isinstance(exc, TimeoutError_ | NetworkError) or exc.status in GATEWAY
            if probe is None or not unknown:
                raise
            seconds = self.ctx.settings.settle_seconds if self.ctx.settings else 600.0
            landed = settle(
                probe,
                sent,
                require_landed=isinstance(exc, TimeoutError_) or exc.status == 504,
                seconds=seconds,
                reporter=self.reporter,
                what=name,
            )
            if landed is None:
                raise
            self.settled(name, landed)
            return None

    def settled(self, name: str, seconds: float) -> None:
        """A write whose answer was lost but which landed: said in its step, the result and history."""
        note = f"the answer was lost; the target held what was sent (settled after {seconds:.1f} s)"
        self.reporter.note(note)
        self.result.settled.append(f"{name}: {note}")


class Operation(Protocol):
    kind: str
    target: Profile
    versions_saved: int  # server versions the writes (and their undo) may save, hence evict

    @property
    def source_label(self) -> str | None: ...

    def prepare(self, s: Session) -> None: ...

    def apply(self, s: Session) -> None: ...

    def verify(self, s: Session) -> str: ...

    def success(self, s: Session) -> str: ...


def run_write(
    ctx: Context, op: Operation, listener: Listener | None = None, cancel: CancelToken | None = None
) -> Result:
    reporter = Reporter(listener, cancel)
    op.target = ctx.guarded(op.target)  # a protection removed by hand still guards the target
    with TargetLock(op.target):
        run_id = ctx.history.start(op.kind, op.source_label, op.target.name, op.target.target_key)
        result = Result(op.kind, Status.FAILED, op.target.name, run_id=run_id, source=op.source_label)
        s = Session(ctx, op.target, reporter, result)
        try:
            with reporter.step("Connect"):
                s.client = ctx.client(op.target)
                reporter.log(f"target {op.target.name}: {op.target.app} at {op.target.base_url}")
            op.prepare(s)
            if s.backup is None:  # (a promotion adopts the target it read under the lock)
                backups.take_backup(s, f"before {op.kind} #{run_id}")
            backups.protect_versions(s, op.versions_saved)
            op.apply(s)
            s.baseline = op.verify(s)
            result.status, result.message = Status.SUCCEEDED, op.success(s)
            result.message += "".join(f" {line}." for line in result.settled)
        except Refused as exc:
            result.status, result.message, result.refusals = Status.REFUSED, exc.message, exc.refusals
        except OutcomeUnknown as exc:
            _unknown(s, exc)
        except BaseException as exc:
            result.error_kind = error_kind(exc)  # a cancel stays a cancel, rolled back or not
            if result.written and s.backup is not None:
                backups.undo_from_backup(s, exc)
            else:
                result.status = Status.FAILED
                result.message = f"{sentence(describe(exc))} Nothing was written to {op.target.name}."
        finally:
            _finish(s)
        return result


def _unknown(s: Session, exc: OutcomeUnknown) -> None:
    s.result.status = Status.UNKNOWN
    s.result.message = (
        f"{exc.message} {s.target.name} may hold either state, or receive the write later. Nothing "
        f"was undone (an undo could be overtaken by the late write). When `promoter check "
        f"{s.target.name}` answers promptly, restore the whole target (model and configuration) with: "
        + (recovery_command(s.target, s.backup.id) if s.backup else "(no backup was taken)")
    )


def _finish(s: Session) -> None:
    """Record the run; a store that cannot be written (a full disk) is said, not hidden."""
    r = s.result
    r.message = logs.redact(r.message)
    r.steps = s.reporter.json_steps()
    plan = r.plan | {"written": r.written, "undone": r.undone}
    try:
        s.ctx.history.finish(r.run_id, r.status.value, r.message, plan, r.steps, s.ids, s.baseline)
        if r.status is Status.SUCCEEDED and s.baseline:
            s.ctx.history.set_baseline(s.target.target_key, s.baseline, r.run_id, s.ids.get("verify"))
    except Exception as exc:
        logs.engine.error("history not written for run #%s: %s", r.run_id, exc)
        r.message += f" (history could not be written: {describe(exc)})"
    if s.client is not None:
        s.client.close()
    s.reporter.log(r.message, "info" if r.ok else "warning")
