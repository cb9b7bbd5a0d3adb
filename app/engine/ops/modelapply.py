"""Model apply ("Validate & Update" with the promoter's safety), top to bottom, on the runner."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.backand.model import Model, model_digest
from app.engine.context import Context
from app.engine.events import CancelToken, Listener
from app.engine.gates import Consent
from app.engine.ops import under_lock
from app.engine.ops.run import run_write
from app.engine.ops.safety_backup import VerifyFailed
from app.engine.reads.writeplan import WritePlan, WriteSource
from app.engine.result import Result
from app.engine.session import Session
from app.kinds import WriteKind
from app.profile import Profile


def model_source(model: Model, label: str = "the model file") -> WriteSource:
    return WriteSource(label, model=model)


def apply_model(
    ctx: Context,
    profile: Profile,
    model: Model,
    consent: Consent | None = None,
    listener: Listener | None = None,
    cancel: CancelToken | None = None,
    *,
    label: str = "the model file",
    expect_stamp: str | None = None,
) -> Result:
    op = ModelApply(profile, model, consent or Consent(), expect_stamp, label=label)
    return run_write(ctx, op, listener, cancel)


@dataclass
class ModelApply:
    target: Profile
    model: Model
    consent: Consent
    expect_stamp: str | None = None
    label: str = "the model file"
    kind: str = WriteKind.MODEL
    versions_saved: int = 2
    plan: WritePlan | None = field(default=None, repr=False)

    @property
    def source_label(self) -> str | None:
        return None

    def prepare(self, s: Session) -> None:
        source = model_source(self.model, self.label)
        self.plan = under_lock.prepare(s, self.kind, source, self.consent, self.expect_stamp)

    def apply(self, s: Session) -> None:
        assert self.plan is not None
        if self.plan.nothing_to_write:
            s.reporter.log(f"{self.target.name} already has this model: nothing written")
            return
        dst, severity = s.dst, 1 if self.consent.allow_data_loss else 0
        with s.reporter.step("Apply model"):
            s.write(
                "Apply model",
                lambda: dst.apply_model(self.model, severity=severity),
                probe=lambda: model_digest(dst.get_model()),
                sent=model_digest(self.model),
            )

    def verify(self, s: Session) -> str:
        assert self.plan is not None
        if self.plan.nothing_to_write:
            return self.plan.target_fingerprint
        with s.reporter.step("Verify"):
            if s.dst.get_model() != self.model:
                raise VerifyFailed("Verify: the app's model differs from the one sent.")
            # a model apply rebuilds the configuration's object rows: the new baseline
            return s.ctx.live_fingerprint(s.dst)

    def success(self, s: Session) -> str:
        assert self.plan is not None
        if self.plan.nothing_to_write:
            return f"{self.target.name} already has this model; nothing was written."
        return f"Updated the model of {self.target.name} (verified)."
