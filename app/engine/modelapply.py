"""Model apply ("Validate & Update" with the promoter's safety), top to bottom, on the runner."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.engine.backup import VerifyFailed, model_digest
from app.engine.context import Context
from app.engine.events import CancelToken, Listener
from app.engine.gates import Consent, Refusal, model_change, protected, raise_if
from app.engine.modeldiff import diff_models
from app.engine.plan import validate
from app.engine.result import Result
from app.engine.run import Session, run_write
from app.modelcheck import schema_errors
from app.profiles import Profile
from app.words import count

Model = list[dict[str, Any]]


def apply_model(
    ctx: Context,
    profile: Profile,
    model: Model,
    consent: Consent | None = None,
    listener: Listener | None = None,
    cancel: CancelToken | None = None,
) -> Result:
    return run_write(ctx, ModelApply(profile, model, consent or Consent()), listener, cancel)


@dataclass
class ModelApply:
    target: Profile
    model: Model
    consent: Consent
    kind: str = "model"
    versions_saved: int = 2

    @property
    def source_label(self) -> str | None:
        return None

    def prepare(self, s: Session) -> None:
        raise_if(check_model(s, self.model, self.consent) + protected(self.target, self.consent))

    def apply(self, s: Session) -> None:
        dst, severity = s.dst, 1 if self.consent.allow_data_loss else 0
        with s.reporter.step("Apply model"):
            s.write(
                "Apply model",
                lambda: dst.apply_model(self.model, severity=severity),
                probe=lambda: model_digest(dst.get_model()),
                sent=model_digest(self.model),
            )

    def verify(self, s: Session) -> str:
        with s.reporter.step("Verify"):
            if s.dst.get_model() != self.model:
                raise VerifyFailed("Verify: the app's model differs from the one sent.")
            # a model apply rebuilds the configuration's object rows: the new baseline
            return s.ctx.live_fingerprint(s.dst)

    def success(self, s: Session) -> str:
        return f"Updated the model of {self.target.name} (verified)."


def check_model(s: Session, model: Model, consent: Consent) -> list[Refusal]:
    """Validate *model* on the target (read-only) and return the model gates' refusals: invalid, or
    losing tables, columns or data without consent. Restore and undo ask it too: putting an older
    model back drops what was added since, with its rows."""
    with s.reporter.step("Validate model on target"):
        current = s.dst.get_model()
        if current == model:
            return []
        verdict = validate(s.dst, model, current)
        diff = diff_models(current, model)
        drops = [f"table {t}" for t in sorted(set(verdict.dropped_tables) | set(diff.dropped_tables))]
        drops += [
            f"column {t}.{c}" for t, c in sorted(set(verdict.dropped_columns) | set(diff.dropped_columns))
        ]
        local = schema_errors(model)
        valid = "never" if local else verdict.valid
        s.result.plan |= {"model_objects": len(model), "model_diff": diff.lines(), "valid": valid}
        s.reporter.log(f"model: {valid}; {count(diff.count(), 'change')}")
    return model_change(s.target, valid, verdict.warning_lines() + local, drops, consent)
