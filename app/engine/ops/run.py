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

from app import logs
from app.engine.context import Context
from app.engine.events import CancelToken, Listener, Reporter
from app.engine.gates import Refused
from app.engine.lock import TargetLock
from app.engine.ops import safety_backup
from app.engine.result import Result, Status, describe, error_kind, recovery_command
from app.engine.session import Operation, Session
from app.engine.settle import OutcomeUnknown
from app.plural import sentence


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
                safety_backup.take_backup(s, f"before {op.kind} #{run_id}")
            safety_backup.protect_versions(s, op.versions_saved)
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
                safety_backup.undo_from_backup(s, exc)
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
