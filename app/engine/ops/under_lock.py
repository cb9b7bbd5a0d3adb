"""A planned write's plan made again under the target's lock, where it decides: its gates refuse
(nothing written) or the target's read becomes the run's backup. Restore, Set, model apply and undo
each begin here; a promotion has its own (``promote.py``)."""

from __future__ import annotations

from app.engine import gates
from app.engine.gates import Consent
from app.engine.ops.safety_backup import adopt_backup
from app.engine.reads.writeplan import WritePlan, WriteSource, make_write_plan
from app.engine.session import Session


def prepare(s: Session, kind: str, source: WriteSource, consent: Consent, expect: str | None) -> WritePlan:
    """A write's plan under the target's lock: its gates decide (a refusal ends the run, nothing
    written); the target's read becomes the run's backup."""
    plan = make_write_plan(s.ctx, s.dst, s.target, kind, source, s.reporter, for_write=True)
    s.result.plan, s.result.planned = plan.as_json(), plan
    gates.raise_if(plan.refusals(consent, expect))
    if plan.security.weakening and consent.accepts_security:  # why access was widened, in history
        s.result.plan["security"]["reason"] = consent.security_reason
    if plan.read is not None:
        adopt_backup(s, plan.read)
    return plan
